"""The published record: stemgedrag, the exports and the record pages."""

from __future__ import annotations

import csv
import io
import re

import pytest

from services.common.labels import dutch_number
from tests.results.conftest import Services, new_vote, publish, run_vote
from tests.support.browser import artifact_path
from tests.support.builders import make_meeting
from tests.verify.exports import meeting_with_votes

pytestmark = [pytest.mark.anyio, pytest.mark.db]


class TestStemgedrag:
    async def test_named_per_municipality_secret_totals_only(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        response = await services.results.get(f"/api/meetings/{meeting_code}/stemgedrag")
        assert response.status_code == 200, response.text
        by_id = {v["vote"]["id"]: v for v in response.json()["votes"]}
        assert list(by_id) == list(votes.values())
        named = by_id[votes["named"]]
        assert named["inputs_verified"] is True
        assert named["sentence"] == "de motie is aangenomen met 98,68% van de stemmen"
        assert [(m["name"], m["weight"], m["choice"]) for m in named["members"]] == [
            ("Amsterdam", 75, "voor"),
            ("Groningen", 75, "niet gestemd"),
            ("Schiermonnikoog", 1, "tegen"),
            ("Utrecht", 75, "onthouding"),
        ]
        secret = by_id[votes["secret"]]
        assert secret["members"] is None
        assert [(t["label"], t["weight"]) for t in secret["totals"]] == [
            ("voor", 76),
            ("tegen", 75),
            ("onthouding", 0),
        ]
        annulled = by_id[votes["annulled"]]
        assert (annulled["status"], annulled["sentence"]) == ("annulled", None)

    async def test_per_vote_and_not_before_it_closed(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        one = await services.results.get(f"/api/votes/{votes['choice']}/stemgedrag")
        assert one.status_code == 200, one.text
        assert {m["member"]: m["key"] for m in one.json()["members"]}["GM0363"] == 2
        prepared = await new_vote(services, meeting_code)
        response = await services.results.get(f"/api/votes/{prepared}/stemgedrag")
        assert (response.status_code, response.json()["code"]) == (409, "vote_not_closed")


class TestExports:
    async def test_csv_has_totals_and_members_of_named_votes(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        response = await services.results.get(f"/api/meetings/{meeting_code}/export.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        member_rows = [r for r in rows if r["regel"] == "lid"]
        assert {int(r["stemming"]) for r in member_rows} == {
            votes["named"],
            votes["choice"],
            votes["annulled"],
        }
        amsterdam = next(
            r
            for r in member_rows
            if r["stemming"] == str(votes["named"]) and r["gemeente_code"] == "GM0363"
        )
        assert (amsterdam["stemmen"], amsterdam["keuze"], amsterdam["toets"]) == ("75", "voor", "1")
        secret_totals = [r for r in rows if r["stemming"] == str(votes["secret"])]
        assert {r["regel"] for r in secret_totals} == {"totaal"}
        voor = next(r for r in secret_totals if r["keuze"] == "voor")
        assert (voor["stemmen"], voor["percentage"]) == ("76", "50,33%")
        assert voor["besluit"] == "het voorstel is aangenomen met 50,33% van de stemmen"

    async def test_auditor_export_needs_the_auditor(
        self, services: Services, meeting_code: str
    ) -> None:
        url = f"/api/audit/meetings/{meeting_code}/export.json"
        assert (await services.results.get(url)).status_code == 401
        assert (await services.results.get(url, headers=services.auth("chair"))).status_code == 403


class TestRecordPages:
    async def test_record_page_in_dutch(self, services: Services, meeting_code: str) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        response = await services.results.get(f"/record/{meeting_code}")
        assert response.status_code == 200
        page = response.text
        assert 'lang="nl"' in page
        assert "ALV 1 december 2023" in page  # the meeting's name, from registration
        assert "De motie is aangenomen met 98,68% van de stemmen." in page
        assert "Geheime stemming: alleen de totalen worden gepubliceerd." in page
        assert "Deze stemming is nietig verklaard: storing in zaal B." in page
        assert f'data-testid="members-{votes["named"]}"' in page
        assert f'data-testid="members-{votes["secret"]}"' not in page
        assert "https://" not in page
        # Motie X: voor 75, tegen 1, so 76 cast and 39 needed.
        assert "Uitgebracht (voor + tegen): 76 stemmen; vereist: meer dan de helft" in page
        assert "dat is ten minste 39 stemmen." in page
        assert "1/2" not in page
        assert "vrijdag 1 december 2023" in page

    async def test_numbers_have_points_between_thousands(
        self, services: Services, meeting_code: str, population_2023: str
    ) -> None:
        rows = list(csv.DictReader(io.StringIO(population_2023)))[:60]
        members = "code,name,population\n" + "".join(
            f'{r["code"]},"{r["name"]}",{r["population"]}\n' for r in rows
        )
        cards = await make_meeting(
            services.registration,
            admin=services.tokens["secretariat"],
            code=meeting_code,
            members_csv=members,
        )
        for number, member in enumerate(cards, start=1):
            response = await services.registration.post(
                f"/api/meetings/{meeting_code}/registrations",
                json={"card_code": cards[member], "handset": f"{number:06d}"},
                headers=services.auth("desk"),
            )
            assert response.status_code == 201, response.text
        await run_vote(services, meeting_code, {f"{n:06d}": 1 for n in range(1, 61)})
        outcome = (await services.results.get(f"/api/meetings/{meeting_code}/outcomes")).json()
        weight = outcome[0]["electorate"]["weight"]
        assert weight > 1000
        page = (await services.results.get(f"/record/{meeting_code}")).text
        assert f'<td class="num">{dutch_number(weight)}</td>' in page
        assert f'<td class="num">{weight}</td>' not in page

    async def test_report_is_printable_with_the_chain_head(
        self, services: Services, meeting_code: str
    ) -> None:
        await meeting_with_votes(services, meeting_code)
        document = (await services.results.get(f"/api/meetings/{meeting_code}/export.json")).json()
        response = await services.results.get(f"/record/{meeting_code}/report")
        assert response.status_code == 200
        assert "Verslag van de stemmingen" in response.text
        assert document["chain"]["head"] in response.text
        assert "<details>" not in response.text
        css = await services.results.get("/static/results/record.css")
        assert "@media print" in css.text

    async def test_empty_meeting(self, services: Services, meeting_code: str) -> None:
        response = await services.results.get(f"/record/{meeting_code}")
        assert response.status_code == 200
        assert "Er zijn nog geen stemmingen afgerond." in response.text


class TestRecordPictures:
    async def test_a_chart_per_vote_attendance_and_the_chain(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        page = (await services.results.get(f"/record/{meeting_code}")).text
        head = (await services.results.get(f"/api/meetings/{meeting_code}/export.json")).json()[
            "chain"
        ]["head"]
        chart = page.split(f'data-testid="chart-{votes["named"]}"')[1].split("</figure>")[0]
        assert "<svg" in chart and 'role="img"' in chart
        assert "75 stemmen · 1 gem. · 98,68%" in chart
        assert f'data-testid="chart-{votes["acclaimed"]}"' not in page  # no numbers to draw
        assert "Bij acclamatie, zonder stemming." in page
        assert re.search(r"Geopend \d\d:\d\d:\d\d, gesloten \d\d:\d\d:\d\d\.", page)
        assert "aanwezig: gemeenten" in page
        assert " ".join(head[i : i + 4] for i in range(0, 16, 4)) in page  # the chain drawn
        assert f"alv verify EXPORT --expect-head {head}" in page
        assert "<script" not in page.split("<main>")[1]  # pictures without JavaScript
        artifact_path("record-page.html").write_text(page, encoding="utf-8")
