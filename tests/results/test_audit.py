"""The auditors' view, the hash chain across votes, and a restart from scratch."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from services.common.database import Database
from services.results.app import create_app as create_results
from services.results.compute import canonical_json, chain_hash, hashed_inputs, sha256_hex
from services.results.config import ResultsSettings
from services.results.models import StoredOutcome
from services.results.schemas import BallotRecord
from tests.results.conftest import Services, act, new_vote, publish, run_vote, seat
from tests.support.apps import serve_in_process
from tests.support.databases import DatabaseFactory
from tests.support.presses import batch, press
from tests.verify.exports import meeting_with_votes

pytestmark = [pytest.mark.anyio, pytest.mark.db]


async def stored_rows(database: Database, meeting: str) -> list[StoredOutcome]:
    async with database.sessionmaker() as session:
        rows = await session.scalars(
            select(StoredOutcome)
            .where(StoredOutcome.meeting == meeting)
            .order_by(StoredOutcome.sequence)
        )
        return list(rows.all())


async def ballot_record(services: Services, vote_id: int) -> BallotRecord:
    response = await services.ballot.get(
        f"/api/votes/{vote_id}/record", headers=services.auth("auditor")
    )
    return BallotRecord.model_validate(response.json())


class TestAuditVote:
    async def test_every_press_with_its_verdict(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code, named=False)
        await act(services, vote_id, "open")
        presses = [
            press("000363", 10, 2),  # Amsterdam tegen ...
            press("000363", 11, 1),  # ... then voor: the first one is replaced
            press("000088", 10, 7),  # no option 7: refused
            {**press("000344", 10, 1), "receiver": "R02", "rssi": -88, "battery": 12},
        ]
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/presses",
            json=batch(*presses),
            headers=services.auth("gateway"),
        )
        assert response.status_code == 200, response.text
        await act(services, vote_id, "close")

        url = f"/api/audit/votes/{vote_id}"
        assert (await services.results.get(url)).status_code == 401
        response = await services.results.get(url, headers=services.auth("auditor"))
        assert response.status_code == 200, response.text
        body = response.json()
        verdicts = {(p["handset"], p["seq"]): p["verdict"] for p in body["presses"]}
        assert verdicts == {
            ("000363", 10): "vervangen",
            ("000363", 11): "geteld",
            ("000088", 10): "geweigerd",
            ("000344", 10): "geteld",
        }
        utrecht = next(p for p in body["presses"] if p["handset"] == "000344")
        assert (utrecht["receiver"], utrecht["rssi"], utrecht["battery"]) == ("R02", -88, 12)
        assert utrecht["received_at"] and utrecht["stored_at"]
        assert [e["member"] for e in body["electorate"]] == ["GM0014", "GM0088", "GM0344", "GM0363"]
        assert body["not_voted"] == ["GM0014", "GM0088"]
        assert body["inputs_verified"] is True
        # A secret vote: the public outcome hides codes, the auditors' explanation not.
        assert body["outcome"]["non_voters"]["codes"] is None
        assert "Niet gestemd: 2 leden, 76 stemmen (GM0014, GM0088)" in body["explanation"]

    async def test_open_vote_shows_the_running_tally(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code, close=False)
        body = (
            await services.results.get(
                f"/api/audit/votes/{vote_id}", headers=services.auth("auditor")
            )
        ).json()
        assert body["outcome"]["live"] is True
        assert body["inputs_verified"] is None  # nothing stored yet


class TestTimeline:
    async def test_registration_ballot_and_results_in_time_order(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        response = await services.results.get(
            f"/api/audit/meetings/{meeting_code}/timeline", headers=services.auth("auditor")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        entries = body["entries"]
        sources = {e["source"] for e in entries}
        assert sources == {"registratie", "stemmingen", "uitslagen"}
        registrations = [e for e in entries if e["source"] == "registratie"]
        assert {e["member"] for e in registrations} >= {"GM0363", "GM0088", "GM0344", "GM0014"}
        named = [e["action"] for e in entries if e["vote_id"] == votes["named"]]
        assert named[:2] == ["stemming geopend", "stemming gesloten"]
        assert "uitslag vastgelegd" in named
        annulled = [e for e in entries if e["vote_id"] == votes["annulled"]]
        assert [e["action"] for e in annulled][1:3] == [
            "stemming gesloten",
            "stemming nietig verklaard",
        ]
        assert annulled[2]["details"]["reason"] == "storing in zaal B"
        timed = [e["at"] for e in entries if e["at"] is not None]
        assert timed == sorted(timed)
        # The last registration happened before the first vote opened.
        first_open = next(i for i, e in enumerate(entries) if e["action"] == "stemming geopend")
        assert all(entries.index(e) < first_open for e in registrations)

    async def test_every_line_names_a_person_or_a_machine(
        self, services: Services, meeting_code: str
    ) -> None:
        """A whole meeting (cards, desk, votes opened, closed, annulled, acclaimed,
        published): the commissie sees who did each step."""
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        body = (
            await services.results.get(
                f"/api/audit/meetings/{meeting_code}/timeline", headers=services.auth("auditor")
            )
        ).json()
        assert all(e["actor"] for e in body["entries"]), [
            e for e in body["entries"] if not e["actor"]
        ]
        by = {(e["vote_id"], e["action"]): e["actor"] for e in body["entries"]}
        assert by[(votes["named"], "stemming geopend")] == "chair"
        assert by[(votes["annulled"], "stemming nietig verklaard")] == "chair"
        assert by[(votes["acclaimed"], "bij acclamatie besloten")] == "chair"
        desk = [e for e in body["entries"] if e["action"] == "handset.bound"]
        assert desk and {e["actor"] for e in desk} == {"desk"}
        published = [e for e in body["entries"] if e["action"] == "stemgedrag gepubliceerd"]
        assert [e["actor"] for e in published] == ["secretariat"]


class TestTimelinePage:
    async def test_the_commissie_reads_the_meeting_in_dutch_by_time(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        url = f"/audit/{meeting_code}/tijdlijn"
        page = await services.results.get(url, headers=services.auth("auditor"))
        assert page.status_code == 200, page.text
        assert '<html lang="nl">' in page.text and "<h1>Tijdlijn" in page.text
        # Server-rendered to the last line: saved or printed, it reads the same.
        assert "hx-get" not in page.text
        api = (
            await services.results.get(
                f"/api/audit/meetings/{meeting_code}/timeline", headers=services.auth("auditor")
            )
        ).json()
        assert page.text.count('data-testid="timeline-entry"') == len(api["entries"])
        assert page.text.count('data-testid="timeline-note"') == len(api["notes"])
        assert page.text.count('data-testid="timeline-day"') >= 1
        # Registration's codes in Dutch, as ballot's and results' lines already are.
        for words in (
            "stemkaarten uitgegeven",
            "stemkastje uitgegeven",
            "stemming geopend",
            "stemming nietig verklaard",
            "reden: storing in zaal B",
            "uitslag vastgelegd",
            "stemgedrag gepubliceerd",
            "publicatie: na de vergadering, door het secretariaat",
            "soort: Motie",
        ):
            assert words in page.text, words
        assert "handset.bound" not in page.text and "cards.issued" not in page.text
        assert f'href="/record/{meeting_code}#stemming-{votes["named"]}"' in page.text

    async def test_other_roles_are_refused_and_the_start_page_links_it(
        self, services: Services, meeting_code: str
    ) -> None:
        await meeting_with_votes(services, meeting_code)
        url = f"/audit/{meeting_code}/tijdlijn"
        browser = {"Accept": "text/html"}
        for role in ("chair", "desk"):
            refused = await services.results.get(url, headers={**browser, **services.auth(role)})
            assert refused.status_code == 403, role
            assert 'data-testid="problem"' in refused.text
        # The secretariat is admitted wherever a person is (auth.admitted_roles).
        admin = await services.results.get(url, headers=services.auth("secretariat"))
        assert admin.status_code == 200
        nobody = await services.results.get(url, headers=browser, follow_redirects=False)
        assert nobody.status_code == 303 and "/login" in nobody.headers["location"]
        start = await services.registration.get("/")
        assert f'/audit/{meeting_code}/tijdlijn" data-testid="timeline-link"' in start.text


class TestChain:
    async def test_chain_verifies_across_votes_and_covers_the_inputs(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await services.results.get(f"/api/meetings/{meeting_code}/outcomes")
        rows = await stored_rows(services.results_app.state.database, meeting_code)
        assert [row.vote_id for row in rows] == list(votes.values())
        previous = None
        for sequence, row in enumerate(rows, start=1):
            record = await ballot_record(services, row.vote_id)
            assert row.sequence == sequence
            assert row.previous_hash == previous
            assert row.inputs_hash == sha256_hex(canonical_json(hashed_inputs(record)))
            assert row.outcome_hash == sha256_hex(row.outcome_json)
            assert row.hash == chain_hash(
                vote_id=row.vote_id,
                inputs=row.inputs_hash,
                outcome=row.outcome_hash,
                previous=previous,
            )
            previous = row.hash
        # The stored hash covers the inputs: one changed press changes it.
        record = await ballot_record(services, votes["named"])
        changed = record.model_copy(deep=True)
        changed.counted[0]["key"] = 2 if changed.counted[0]["key"] != 2 else 1
        assert sha256_hex(canonical_json(hashed_inputs(changed))) != rows[0].inputs_hash
        fewer = record.model_copy(update={"electorate": record.electorate[1:]})
        assert sha256_hex(canonical_json(hashed_inputs(fewer))) != rows[0].inputs_hash


class TestRestart:
    async def test_a_fresh_service_recomputes_byte_identical_results(
        self,
        services: Services,
        meeting_code: str,
        database_factory: DatabaseFactory,
        tokens: SecretStr,
    ) -> None:
        """Acceptance: the same ballot record, a new results service on an empty
        database: the same stored bytes and the same hashes, link for link."""
        await meeting_with_votes(services, meeting_code)
        before = await services.results.get(f"/api/meetings/{meeting_code}/outcomes")
        assert before.status_code == 200
        first = await stored_rows(services.results_app.state.database, meeting_code)

        fresh_url = database_factory.create(f"results_{secrets.token_hex(3)}")
        fresh = create_results(
            ResultsSettings(
                database_url=fresh_url, service_token=tokens, ballot_url="http://ballot"
            ),
            ballot_transport=httpx.ASGITransport(app=services.ballot_app),
        )
        async with serve_in_process(fresh) as results:
            after = await results.get(f"/api/meetings/{meeting_code}/outcomes")
            assert after.status_code == 200
            again = await stored_rows(fresh.state.database, meeting_code)

        def fields(rows: list[StoredOutcome]) -> list[tuple[Any, ...]]:
            return [
                (
                    r.vote_id,
                    r.sequence,
                    r.outcome_json.encode("utf-8"),
                    r.inputs_hash,
                    r.outcome_hash,
                    r.previous_hash,
                    r.hash,
                )
                for r in rows
            ]

        assert len(first) == 5  # every decided vote of meeting_with_votes
        assert fields(again) == fields(first)
        strip = [{k: v for k, v in o.items() if k != "record"} for o in before.json()]
        assert [{k: v for k, v in o.items() if k != "record"} for o in after.json()] == strip
