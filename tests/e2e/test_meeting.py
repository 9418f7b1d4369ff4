"""One weighted vote from scan to result, through every real part.

Registration, ballot and results run as processes talking HTTP; the gateway
is a process that opens a pseudo-terminal with pyserial, as it would open
/dev/ttyACM0; a simulated receiver with three handsets drives the other end.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from alv.stack import Stack
from hardware.simulator import SimConfig, Simulator
from tests.support.apps import as_caller
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db, pytest.mark.e2e]

AMSTERDAM, SCHIERMONNIKOOG, UTRECHT = "000001", "000002", "000003"


async def test_weighted_vote_from_scan_to_result(stack: Stack) -> None:
    config = stack.config
    tokens = config.tokens
    meeting = config.meeting
    async with (
        httpx.AsyncClient(base_url=config.url("registration"), timeout=10) as registration,
        httpx.AsyncClient(base_url=config.url("ballot"), timeout=10) as ballot,
        httpx.AsyncClient(base_url=config.url("results"), timeout=10) as results,
    ):
        # 1. Members with their article 10 weights, and their stemkaarten.
        cards = await make_meeting(registration, admin=tokens["secretariat"], code=meeting)
        # 2. Delegates register at the desk: card scanned, handset bound.
        for member, handset in (
            ("GM0363", AMSTERDAM),
            ("GM0088", SCHIERMONNIKOOG),
            ("GM0344", UTRECHT),
            ("GM0014", "000004"),
        ):
            response = await registration.post(
                f"/api/meetings/{meeting}/registrations",
                json={"card_code": cards[member], "handset": handset},
                headers=as_caller(tokens["desk"]),
            )
            assert response.status_code == 201, response.text

        async with Simulator(
            receivers=1, handsets=4, config=SimConfig(paced=True, stat_interval=None, seed=7)
        ) as hall:
            receiver = hall.receivers[0]
            stack.config.serial_ports = [receiver.port]
            await anyio.to_thread.run_sync(stack.start_hardware)
            await receiver.wait_for_poll("CLOSED", 0, within=15)

            # 3. The chair opens a voor/tegen/onthouding vote.
            chair = as_caller(tokens["chair"])
            created = await ballot.post(
                f"/api/meetings/{meeting}/votes",
                json={"kind": "voorstel", "title": "Voorstel jaarrekening"},
                headers=chair,
            )
            vote_id = created.json()["id"]
            opened = await ballot.post(f"/api/votes/{vote_id}/open", headers=chair)
            assert opened.status_code == 200, opened.text
            await receiver.wait_for_poll("OPEN", 3, within=10)

            # 4. Presses reach the ballot service through the serial gateway.
            presses = [
                hall.press(AMSTERDAM, 1),
                hall.press(SCHIERMONNIKOOG, 2),
                hall.press(UTRECHT, 3),
            ]
            acknowledged = [await press for press in presses]
            assert [(p.acked, p.status) for p in acknowledged] == [(True, "OK")] * 3

            # 5. The chair closes; the results service computes the outcome.
            closed = await ballot.post(f"/api/votes/{vote_id}/close", headers=chair)
            assert closed.status_code == 200
            await receiver.wait_for_poll("CLOSED", 0, within=10)
            late = await hall.press("000004", 1)
            assert (late.acked, late.status) == (True, "LATE")

        outcome = (await results.get(f"/api/votes/{vote_id}/outcome")).json()
        tallies = {t["label"]: (t["weight"], t["members"]) for t in outcome["tallies"]}
        assert tallies == {"voor": (75, 1), "tegen": (1, 1), "onthouding": (75, 1)}
        # Who voted what is public only once the secretariat publishes it.
        assert outcome["non_voters"] == {"members": 1, "weight": 75, "codes": None}
        assert outcome["decision"]["adopted"] is True
        # Hand-computed: cast = voor + tegen = 76; 75/76 = 98.684...% in favour.
        assert outcome["base"]["description"] == "voor + tegen"
        assert [t["percentage"] for t in outcome["tallies"]] == ["98,68%", "1,32%", None]
        assert outcome["decision"]["sentence_2023"] == (
            "het voorstel is aangenomen met 98,68% van de stemmen"
        )
        chair_page = await results.get(f"/chair/{meeting}")
        assert chair_page.status_code == 200
        assert "text/html" in chair_page.headers["content-type"]
        current = (await results.get(f"/api/meetings/{meeting}/current")).json()
        assert current["state"] == "closed"
        assert current["outcome"]["decision"] == outcome["decision"]
