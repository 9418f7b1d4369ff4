"""The desk sees, during a proefstemming, whose handset has not responded.

Registration asks ballot with the desk officer's own token; both run
in-process, each reaching the other over ASGI.
"""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from services.registration.app import create_app as create_registration
from services.registration.config import RegistrationSettings
from tests.ballot.actions import act, new_vote, press, send
from tests.ballot.conftest import Services, seat
from tests.support.apps import as_caller, assert_problem, serve_in_process
from tests.support.peers import Rewrite, changed

pytestmark = [pytest.mark.anyio, pytest.mark.db]

BINDINGS = {"GM0363": "000363", "GM0088": "000088", "GM0344": "000344"}


async def desk_view(services: Services, meeting: str) -> httpx.Response:
    return await services.registration.get(
        f"/api/meetings/{meeting}/test-vote", headers=services.auth("desk")
    )


class TestDeskDuringProefstemming:
    async def test_lists_present_members_that_have_not_responded(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        assert (await desk_view(services, meeting_code)).json() == {
            "vote_id": None,
            "title": None,
            "missing": [],
        }
        vote_id = await new_vote(services, meeting_code, kind="proefstemming", title="Proef")
        await act(services, vote_id, "open")
        assert await send(services, meeting_code, press("000363", 1, 7)) == ["OK"]
        view = (await desk_view(services, meeting_code)).json()
        assert (view["vote_id"], view["title"]) == (vote_id, "Proef")
        assert [(m["name"], m["handset"]) for m in view["missing"]] == [
            ("Schiermonnikoog", "000088"),
            ("Utrecht", "000344"),
        ]
        await act(services, vote_id, "close")
        assert (await desk_view(services, meeting_code)).json()["vote_id"] is None

    async def test_a_real_vote_is_not_shown(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code)
        await act(services, vote_id, "open")
        assert (await desk_view(services, meeting_code)).json()["vote_id"] is None

    async def test_ballot_down_is_a_clear_503(
        self,
        database_urls: dict[str, str],
        tokens: SecretStr,
        token_values: dict[str, str],
        meeting_code: str,
    ) -> None:
        settings = RegistrationSettings(
            database_url=database_urls["registration"],
            service_token=tokens,
            ballot_url="http://127.0.0.1:9",  # nothing listens on the discard port
        )
        async with serve_in_process(create_registration(settings)) as registration:
            response = await registration.get(
                f"/api/meetings/{meeting_code}/test-vote",
                headers=as_caller(token_values["desk"]),
            )
        assert response.status_code == 503
        assert "stemmingen" in response.json()["detail"]


class TestWhatBallotSends:
    """Registration reads ballot's answers within the bounds it keeps: else a
    502 problem (it was a 500 when a key was missing or the list no list)."""

    @pytest.mark.parametrize(
        ("tail", "rewrite"),
        [
            ("/votes", lambda body: {"votes": body}),
            ("/votes", changed("0.id", 2**31)),
            ("/missing", changed("members.0.weight", 0)),
            ("/missing", changed("members.0.handset", "0000880")),
            ("/missing", lambda body: {"members": [{"member": "GM0088"}]}),
        ],
    )
    async def test_an_answer_out_of_bounds_is_a_502(
        self, services: Services, meeting_code: str, tail: str, rewrite: Rewrite
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code, kind="proefstemming", title="Proef")
        await act(services, vote_id, "open")
        services.back.rewrites[tail] = rewrite
        response = await desk_view(services, meeting_code)
        assert_problem(response, 502, "upstream_failed")
        assert response.json()["upstream"] == "stemmingen"
