"""Publication of the stemgedrag: a step the secretariat takes after the meeting."""

from __future__ import annotations

import csv
import io

import pytest

from tests.results.conftest import Services, publish, run_vote, seat
from tests.verify.exports import meeting_with_votes

pytestmark = [pytest.mark.anyio, pytest.mark.db]

CODES = ("GM0363", "GM0088", "GM0344", "GM0014")


async def public_views(services: Services, meeting: str, vote_id: int) -> dict[str, str]:
    """Everything the public can read about a meeting, as text."""
    urls = {
        "record": f"/record/{meeting}",
        "report": f"/record/{meeting}/report",
        "stemgedrag": f"/api/meetings/{meeting}/stemgedrag",
        "vote_stemgedrag": f"/api/votes/{vote_id}/stemgedrag",
        "csv": f"/api/meetings/{meeting}/export.csv",
        "json": f"/api/meetings/{meeting}/export.json",
        "outcome": f"/api/votes/{vote_id}/outcome",
        "outcomes": f"/api/meetings/{meeting}/outcomes",
    }
    views = {}
    for name, url in urls.items():
        response = await services.results.get(url)
        assert response.status_code == 200, (name, response.text)
        views[name] = response.text
    return views


class TestPublication:
    async def test_public_record_before_and_after_publication(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        named = votes["named"]
        before = await public_views(services, meeting_code, named)
        for name, text in before.items():
            assert not any(code in text for code in CODES), name
        assert "De motie is aangenomen met 98,68% van de stemmen." in before["record"]
        assert (
            "Het stemgedrag per gemeente wordt na de vergadering gepubliceerd."
            in (before["record"])
        )
        assert f'data-testid="members-{named}"' not in before["record"]
        assert {row["regel"] for row in csv.DictReader(io.StringIO(before["csv"]))} == {"totaal"}

        published = await publish(services, meeting_code)
        assert published["stemgedrag_public"] is True
        assert published["published_by"] == "secretariat"
        after = await public_views(services, meeting_code, named)
        assert f'data-testid="members-{named}"' in after["record"]
        assert (
            '<td>Amsterdam</td><td>GM0363</td><td class="num">75</td><td>voor</td>'
            in (after["record"])
        )
        assert "GM0363" in after["csv"] and "GM0363" in after["outcome"]
        assert "GM0363" in after["report"]
        # A secret vote stays secret after publication.
        secret = await services.results.get(f"/api/votes/{votes['secret']}/stemgedrag")
        assert secret.json()["members"] is None

    async def test_the_auditors_see_everything_before(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        response = await services.results.get(
            f"/api/votes/{vote_id}/outcome", headers=services.auth("auditor")
        )
        assert response.json()["non_voters"]["codes"] == ["GM0014"]
        export = await services.results.get(
            f"/api/audit/meetings/{meeting_code}/export.json", headers=services.auth("auditor")
        )
        assert "GM0363" in export.text

    async def test_publishing_is_audited_once_and_idempotent(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        await run_vote(services, meeting_code)
        url = f"/api/meetings/{meeting_code}/publication"
        assert (await services.results.get(url)).json() == {
            "meeting": meeting_code,
            "mode": "after_meeting",
            "stemgedrag_public": False,
            "published_at": None,
            "published_by": None,
        }
        first = await publish(services, meeting_code)
        again = await publish(services, meeting_code)
        assert again == first
        timeline = await services.results.get(
            f"/api/audit/meetings/{meeting_code}/timeline", headers=services.auth("auditor")
        )
        published = [e for e in timeline.json()["entries"] if e["source"] == "uitslagen"]
        actions = [(e["action"], e["actor"]) for e in published]
        assert actions.count(("stemgedrag gepubliceerd", "secretariat")) == 1
        assert {a for a, _ in actions} == {"uitslag vastgelegd", "stemgedrag gepubliceerd"}
        # Final: the mode cannot change any more.
        response = await services.results.put(
            url, json={"mode": "at_once"}, headers=services.auth("secretariat")
        )
        assert (response.status_code, response.json()["code"]) == (409, "already_published")

    async def test_only_the_secretariat_publishes(
        self, services: Services, meeting_code: str
    ) -> None:
        url = f"/api/meetings/{meeting_code}/publication/publish"
        assert (await services.results.post(url)).status_code == 401
        for role in ("chair", "auditor", "desk"):
            response = await services.results.post(url, headers=services.auth(role))
            assert response.status_code == 403, role
        state = await services.results.get(f"/api/meetings/{meeting_code}/publication")
        assert state.json()["stemgedrag_public"] is False

    async def test_a_meeting_set_to_publish_at_once(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        response = await services.results.put(
            f"/api/meetings/{meeting_code}/publication",
            json={"mode": "at_once"},
            headers=services.auth("secretariat"),
        )
        assert response.json()["stemgedrag_public"] is True
        assert response.json()["published_at"] is None
        vote_id = await run_vote(services, meeting_code)
        outcome = await services.results.get(f"/api/votes/{vote_id}/outcome")
        assert outcome.json()["non_voters"]["codes"] == ["GM0014"]
        current = await services.results.get(f"/api/meetings/{meeting_code}/current")
        assert current.json()["outcome"]["non_voters"]["codes"] == ["GM0014"]
        timeline = await services.results.get(
            f"/api/audit/meetings/{meeting_code}/timeline", headers=services.auth("auditor")
        )
        (changed,) = [
            e
            for e in timeline.json()["entries"]
            if e["action"] == "publicatie-instelling gewijzigd"
        ]
        assert (changed["actor"], changed["details"]) == (
            "secretariat",
            {"old": "after_meeting", "new": "at_once"},
        )

    async def test_the_projector_shows_no_codes_before(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        await run_vote(services, meeting_code)
        current = await services.results.get(f"/api/meetings/{meeting_code}/current")
        body = current.json()
        assert body["state"] == "closed"
        assert body["outcome"]["non_voters"]["codes"] is None
        assert all(t["codes"] is None for t in body["outcome"]["tallies"])
        assert not any("GM0014" in line for line in body["outcome"]["explanation"])
