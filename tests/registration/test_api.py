"""The registration API over HTTP: import, cards, the desk flow and its refusals."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.builders import audit_log, make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]


class TestImport:
    async def test_all_2023_members_with_article_10_weights(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], population_2023: str
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            members_csv=population_2023,
            name="ALV juni 2024",
            date="2024-06-12",
            issue_cards=False,
        )
        members = (await registration.get(f"/api/meetings/{code}/members")).json()
        weights = [m["weight"] for m in members]
        assert len(members) == 342
        assert sum(weights) == 13_074
        assert weights.count(75) == 53
        assert weights.count(1) == 3
        amsterdam = next(m for m in members if m["code"] == "GM0363")
        assert amsterdam["population_date"] == "2023-01-01"
        assert amsterdam["population_source"] == "upload"

    async def test_report_says_what_was_skipped(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            issue_cards=False,
            members_csv="code,name,population\nGM0363,Amsterdam,918117\n",
        )
        response = await registration.post(
            f"/api/meetings/{code}/members/import",
            content=b"code,name,population\nXX01,Nergens,5\nGM0088,Schiermonnikoog,veel\n"
            b"GM0014,Groningen,238147\n",
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
        )
        report = response.json()
        assert report["read"] == 3
        assert report["created"] == 1
        assert [s["line"] for s in report["skipped"]] == [2, 3]

    async def test_file_without_columns_is_refused(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            issue_cards=False,
            members_csv="code,name,population\n",
        )
        response = await registration.post(
            f"/api/meetings/{code}/members/import",
            content=b"gemeente;inwoners\nAmsterdam;5\n",
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "bad_import"

    async def test_figures_of_the_wrong_reference_date_are_skipped(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            issue_cards=False,
            date="2023-12-01",
            members_csv="code,name,population,reference_date\nGM0363,Amsterdam,918117,2023-01-01\n",
        )
        members = (await registration.get(f"/api/meetings/{code}/members")).json()
        assert members == []

    async def test_member_without_population_blocks_cards(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            issue_cards=False,
            members_csv="code,name,population\nGM0363,Amsterdam,918117\nGM1992,Voorne aan Zee,\n",
        )
        response = await registration.post(
            f"/api/meetings/{code}/cards", headers=as_caller(token_values["secretariat"])
        )
        assert response.status_code == 409
        assert response.json()["code"] == "population_missing"
        assert "Voorne aan Zee" in response.json()["detail"]


class TestDeskFlow:
    async def test_scan_bind_return(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        cards = await make_meeting(registration, admin=token_values["secretariat"], code=code)
        desk = as_caller(token_values["desk"])
        scanned = await registration.post(
            f"/api/meetings/{code}/desk/scan", json={"card_code": cards["GM0363"]}, headers=desk
        )
        assert scanned.json() | {"registered_at": None} == {
            "member": "GM0363",
            "name": "Amsterdam",
            "weight": 75,
            "present": False,
            "handset": None,
            "registered_at": None,
        }
        bound = await registration.post(
            f"/api/meetings/{code}/registrations",
            json={"card_code": cards["GM0363"], "handset": "004711"},
            headers=desk,
        )
        assert bound.status_code == 201
        assert bound.json()["handset"] == "004711"
        electorate = await registration.get(
            f"/api/meetings/{code}/electorate", headers=as_caller(token_values["gateway"])
        )
        assert electorate.json()["members"] == [
            {"code": "GM0363", "name": "Amsterdam", "weight": 75, "handset": "004711"}
        ]
        presence = (await registration.get(f"/api/meetings/{code}/presence")).json()
        assert presence == {
            "present_members": 1,
            "present_weight": 75,
            "total_members": 4,
            "total_weight": 75 + 1 + 75 + 75,
        }
        returned = await registration.post(
            f"/api/meetings/{code}/registrations/GM0363/return", headers=desk
        )
        assert returned.json()["present"] is False
        electorate = await registration.get(
            f"/api/meetings/{code}/electorate", headers=as_caller(token_values["gateway"])
        )
        assert electorate.json()["members"] == []

    async def test_swap_moves_the_binding(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        cards = await make_meeting(registration, admin=token_values["secretariat"], code=code)
        desk = as_caller(token_values["desk"])
        await registration.post(
            f"/api/meetings/{code}/registrations",
            json={"card_code": cards["GM0088"], "handset": "000001"},
            headers=desk,
        )
        swapped = await registration.post(
            f"/api/meetings/{code}/registrations/GM0088/swap",
            json={"handset": "000002"},
            headers=desk,
        )
        assert swapped.json()["handset"] == "000002"
        electorate = await registration.get(
            f"/api/meetings/{code}/electorate", headers=as_caller(token_values["chair"])
        )
        assert [m["handset"] for m in electorate.json()["members"]] == ["000002"]


class TestRefusals:
    """Every refusal is a specific 4xx problem and changes nothing."""

    @pytest.fixture
    async def setup(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> tuple[str, dict[str, str]]:
        code = unique_meeting_code()
        cards = await make_meeting(registration, admin=token_values["secretariat"], code=code)
        await registration.post(
            f"/api/meetings/{code}/registrations",
            json={"card_code": cards["GM0344"], "handset": "000344"},
            headers=as_caller(token_values["desk"]),
        )
        return code, cards

    async def _refused(
        self,
        client: httpx.AsyncClient,
        tokens: dict[str, str],
        meeting: str,
        body: dict[str, str],
        status: int,
        code: str,
    ) -> str:
        before = len(await audit_log(client, meeting, tokens["auditor"]))
        response = await client.post(
            f"/api/meetings/{meeting}/registrations", json=body, headers=as_caller(tokens["desk"])
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == code
        assert len(await audit_log(client, meeting, tokens["auditor"])) == before
        electorate = await client.get(
            f"/api/meetings/{meeting}/electorate", headers=as_caller(tokens["gateway"])
        )
        assert [m["code"] for m in electorate.json()["members"]] == ["GM0344"]
        return str(problem["detail"])

    async def test_malformed_code(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        setup: tuple[str, dict[str, str]],
    ) -> None:
        meeting, _ = setup
        detail = await self._refused(
            registration,
            token_values,
            meeting,
            {"card_code": "hallo", "handset": "000001"},
            422,
            "malformed_code",
        )
        assert "geen stemkaartcode" in detail

    async def test_forged_code(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        setup: tuple[str, dict[str, str]],
    ) -> None:
        meeting, cards = setup
        forged = cards["GM0088"].replace("GM0088", "GM0363")
        await self._refused(
            registration,
            token_values,
            meeting,
            {"card_code": forged, "handset": "000001"},
            422,
            "forged_card",
        )

    async def test_code_of_another_meeting(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        setup: tuple[str, dict[str, str]],
    ) -> None:
        meeting, _ = setup
        other = await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=unique_meeting_code(),
            name="ALV juni",
        )
        detail = await self._refused(
            registration,
            token_values,
            meeting,
            {"card_code": other["GM0088"], "handset": "000001"},
            422,
            "other_meeting_card",
        )
        assert "ALV juni" in detail

    async def test_already_registered_says_when_and_which_handset(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        setup: tuple[str, dict[str, str]],
    ) -> None:
        meeting, cards = setup
        detail = await self._refused(
            registration,
            token_values,
            meeting,
            {"card_code": cards["GM0344"], "handset": "000001"},
            409,
            "already_registered",
        )
        assert "000344" in detail

    async def test_handset_bound_to_another_member(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        setup: tuple[str, dict[str, str]],
    ) -> None:
        meeting, cards = setup
        detail = await self._refused(
            registration,
            token_values,
            meeting,
            {"card_code": cards["GM0088"], "handset": "000344"},
            409,
            "handset_in_use",
        )
        assert "Utrecht" in detail

    @pytest.mark.parametrize("handset", ["4711", "0047111", "00471a", ""])
    async def test_malformed_handset(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        setup: tuple[str, dict[str, str]],
        handset: str,
    ) -> None:
        meeting, cards = setup
        status, code = (422, "invalid") if not handset else (422, "malformed_handset")
        await self._refused(
            registration,
            token_values,
            meeting,
            {"card_code": cards["GM0088"], "handset": handset},
            status,
            code,
        )


class TestAuth:
    async def test_desk_route_needs_a_token(
        self, registration: httpx.AsyncClient, meeting_code: str
    ) -> None:
        response = await registration.post(
            f"/api/meetings/{meeting_code}/desk/scan", json={"card_code": "x"}
        )
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"

    async def test_wrong_role_is_forbidden(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
    ) -> None:
        response = await registration.post(
            "/api/meetings",
            json={"code": meeting_code, "name": "x", "date": "2023-12-01"},
            headers=as_caller(token_values["desk"]),
        )
        assert response.status_code == 403

    async def test_unknown_meeting_is_404_problem(self, registration: httpx.AsyncClient) -> None:
        response = await registration.get("/api/meetings/bestaat-niet")
        assert response.status_code == 404
        assert response.json()["code"] == "meeting_not_found"
