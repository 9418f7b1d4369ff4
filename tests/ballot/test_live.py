"""While a vote is open: progress, who has not voted, the proefstemming's missing list."""

from __future__ import annotations

import pytest

from tests.ballot.actions import BINDINGS, act, get, new_vote, open_new_vote, press, send
from tests.ballot.conftest import Services, seat

pytestmark = [pytest.mark.anyio, pytest.mark.db]


def members(body: dict[str, object]) -> list[str]:
    return [m["member"] for m in body["members"]]  # type: ignore[attr-defined]


class TestProefstemming:
    async def test_missing_lists_handsets_that_did_not_answer(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code, kind="proefstemming", title="Test")
        path = f"/api/votes/{vote_id}/missing"
        missing = await get(services, path, role="desk")
        assert members(missing) == ["GM0088", "GM0344", "GM0363"]
        assert missing["members"][0]["handsets"] == ["000088"]
        # Any key answers a proefstemming; a refused press is not an answer.
        assert await send(services, meeting_code, press("000363", 1, 7)) == ["OK"]
        assert await send(services, meeting_code, press("999999", 1, 1)) == ["DENY"]
        assert members(await get(services, path, role="desk")) == ["GM0088", "GM0344"]

    async def test_a_swapped_handset_that_answers_is_no_longer_missing(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code, kind="proefstemming", title="Test")
        response = await services.registration.post(
            f"/api/meetings/{meeting_code}/registrations/GM0088/swap",
            json={"handset": "000808"},
            headers=services.auth("desk"),
        )
        assert response.status_code == 200, response.text
        assert await send(services, meeting_code, press("000808", 1, 0)) == ["OK"]
        missing = await get(services, f"/api/votes/{vote_id}/missing", role="chair")
        assert members(missing) == ["GM0344", "GM0363"]

    async def test_missing_is_only_for_a_proefstemming(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        response = await services.ballot.get(
            f"/api/votes/{vote_id}/missing", headers=services.auth("desk")
        )
        assert response.status_code == 409
        assert response.json()["code"] == "not_a_test_vote"

    async def test_the_gateway_may_not_ask(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code, kind="proefstemming", title="Test")
        response = await services.ballot.get(
            f"/api/votes/{vote_id}/missing", headers=services.auth("gateway")
        )
        assert response.status_code == 403

    async def test_a_test_vote_is_left_out_of_published_lists(
        self, services: Services, meeting_code: str
    ) -> None:
        test = await new_vote(services, meeting_code, kind="proefstemming", title="Test")
        real = await new_vote(services, meeting_code)
        everything = (await services.ballot.get(f"/api/meetings/{meeting_code}/votes")).json()
        assert [(v["id"], v["is_test"]) for v in everything] == [(test, True), (real, False)]
        published = await services.ballot.get(
            f"/api/meetings/{meeting_code}/votes", params={"include_tests": "false"}
        )
        assert [v["id"] for v in published.json()] == [real]


class TestProgress:
    async def test_elapsed_time_grows_until_the_close(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code)
        path = f"/api/votes/{vote_id}/progress"
        assert (await services.ballot.get(path)).json()["elapsed_seconds"] is None
        await act(services, vote_id, "open")
        first = (await services.ballot.get(path)).json()["elapsed_seconds"]
        await act(services, vote_id, "close")
        closed = (await services.ballot.get(path)).json()["elapsed_seconds"]
        assert 0 <= first <= closed
        assert (await services.ballot.get(path)).json()["elapsed_seconds"] == closed

    async def test_not_voted_names_who_has_not_pressed(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        await send(services, meeting_code, press("000344", 1, 2), press("000088", 1, 9))
        not_voted = await get(services, f"/api/votes/{vote_id}/not-voted", role="chair")
        # A refused key (BADKEY) is not a vote.
        assert members(not_voted) == ["GM0088", "GM0363"]
        assert [m["weight"] for m in not_voted["members"]] == [1, 75]

    async def test_not_voted_is_for_chair_and_auditor_only(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        path = f"/api/votes/{vote_id}/not-voted"
        assert (await services.ballot.get(path)).status_code == 401
        desk = await services.ballot.get(path, headers=services.auth("desk"))
        assert desk.status_code == 403

    async def test_not_voted_before_the_open_is_refused(
        self, services: Services, meeting_code: str
    ) -> None:
        vote_id = await new_vote(services, meeting_code)
        response = await services.ballot.get(
            f"/api/votes/{vote_id}/not-voted", headers=services.auth("auditor")
        )
        assert response.status_code == 409
        assert response.json()["code"] == "wrong_vote_state"
