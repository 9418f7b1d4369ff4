"""A handset swapped at the desk during an open vote keeps its municipality's vote."""

from __future__ import annotations

import datetime

import pytest

from tests.ballot.actions import BINDINGS, batch, counted, get, open_new_vote, press, send
from tests.ballot.conftest import Services, seat

pytestmark = [pytest.mark.anyio, pytest.mark.db]


async def swap(services: Services, meeting: str, member: str, handset: str) -> None:
    response = await services.registration.post(
        f"/api/meetings/{meeting}/registrations/{member}/swap",
        json={"handset": handset},
        headers=services.auth("desk"),
    )
    assert response.status_code == 200, response.text


@pytest.fixture
async def vote_id(services: Services, meeting_code: str) -> int:
    await seat(services, meeting_code, BINDINGS)
    return await open_new_vote(services, meeting_code)


class TestSwappedHandset:
    async def test_keeps_the_members_vote(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["OK"]
        await swap(services, meeting_code, "GM0363", "000999")
        assert await send(services, meeting_code, press("000999", 1, 2)) == ["OK"]
        assert await counted(services, vote_id) == {"GM0363": 2}
        presses = await get(services, f"/api/votes/{vote_id}/presses")
        assert [(p["handset"], p["member"], p["counted"]) for p in presses] == [
            ("000363", "GM0363", False),
            ("000999", "GM0363", True),
        ]
        record = await get(services, f"/api/votes/{vote_id}/record")
        amsterdam = next(e for e in record["electorate"] if e["member"] == "GM0363")
        assert (amsterdam["handset"], amsterdam["handsets"]) == ("000363", ["000363", "000999"])
        # The record's counted press is that press, stored at the same moment.
        (kept,) = record["counted"]
        assert (kept["member"], kept["handset"], kept["key"]) == ("GM0363", "000999", 2)
        stored = datetime.datetime.fromisoformat(presses[1]["stored_at"])
        assert datetime.datetime.fromisoformat(kept["stored_at"]) == stored

    async def test_registration_is_asked_once_per_swapped_handset_it_missed(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        services.back.up = False  # registration cannot tell ballot of the swap
        await swap(services, meeting_code, "GM0088", "000888")
        assert await send(services, meeting_code, press("000888", 1, 1)) == ["OK"]
        calls = services.link.calls
        assert await send(services, meeting_code, press("000888", 2, 2)) == ["OK"]
        assert await send(services, meeting_code, press("000344", 1, 1)) == ["OK"]
        assert services.link.asked_since(calls) == []
        assert await counted(services, vote_id) == {"GM0088": 2, "GM0344": 1}

    async def test_an_unbound_handset_is_denied(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("555555", 1, 1)) == ["DENY"]
        assert await counted(services, vote_id) == {}

    async def test_a_member_who_came_after_the_open_is_denied(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        cards = (
            await services.registration.get(
                f"/api/meetings/{meeting_code}/cards", headers=services.auth("secretariat")
            )
        ).json()
        groningen = next(card["code"] for card in cards if card["member"] == "GM0014")
        response = await services.registration.post(
            f"/api/meetings/{meeting_code}/registrations",
            json={"card_code": groningen, "handset": "000014"},
            headers=services.auth("desk"),
        )
        assert response.status_code == 201, response.text
        assert await send(services, meeting_code, press("000014", 1, 1)) == ["DENY"]


class TestRegistrationDown:
    async def test_a_batch_with_an_unknown_handset_is_refused_whole(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        services.back.up = False  # ballot was not told of the swap
        await swap(services, meeting_code, "GM0363", "000999")
        services.link.up = False
        body = batch(press("000344", 1, 1), press("000999", 1, 2))
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/presses", json=body, headers=services.auth("gateway")
        )
        assert response.status_code == 503
        assert response.json()["code"] == "upstream_unavailable"
        assert await counted(services, vote_id) == {}
        # The gateway retries once registration is back: then both count.
        services.link.up = True
        assert await send(services, meeting_code, *body["presses"]) == ["OK", "OK"]
        assert await counted(services, vote_id) == {"GM0344": 1, "GM0363": 2}

    async def test_known_handsets_and_duplicates_need_no_registration(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("555555", 1, 1)) == ["DENY"]
        services.link.up = False
        statuses = await send(services, meeting_code, press("000088", 1, 1), press("555555", 1, 1))
        assert statuses == ["OK", "DENY"]
