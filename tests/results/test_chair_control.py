"""The chair's controls in results: forwarding to ballot, and the screen settings."""

from __future__ import annotations

import pytest

from tests.results.conftest import HAND_COMPUTED, Services, cast, new_vote, run_vote, seat

pytestmark = [pytest.mark.anyio, pytest.mark.db]


class TestForwarding:
    async def test_open_and_close_with_the_chairs_token(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code)
        chair = services.auth("chair")
        opened = await services.results.post(f"/api/chair/votes/{vote_id}/open", headers=chair)
        assert opened.status_code == 200, opened.text
        assert opened.json()["status"] == "open"
        listed = await services.results.get(
            f"/api/chair/meetings/{meeting_code}/votes", headers=chair
        )
        assert [(v["id"], v["status"]) for v in listed.json()] == [(vote_id, "open")]
        await cast(services, meeting_code, {"000363": 1}, seq=vote_id)
        missing = await services.results.get(f"/api/chair/votes/{vote_id}/not-voted", headers=chair)
        assert [e["name"] for e in missing.json()] == ["Groningen", "Schiermonnikoog", "Utrecht"]
        closed = await services.results.post(f"/api/chair/votes/{vote_id}/close", headers=chair)
        assert closed.json()["status"] == "closed"
        annulled = await services.results.post(
            f"/api/chair/votes/{vote_id}/annul", json={"reason": "storing"}, headers=chair
        )
        assert (annulled.json()["status"], annulled.json()["annulled_reason"]) == (
            "annulled",
            "storing",
        )

    async def test_only_the_chair_and_ballots_refusals_pass_through(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code)
        url = f"/api/chair/votes/{vote_id}/close"
        assert (await services.results.post(url)).status_code == 401
        auditor = await services.results.post(url, headers=services.auth("auditor"))
        assert auditor.status_code == 403
        refused = await services.results.post(url, headers=services.auth("chair"))
        assert refused.status_code == 409  # ballot: a prepared vote cannot close
        assert refused.headers["content-type"] == "application/problem+json"
        short = await services.results.post(
            f"/api/chair/votes/{vote_id}/annul", json={"reason": ""}, headers=services.auth("chair")
        )
        assert short.status_code == 422

    async def test_runoff_hold_again_and_a_confirmed_opening(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        chair = services.auth("chair")
        candidates = [{"key": k, "label": n, "role": "choice"} for k, n in enumerate("ABC", 1)]
        election = await run_vote(
            services,
            meeting_code,
            {"000363": 1, "000344": 2, "000088": 3},
            kind="verkiezing",
            title="V",
            options=candidates,
        )
        runoff = await services.results.post(f"/api/chair/votes/{election}/runoff", headers=chair)
        assert runoff.status_code == 201, runoff.text
        assert [o["label"] for o in runoff.json()["options"]] == ["A", "B"]
        twice = await services.results.post(f"/api/chair/votes/{election}/again", headers=chair)
        assert (twice.status_code, twice.json()["code"]) == (409, "already_held_again")

        proposal = await new_vote(services, meeting_code, title="Voorstel")
        await new_vote(
            services, meeting_code, kind="amendement", title="A", amends_vote_id=proposal
        )
        url = f"/api/chair/votes/{proposal}/open"
        refused = await services.results.post(url, headers=chair)
        assert (refused.status_code, refused.json()["code"]) == (409, "undecided_amendments")
        opened = await services.results.post(
            url, json={"despite_undecided_amendments": True}, headers=chair
        )
        assert opened.json()["status"] == "open"


class TestRunningTallyOnScreen:
    async def test_off_by_default_then_shown_when_the_chair_says_so(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        await run_vote(services, meeting_code, HAND_COMPUTED, close=False)
        current = f"/api/meetings/{meeting_code}/current"
        screen = f"/api/meetings/{meeting_code}/screen"
        assert (await services.results.get(screen)).json()["show_tally"] is False
        body = (await services.results.get(current)).json()
        assert (body["state"], body["show_tally"], body["outcome"]) == ("open", False, None)

        update = f"/api/chair/meetings/{meeting_code}/screen"
        denied = await services.results.put(update, json={"show_tally": True})
        assert denied.status_code == 401
        response = await services.results.put(
            update, json={"show_tally": True}, headers=services.auth("chair")
        )
        assert response.json()["show_tally"] is True
        body = (await services.results.get(current)).json()
        assert body["show_tally"] is True
        assert body["outcome"]["live"] is True
        assert {t["label"]: t["weight"] for t in body["outcome"]["tallies"]} == {
            "voor": 75,
            "tegen": 1,
            "onthouding": 75,
        }
