"""Ballot is told of every binding change before the desk is answered."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import unique_meeting_code
from tests.registration.conftest import BallotBindings
from tests.support.apps import as_caller
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]


def told(ballot: BallotBindings) -> list[tuple[str, str, bool]]:
    return [(c["member"], c["handset"], c["bound"]) for c in ballot.changes]


class TestBindingChanges:
    @pytest.fixture
    async def meeting(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> tuple[str, dict[str, str]]:
        code = unique_meeting_code()
        return code, await make_meeting(registration, admin=token_values["secretariat"], code=code)

    async def test_bind_swap_return_reach_ballot_before_the_answer(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: tuple[str, dict[str, str]],
        ballot_bindings: BallotBindings,
    ) -> None:
        code, cards = meeting
        desk = as_caller(token_values["desk"])
        await registration.post(
            f"/api/meetings/{code}/registrations",
            json={"card_code": cards["GM0088"], "handset": "000001"},
            headers=desk,
        )
        assert told(ballot_bindings) == [("GM0088", "000001", True)]
        await registration.post(
            f"/api/meetings/{code}/registrations/GM0088/swap",
            json={"handset": "000002"},
            headers=desk,
        )
        assert told(ballot_bindings)[1:] == [
            ("GM0088", "000001", False),
            ("GM0088", "000002", True),
        ]
        await registration.post(f"/api/meetings/{code}/registrations/GM0088/return", headers=desk)
        assert told(ballot_bindings)[3:] == [("GM0088", "000002", False)]
        ids = [c["id"] for c in ballot_bindings.changes]
        assert ids == sorted(set(ids))

    async def test_a_refused_action_tells_ballot_nothing(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: tuple[str, dict[str, str]],
        ballot_bindings: BallotBindings,
    ) -> None:
        code, cards = meeting
        response = await registration.post(
            f"/api/meetings/{code}/registrations",
            json={"card_code": cards["GM0088"], "handset": "12"},
            headers=as_caller(token_values["desk"]),
        )
        assert response.status_code == 422
        assert ballot_bindings.changes == []

    async def test_ballot_down_the_desk_goes_on_and_ballot_is_told_later(
        self,
        registration: httpx.AsyncClient,
        registration_app: FastAPI,
        token_values: dict[str, str],
        meeting: tuple[str, dict[str, str]],
        ballot_bindings: BallotBindings,
    ) -> None:
        code, cards = meeting
        ballot_bindings.up = False
        response = await registration.post(
            f"/api/meetings/{code}/registrations",
            json={"card_code": cards["GM0363"], "handset": "000363"},
            headers=as_caller(token_values["desk"]),
        )
        assert response.status_code == 201
        outbox = registration_app.state.binding_outbox
        assert await outbox.undelivered() == 1
        ballot_bindings.up = True
        assert await outbox.deliver_pending()
        assert told(ballot_bindings) == [("GM0363", "000363", True)]
        assert await outbox.undelivered() == 0

    async def test_ballot_can_ask_for_them(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: tuple[str, dict[str, str]],
    ) -> None:
        code, cards = meeting
        desk, gateway = as_caller(token_values["desk"]), as_caller(token_values["gateway"])
        for member, handset in (("GM0363", "000363"), ("GM0088", "000088")):
            await registration.post(
                f"/api/meetings/{code}/registrations",
                json={"card_code": cards[member], "handset": handset},
                headers=desk,
            )
        electorate = (
            await registration.get(f"/api/meetings/{code}/electorate", headers=gateway)
        ).json()
        url = f"/api/meetings/{code}/binding-changes"
        changes = (await registration.get(url, headers=gateway)).json()["changes"]
        assert [(c["member"], c["bound"]) for c in changes] == [
            ("GM0363", True),
            ("GM0088", True),
        ]
        assert electorate["change_id"] == changes[-1]["id"]
        later = await registration.get(url, params={"after": changes[0]["id"]}, headers=gateway)
        assert [c["handset"] for c in later.json()["changes"]] == ["000088"]
        only = await registration.get(url, params={"handset": "000363"}, headers=gateway)
        assert [c["handset"] for c in only.json()["changes"]] == ["000363"]
        assert (await registration.get(url, headers=desk)).status_code == 403

    async def test_a_malformed_handset_is_refused(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        response = await registration.get(
            f"/api/meetings/{unique_meeting_code()}/binding-changes",
            params={"handset": "٠٠٠٣٦٣"},
            headers=as_caller(token_values["gateway"]),
        )
        assert response.status_code == 422
