"""Members over HTTP: the CBS import, staff supplying a figure, contacts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.builders import audit_log, make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]


class TestCbsImport:
    async def test_all_2023_members_from_cbs_json(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        cbs_documents: dict[str, Any],
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            date="2024-06-12",
            members_csv="code,name,population\n",
            issue_cards=False,
        )
        response = await registration.post(
            f"/api/meetings/{code}/members/import",
            params={"source": "03759ned-2024-03-15.json"},
            json=cbs_documents,
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["period"], report["created"], report["without_population"]) == (
            "2023JJ00",
            342,
            [],
        )
        assert report["read"] == 342 + len(report["skipped"])
        members = (await registration.get(f"/api/meetings/{code}/members")).json()
        weights = [m["weight"] for m in members]
        assert (len(members), sum(weights), weights.count(75), weights.count(1)) == (
            342,
            13_074,
            53,
            3,
        )
        amsterdam = next(m for m in members if m["code"] == "GM0363")
        assert amsterdam["population"] == 918_117
        assert amsterdam["population_date"] == "2023-01-01"
        assert amsterdam["population_source"] == "CBS 03759ned 2023JJ00 (03759ned-2024-03-15.json)"

    async def test_a_preview_shows_weights_and_provenance_and_stores_nothing(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        cbs_documents: dict[str, Any],
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            date="2024-06-12",
            members_csv="code,name,population\nGM0363,Amsterdam,1000\n",
            issue_cards=False,
        )
        before = await audit_log(registration, code, token_values["auditor"])
        response = await registration.post(
            f"/api/meetings/{code}/members/import",
            params={"source": "03759ned.json", "dry_run": "true"},
            json=cbs_documents,
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["dry_run"], report["created"], report["updated"]) == (True, 341, 1)
        amsterdam = next(m for m in report["members"] if m["code"] == "GM0363")
        assert amsterdam == {
            "code": "GM0363",
            "name": "Amsterdam",
            "population": 918_117,
            "weight": 75,
            "population_date": "2023-01-01",
            "source": "CBS 03759ned 2023JJ00 (03759ned.json)",
            "change": "updated",
            "old_weight": 1,
        }
        assert {m["change"] for m in report["members"]} == {"new", "updated"}
        assert all(s["reason"] for s in report["skipped"])
        # Nothing stored: the member list and the audit log are as they were.
        members = (await registration.get(f"/api/meetings/{code}/members")).json()
        assert [(m["code"], m["weight"]) for m in members] == [("GM0363", 1)]
        assert await audit_log(registration, code, token_values["auditor"]) == before

    async def test_json_that_is_not_cbs_is_refused(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration, admin=token_values["secretariat"], code=code, issue_cards=False
        )
        response = await registration.post(
            f"/api/meetings/{code}/members/import",
            json={"value": []},
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 422
        assert response.json()["code"] == "bad_import"
        assert "03759ned" in response.json()["detail"]


class TestSupplyPopulation:
    async def test_unblocks_cards_and_is_audited(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        admin = as_caller(token_values["secretariat"])
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            issue_cards=False,
            members_csv="code,name,population\nGM0363,Amsterdam,918117\nGM1992,Voorne aan Zee,\n",
        )
        response = await registration.put(
            f"/api/meetings/{code}/members/gm1992/population",
            json={"population": 70_123, "source": "CBS StatLine 03759ned, grenzen 2023"},
            headers=admin,
        )
        assert response.status_code == 200, response.text
        member = response.json()
        assert (member["population"], member["weight"], member["population_date"]) == (
            70_123,
            70,
            "2022-01-01",
        )
        assert member["population_source"] == "CBS StatLine 03759ned, grenzen 2023"
        cards = await registration.post(f"/api/meetings/{code}/cards", headers=admin)
        assert cards.status_code == 200
        entry = (await audit_log(registration, code, token_values["auditor"]))[-2]
        assert entry["action"] == "member.population_supplied"
        assert entry["member_code"] == "GM1992"
        assert entry["details"]["weight"] == 70
        assert entry["details"]["old_weight"] is None

    @pytest.mark.parametrize(
        ("body", "status", "problem"),
        [
            ({"population": -1, "source": "CBS"}, 422, "invalid"),
            ({"population": 5000}, 422, "invalid"),
        ],
    )
    async def test_refusals(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        body: dict[str, Any],
        status: int,
        problem: str,
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration, admin=token_values["secretariat"], code=code, issue_cards=False
        )
        response = await registration.put(
            f"/api/meetings/{code}/members/GM0363/population",
            json=body,
            headers=as_caller(token_values["secretariat"]),
        )
        assert (response.status_code, response.json()["code"]) == (status, problem)

    async def test_unknown_member_and_wrong_role(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration, admin=token_values["secretariat"], code=code, issue_cards=False
        )
        body = {"population": 5000, "source": "CBS"}
        path = f"/api/meetings/{code}/members/GM9999/population"
        response = await registration.put(
            path, json=body, headers=as_caller(token_values["secretariat"])
        )
        assert (response.status_code, response.json()["code"]) == (404, "member_not_found")
        response = await registration.put(path, json=body, headers=as_caller(token_values["desk"]))
        assert response.status_code == 403


class TestContacts:
    async def test_import_reports_invalid_and_unmatched(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration, admin=token_values["secretariat"], code=code, issue_cards=False
        )
        response = await registration.post(
            f"/api/meetings/{code}/contacts/import",
            content=(
                b"code,name,email\n"
                b"GM0363,P. Jansen,secretaris@amsterdam.nl\n"
                b"GM0344,K. de Boer,kdeboer at utrecht.nl\n"
                b"GM0505,D. Dordt,secretaris@dordrecht.nl\n"
            ),
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["read"] == 3
        assert report["updated"] == 1
        assert [s["line"] for s in report["skipped"]] == [3]
        assert report["unmatched"] == [
            {"line": 4, "reason": "GM0505 is geen lid van deze vergadering"}
        ]
        assert report["without_contact"] == ["GM0014", "GM0088", "GM0344"]
        members = (await registration.get(f"/api/meetings/{code}/members")).json()
        amsterdam = next(m for m in members if m["code"] == "GM0363")
        assert (amsterdam["contact_name"], amsterdam["contact_email"]) == (
            "P. Jansen",
            "secretaris@amsterdam.nl",
        )
        entry = (await audit_log(registration, code, token_values["auditor"]))[-1]
        assert entry["action"] == "contacts.imported"
        assert entry["details"]["unmatched"] == 1

    async def test_file_without_email_column_is_refused(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration, admin=token_values["secretariat"], code=code, issue_cards=False
        )
        response = await registration.post(
            f"/api/meetings/{code}/contacts/import",
            content=b"code,name\nGM0363,P. Jansen\n",
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
        )
        assert (response.status_code, response.json()["code"]) == (422, "bad_import")
