"""A vote whose outcome cannot be computed is isolated to that vote.

Reproduces issue 9 item 4: a vote stored with "at least 1/2" (as ballot
accepted before it checked majorities) used to make every later outcome, the
record, the exports and the timeline of its meeting answer 409. Now its
outcome is stored as "uitslag niet te berekenen" with the reason, and
everything else works.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.results.conftest import Services, act, run_vote, seat
from tests.support.legacy import store_majority
from tests.support.pdf import texts
from verify.check import check_export

pytestmark = [pytest.mark.anyio, pytest.mark.db]

AT_LEAST_HALF = {"numerator": 1, "denominator": 2, "inclusive": True}
REASON = "'ten minste de helft' is geen meerderheid"


async def stuck_vote(
    services: Services, database_urls: dict[str, str], meeting: str, **fields: Any
) -> int:
    """A vote opened and pressed, stored with "at least 1/2", then closed."""
    fields.setdefault("title", "Vastgelopen")
    vote_id = await run_vote(services, meeting, close=False, **fields)
    store_majority(database_urls["ballot"], vote_id, **AT_LEAST_HALF)
    await act(services, vote_id, "close")
    return vote_id


async def meeting_around_a_stuck_vote(
    services: Services, database_urls: dict[str, str], meeting: str
) -> dict[str, int]:
    await seat(services, meeting)
    before = await run_vote(services, meeting, title="Ervoor")
    stuck = await stuck_vote(services, database_urls, meeting)
    after = await run_vote(services, meeting, title="Erna", kind="motie")
    return {"before": before, "stuck": stuck, "after": after}


async def get_ok(services: Services, path: str, role: str | None = None) -> Any:
    headers = services.auth(role) if role else {}
    response = await services.results.get(path, headers=headers)
    assert response.status_code == 200, (path, response.text)
    return response.json() if "json" in response.headers["content-type"] else response.text


class TestIsolated:
    async def test_outcomes_of_the_meeting(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        votes = await meeting_around_a_stuck_vote(services, database_urls, meeting_code)
        outcomes = await get_ok(services, f"/api/meetings/{meeting_code}/outcomes")
        by_id = {o["vote"]["id"]: o for o in outcomes}
        assert list(by_id) == [votes["before"], votes["stuck"], votes["after"]]
        stuck = by_id[votes["stuck"]]
        assert stuck["decision"] is None
        assert REASON in stuck["not_computable"]
        assert [(t["label"], t["weight"]) for t in stuck["tallies"]] == [
            ("voor", 75),
            ("tegen", 1),
            ("onthouding", 75),
        ]
        assert stuck["record"]["sequence"] == 2
        for other in (by_id[votes["before"]], by_id[votes["after"]]):
            assert other["not_computable"] is None
            assert other["decision"]["adopted"] is True
        assert by_id[votes["after"]]["record"]["previous_hash"] == stuck["record"]["hash"]

    async def test_each_vote_and_the_chair_screen(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        votes = await meeting_around_a_stuck_vote(services, database_urls, meeting_code)
        stuck = await get_ok(services, f"/api/votes/{votes['stuck']}/outcome")
        assert REASON in stuck["not_computable"]
        after = await get_ok(services, f"/api/votes/{votes['after']}/outcome")
        assert after["decision"]["sentence_2023"].startswith("de motie is aangenomen")
        current = await get_ok(services, f"/api/meetings/{meeting_code}/current")
        assert (current["state"], current["vote"]["id"]) == ("closed", votes["after"])

    async def test_the_latest_vote_stuck_then_annulled(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        stuck = await stuck_vote(services, database_urls, meeting_code)
        current = await get_ok(services, f"/api/meetings/{meeting_code}/current")
        assert current["state"] == "closed"
        assert REASON in current["outcome"]["not_computable"]
        await act(services, stuck, "annul", reason="verkeerde meerderheid")
        current = await get_ok(services, f"/api/meetings/{meeting_code}/current")
        assert current["state"] == "annulled"
        assert current["outcome"]["annulled_reason"] == "verkeerde meerderheid"

    async def test_an_open_stuck_vote_shows_its_running_tally_as_not_computable(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code, close=False)
        store_majority(database_urls["ballot"], vote_id, **AT_LEAST_HALF)
        live = await get_ok(services, f"/api/votes/{vote_id}/outcome", role="chair")
        assert live["live"] is True
        assert REASON in live["not_computable"]

    async def test_the_record_and_the_exports(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        votes = await meeting_around_a_stuck_vote(services, database_urls, meeting_code)
        votes["secret"] = await stuck_vote(
            services, database_urls, meeting_code, title="Geheim", named=False
        )
        page = await get_ok(services, f"/record/{meeting_code}")
        assert "Uitslag niet te berekenen: " in page
        assert "De motie is aangenomen met" in page
        await get_ok(services, f"/record/{meeting_code}/report")
        pdf = await services.results.get(f"/record/{meeting_code}/report.pdf")
        assert pdf.status_code == 200, pdf.text
        text = " ".join(" ".join(texts(pdf.content)).split())
        assert "Uitslag niet te berekenen: 'ten minste de helft' is geen meerderheid" in text
        stemgedrag = await get_ok(services, f"/api/meetings/{meeting_code}/stemgedrag")
        stuck = next(v for v in stemgedrag["votes"] if v["vote"]["id"] == votes["stuck"])
        assert stuck["sentence"] is None
        assert REASON in stuck["not_computable"]
        one = await get_ok(services, f"/api/votes/{votes['stuck']}/stemgedrag")
        assert REASON in one["not_computable"]
        text = await get_ok(services, f"/api/meetings/{meeting_code}/export.csv")
        decisions = {row["stemming"]: row["besluit"] for row in csv.DictReader(io.StringIO(text))}
        assert decisions[str(votes["stuck"])].startswith("uitslag niet te berekenen: ")
        public = await get_ok(services, f"/api/meetings/{meeting_code}/export.json")
        auditor = await get_ok(
            services, f"/api/audit/meetings/{meeting_code}/export.json", role="auditor"
        )
        assert public["votes"][3]["inputs"] is None  # a secret vote: its totals only
        for document in (public, auditor):
            assert document["chain"]["length"] == 4
            report = check_export(document)
            assert report.ok, [v.line() for v in report.verdicts]
            for stuck_id in (votes["stuck"], votes["secret"]):
                (verdict,) = (v for v in report.verdicts if v.vote_id == stuck_id)
                assert any("uitslag niet te berekenen: " in note for note in verdict.notes)

    async def test_the_auditors_see_why(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        votes = await meeting_around_a_stuck_vote(services, database_urls, meeting_code)
        audit = await get_ok(services, f"/api/audit/votes/{votes['stuck']}", role="auditor")
        assert REASON in audit["outcome"]["not_computable"]
        assert any(REASON in line for line in audit["explanation"])
        assert audit["inputs_verified"] is True
        timeline = await get_ok(
            services, f"/api/audit/meetings/{meeting_code}/timeline", role="auditor"
        )
        stored = [e["vote_id"] for e in timeline["entries"] if e["action"] == "uitslag vastgelegd"]
        assert sorted(stored) == sorted(votes.values())

    async def test_verify_still_checks_the_counts_of_such_a_vote(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        votes = await meeting_around_a_stuck_vote(services, database_urls, meeting_code)
        document = await get_ok(
            services, f"/api/audit/meetings/{meeting_code}/export.json", role="auditor"
        )
        (entry,) = (v for v in document["votes"] if v["vote_id"] == votes["stuck"])
        amsterdam = next(p for p in entry["inputs"]["counted"] if p["member"] == "GM0363")
        amsterdam["key"] = 2  # voor becomes tegen; the stored outcome still says voor
        report = check_export(document)
        (verdict,) = (v for v in report.verdicts if v.vote_id == votes["stuck"])
        assert "voor: stemmen: opgeslagen 75, herberekend 0" in verdict.problems
        assert not report.ok
