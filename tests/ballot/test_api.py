"""The ballot API: lifecycle, presses and their statuses, the record."""

from __future__ import annotations

import asyncio

import pytest

from tests.ballot.actions import BINDINGS, act, batch, counted, get, new_vote, press, send
from tests.ballot.conftest import Services, seat

pytestmark = [pytest.mark.anyio, pytest.mark.db]


@pytest.fixture
async def open_vote(services: Services, meeting_code: str) -> int:
    await seat(services, meeting_code, BINDINGS)
    vote_id = await new_vote(services, meeting_code)
    assert (await act(services, vote_id, "open")).status_code == 200
    return vote_id


class TestLifecycle:
    async def test_prepared_open_closed_annulled(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code)
        state = (await services.ballot.get(f"/api/meetings/{meeting_code}/state")).json()
        assert (state["state"], state["keys"]) == ("CLOSED", 0)
        assert (await act(services, vote_id, "open")).json()["status"] == "open"
        state = (await services.ballot.get(f"/api/meetings/{meeting_code}/state")).json()
        assert (state["state"], state["vote_id"], state["keys"]) == ("OPEN", vote_id, 3)
        assert (await act(services, vote_id, "close")).json()["status"] == "closed"
        annulled = await act(services, vote_id, "annul", reason="storing in zaal B")
        assert annulled.json()["status"] == "annulled"
        assert annulled.json()["annulled_reason"] == "storing in zaal B"

    async def test_one_open_vote_per_meeting(self, services: Services, open_vote: int) -> None:
        meeting = (await services.ballot.get(f"/api/votes/{open_vote}")).json()["meeting"]
        second = await new_vote(services, meeting, title="Motie 2", kind="motie")
        response = await act(services, second, "open")
        assert response.status_code == 409
        assert response.json()["code"] == "another_vote_open"

    @pytest.mark.parametrize(("action", "body"), [("close", {}), ("annul", {"reason": "fout"})])
    async def test_wrong_state_is_refused(
        self, services: Services, meeting_code: str, action: str, body: dict[str, str]
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code)
        response = await act(services, vote_id, action, **body)
        assert response.status_code == 409
        assert response.json()["code"] == "wrong_vote_state"

    async def test_a_closed_vote_cannot_reopen(self, services: Services, open_vote: int) -> None:
        await act(services, open_vote, "close")
        response = await act(services, open_vote, "open")
        assert response.status_code == 409

    async def test_nobody_present_cannot_open(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, {})
        vote_id = await new_vote(services, meeting_code)
        response = await act(services, vote_id, "open")
        assert response.status_code == 409
        assert response.json()["code"] == "empty_electorate"

    async def test_numbered_options_are_required_for_an_election(
        self, services: Services, meeting_code: str
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            json={"kind": "verkiezing", "title": "VZ"},
            headers=services.auth("chair"),
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


class TestElectorate:
    async def test_frozen_at_open(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        await services.registration.post(
            f"/api/meetings/{meeting_code}/registrations/GM0088/return",
            headers=services.auth("desk"),
        )
        record = await services.ballot.get(
            f"/api/votes/{open_vote}/record", headers=services.auth("auditor")
        )
        # The electorate stays as it was at the open; the handed-back handset
        # no longer votes (its binding ended at the desk).
        assert [e["member"] for e in record.json()["electorate"]] == ["GM0088", "GM0344", "GM0363"]
        assert await send(services, meeting_code, press("000088", 1, 2)) == ["DENY"]

    async def test_registration_down_keeps_the_vote_closed(
        self, services: Services, meeting_code: str
    ) -> None:
        chair = services.auth("chair")
        created = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            json={"kind": "motie", "title": "M"},
            headers=chair,
        )
        vote_id = created.json()["id"]
        services.link.up = False  # the chair is known; the electorate cannot be had
        response = await services.ballot.post(f"/api/votes/{vote_id}/open", headers=chair)
        assert response.status_code == 503
        assert response.json()["code"] == "upstream_unavailable"
        assert "registratie" in response.json()["detail"]
        vote = (await services.ballot.get(f"/api/votes/{vote_id}")).json()
        assert vote["status"] == "prepared"


class TestOutcomeInputs:
    async def test_the_record_only_once_there_is_an_outcome(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        other = await new_vote(services, meeting_code, title="Motie 2", kind="motie")
        await send(services, meeting_code, press("000363", 1, 1))
        path = f"/api/votes/{open_vote}/outcome-inputs"
        quiet = await get(services, path)
        assert [v["id"] for v in quiet["votes"]] == [open_vote, other]
        assert quiet["record"] is None  # open, and no running tally asked for
        live = await get(services, f"{path}?live=true")
        assert live["record"] == await get(services, f"/api/votes/{open_vote}/record")
        await act(services, open_vote, "close")
        closed = await get(services, path)
        assert closed["record"] == await get(services, f"/api/votes/{open_vote}/record")
        assert closed["record"]["counted"][0]["member"] == "GM0363"
        assert (await get(services, f"/api/votes/{other}/outcome-inputs"))["record"] is None

    async def test_an_unknown_vote_is_404(self, services: Services, open_vote: int) -> None:
        response = await services.ballot.get(
            f"/api/votes/{open_vote + 1000}/outcome-inputs", headers=services.auth("auditor")
        )
        assert response.status_code == 404
        assert response.json()["code"] == "vote_not_found"


class TestPresses:
    async def test_every_status(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        statuses = await send(
            services,
            meeting_code,
            press("000363", 1, 1),
            press("000088", 1, 7),
            press("999999", 1, 1),
        )
        assert statuses == ["OK", "BADKEY", "DENY"]
        await act(services, open_vote, "close")
        assert await send(services, meeting_code, press("000344", 1, 1)) == ["LATE"]

    async def test_nothing_ever_open_is_nopoll(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, BINDINGS)
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["NOPOLL"]

    async def test_duplicate_keeps_its_first_status_after_close(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        assert await send(services, meeting_code, press("000363", 5, 1)) == ["OK"]
        await act(services, open_vote, "close")
        assert await send(services, meeting_code, press("000363", 5, 1, "R02")) == ["OK"]
        assert await counted(services, open_vote) == {"GM0363": 1}

    async def test_same_press_in_one_batch_counts_once(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        statuses = await send(
            services, meeting_code, press("000363", 5, 1, "R01"), press("000363", 5, 1, "R02")
        )
        assert statuses == ["OK", "OK"]
        presses = await services.ballot.get(
            f"/api/votes/{open_vote}/presses", headers=services.auth("auditor")
        )
        assert len(presses.json()) == 1

    async def test_concurrent_duplicate_batches(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        batch = [press(h, 3, 2) for h in BINDINGS.values()]
        first, second = await asyncio.gather(
            send(services, meeting_code, *batch), send(services, meeting_code, *batch)
        )
        assert first == second == ["OK", "OK", "OK"]
        presses = await services.ballot.get(
            f"/api/votes/{open_vote}/presses", headers=services.auth("auditor")
        )
        assert len(presses.json()) == 3
        assert await counted(services, open_vote) == {"GM0363": 2, "GM0088": 2, "GM0344": 2}

    async def test_a_seq_repeated_in_a_later_vote_is_a_new_press(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        # A handset whose counter starts again (battery swap) repeats seqs of an
        # earlier vote: duplicates are per vote (PROTOCOL.md), so it counts.
        assert await send(services, meeting_code, press("000363", 7, 1)) == ["OK"]
        await act(services, open_vote, "close")
        later = await new_vote(services, meeting_code, title="Voorstel 2")
        await act(services, later, "open")
        assert await send(services, meeting_code, press("000363", 7, 2)) == ["OK"]
        assert await counted(services, later) == {"GM0363": 2}
        assert await counted(services, open_vote) == {"GM0363": 1}

    async def test_a_nopoll_press_repeated_keeps_its_status(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        assert await send(services, meeting_code, press("000363", 9, 1)) == ["NOPOLL"]
        assert await send(services, meeting_code, press("000363", 9, 1, "R02")) == ["NOPOLL"]

    async def test_last_press_wins_across_the_seq_wrap(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        await send(services, meeting_code, press("000363", 65534, 1))
        await send(services, meeting_code, press("000363", 0, 2))
        # An older press arriving late through another receiver does not win.
        await send(services, meeting_code, press("000363", 65535, 3, "R02"))
        assert await counted(services, open_vote) == {"GM0363": 2}
        presses = await services.ballot.get(
            f"/api/votes/{open_vote}/presses", headers=services.auth("auditor")
        )
        assert [(p["seq"], p["counted"]) for p in presses.json()] == [
            (65534, False),
            (0, True),
            (65535, False),
        ]

    async def test_malformed_press_is_refused_whole(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/presses",
            json=batch(press("000363", 1, 1), press("47", 1, 1)),
            headers=services.auth("gateway"),
        )
        assert response.status_code == 422
        assert await counted(services, open_vote) == {}

    async def test_only_the_gateway_may_send_presses(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/presses",
            json=batch(),
            headers=services.auth("desk"),
        )
        assert response.status_code == 403


class TestProgress:
    async def test_counts_members_and_weight_that_voted(
        self, services: Services, meeting_code: str, open_vote: int
    ) -> None:
        await send(services, meeting_code, press("000363", 1, 1), press("000088", 1, 2))
        progress = (await services.ballot.get(f"/api/votes/{open_vote}/progress")).json()
        assert progress["electorate_members"] == 3
        assert progress["electorate_weight"] == 151
        assert (progress["voted_members"], progress["voted_weight"]) == (2, 76)
