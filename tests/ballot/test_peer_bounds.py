"""What registration sends, ballot takes only within the bounds registration
keeps (common/bounds.py); anything else is registration's fault: a 502
problem, and nothing changed.

Before, a member code or handset longer than ballot's columns stopped an open
halfway on PostgreSQL (the database refused it, a 503) and was stored as sent
on SQLite, as was a weight of 0 or 76; a binding change out of bounds, learnt
in the middle of a press batch, was a 500.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ballot.actions import BINDINGS, act, batch, counted, get, new_vote, press, stored
from tests.ballot.conftest import Services, seat
from tests.support.apps import assert_problem
from tests.support.peers import changed

pytestmark = [pytest.mark.anyio, pytest.mark.db]

UNFIT_ELECTORATES = [
    ("members.0.code", "GM03630"),  # one character over every member column
    ("members.0.code", "gm0363"),  # registration stores upper case
    ("members.0.code", ""),
    ("members.0.handset", "0003630"),
    ("members.0.handset", "00036"),
    ("members.0.handset", "٠٠٠٣٦٣"),  # Arabic-Indic digits
    ("members.0.name", "x" * 201),
    ("members.0.name", ""),
    ("members.0.name", "Amster\x00dam"),
    ("members.0.weight", 0),
    ("members.0.weight", 76),
    ("members.0.weight", "75"),
    ("members.0.weight", 2**40),
    ("change_id", 2**31),
    ("change_id", -1),
]


def twice(key: str) -> Any:
    """The electorate with the second member's ``key`` the same as the first's."""

    def rewrite(body: Any) -> Any:
        body["members"][1][key] = body["members"][0][key]
        return body

    return rewrite


class TestTheElectorate:
    async def open_refused(self, services: Services, meeting: str, rewrite: Any) -> int:
        await seat(services, meeting, BINDINGS)
        vote_id = await new_vote(services, meeting)
        services.link.rewrites["/electorate"] = rewrite
        assert_problem(await act(services, vote_id, "open"), 502, "upstream_failed")
        assert (await get(services, f"/api/votes/{vote_id}"))["status"] == "prepared"
        return vote_id

    async def opens_as_sent(self, services: Services, vote_id: int) -> None:
        """Registration fixed: the vote opens with its electorate as registration has it."""
        del services.link.rewrites["/electorate"]
        response = await act(services, vote_id, "open")
        assert response.status_code == 200, response.text
        record = await get(services, f"/api/votes/{vote_id}/record")
        assert {e["member"]: e["handset"] for e in record["electorate"]} == BINDINGS

    @pytest.mark.parametrize(("path", "value"), UNFIT_ELECTORATES)
    async def test_out_of_bounds_opens_nothing(
        self, services: Services, meeting_code: str, path: str, value: Any
    ) -> None:
        vote_id = await self.open_refused(services, meeting_code, changed(path, value))
        await self.opens_as_sent(services, vote_id)

    @pytest.mark.parametrize("key", ["code", "handset"])
    async def test_a_member_or_handset_twice_opens_nothing(
        self, services: Services, meeting_code: str, key: str
    ) -> None:
        vote_id = await self.open_refused(services, meeting_code, twice(key))
        await self.opens_as_sent(services, vote_id)

    async def test_a_present_member_without_a_figure_opens_nothing(
        self, services: Services, meeting_code: str
    ) -> None:
        """Registration says so itself (it sent a weight of 0, which counted nothing)."""
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code)
        # Utrecht's figure removed by an import after Utrecht was bound at the desk.
        imported = await services.registration.post(
            f"/api/meetings/{meeting_code}/members/import",
            content=b"code,name,population\nGM0344,Utrecht,\n",
            headers={**services.auth("secretariat"), "Content-Type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        response = await act(services, vote_id, "open")
        assert_problem(response, 409, "population_missing")
        assert "Utrecht (GM0344)" in response.json()["detail"]
        assert (await get(services, f"/api/votes/{vote_id}"))["status"] == "prepared"

    async def test_the_problem_says_where(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code)
        services.link.rewrites["/electorate"] = changed("members.2.weight", 76)
        body = (await act(services, vote_id, "open")).json()
        assert body["upstream"] == "registratie"
        assert "members.2.weight" in body["detail"]


UNFIT_CHANGES = [
    ("changes.0.member", "GM03630"),
    ("changes.0.handset", "0009990"),
    ("changes.0.id", 2**31),
]


class TestBindingChangesAsked:
    """Ballot asks registration when a batch has a handset it knows nothing of."""

    @pytest.mark.parametrize(("path", "value"), UNFIT_CHANGES)
    async def test_out_of_bounds_records_nothing_of_the_batch(
        self, services: Services, meeting_code: str, path: str, value: Any
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code)
        assert (await act(services, vote_id, "open")).status_code == 200
        services.back.up = False  # ballot is not told of the swap: it will ask
        swapped = await services.registration.post(
            f"/api/meetings/{meeting_code}/registrations/GM0363/swap",
            json={"handset": "000999"},
            headers=services.auth("desk"),
        )
        assert swapped.status_code == 200, swapped.text
        services.link.rewrites["/binding-changes"] = changed(path, value)
        body = batch(press("000999", 1, 2), press("000088", 1, 1))
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/presses", json=body, headers=services.auth("gateway")
        )
        assert_problem(response, 502, "upstream_failed")
        assert await stored(services, vote_id) == []
        # Registration fixed: the gateway's retry of the same batch counts.
        del services.link.rewrites["/binding-changes"]
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/presses", json=body, headers=services.auth("gateway")
        )
        assert [r["status"] for r in response.json()["results"]] == ["OK", "OK"]
        assert await counted(services, vote_id) == {"GM0363": 2, "GM0088": 1}


class TestBindingChangesPushed:
    """Registration's outbox posts its changes: a bad one is its request's fault."""

    @pytest.mark.parametrize(("field", "value"), [("member", "GM03630"), ("handset", "0009990")])
    async def test_out_of_bounds_is_refused(
        self, services: Services, meeting_code: str, field: str, value: str
    ) -> None:
        change = {"id": 1, "member": "GM0363", "handset": "000363", "bound": True}
        change |= {"at": "2023-12-01T10:00:00Z", field: value}
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/bindings",
            json={"changes": [change]},
            headers=services.auth("service"),
        )
        assert_problem(response, 422, "invalid")
