"""The desk's newer routes: forgotten card, search by name, who holds a handset."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.builders import audit_log, make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]


@pytest.fixture
async def meeting(registration: httpx.AsyncClient, token_values: dict[str, str]) -> str:
    code = unique_meeting_code()
    cards = await make_meeting(registration, admin=token_values["secretariat"], code=code)
    response = await registration.post(
        f"/api/meetings/{code}/registrations",
        json={"card_code": cards["GM0344"], "handset": "000344"},
        headers=as_caller(token_values["desk"]),
    )
    assert response.status_code == 201
    return code


async def without_card(
    registration: httpx.AsyncClient,
    token_values: dict[str, str],
    meeting: str,
    member: str,
    *,
    proof: str,
) -> httpx.Response:
    """Bound by name on J. de Vries's confirmation, with handset 000 + the code's digits."""
    return await registration.post(
        f"/api/meetings/{meeting}/registrations/without-card",
        json={
            "member": member,
            "handset": f"000{member[-3:]}",
            "officer": "J. de Vries",
            "confirmed": True,
            "proof": proof,
        },
        headers=as_caller(token_values["desk"]),
    )


class TestWithoutCard:
    async def test_bound_on_the_officers_confirmation(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await registration.post(
            f"/api/meetings/{meeting}/registrations/without-card",
            json={
                "member": "GM0088",
                "handset": "000088",
                "officer": "J. de Vries",
                "confirmed": True,
            },
            headers=as_caller(token_values["desk"]),
        )
        assert response.status_code == 201, response.text
        assert (response.json()["name"], response.json()["handset"]) == (
            "Schiermonnikoog",
            "000088",
        )
        entry = (await audit_log(registration, meeting, token_values["auditor"]))[-1]
        assert (entry["actor"], entry["action"], entry["member_code"]) == (
            "desk",
            "handset.bound_without_card",
            "GM0088",
        )
        assert entry["details"] == {
            "handset": "000088",
            "officer": "J. de Vries",
            "confirmed": True,
        }

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            (
                {"member": "GM0088", "handset": "000088", "officer": "J.", "confirmed": False},
                422,
                "not_confirmed",
            ),
            (
                {"member": "GM0088", "handset": "000088", "officer": "  ", "confirmed": True},
                422,
                "not_confirmed",
            ),
            (
                {"member": "GM9999", "handset": "000088", "officer": "J.", "confirmed": True},
                404,
                "member_not_found",
            ),
            (
                {"member": "GM0344", "handset": "000088", "officer": "J.", "confirmed": True},
                409,
                "already_registered",
            ),
            (
                {"member": "GM0088", "handset": "000344", "officer": "J.", "confirmed": True},
                409,
                "handset_in_use",
            ),
            (
                {"member": "GM0088", "handset": "88", "officer": "J.", "confirmed": True},
                422,
                "malformed_handset",
            ),
        ],
    )
    async def test_refusals_change_nothing(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        body: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        before = await audit_log(registration, meeting, token_values["auditor"])
        response = await registration.post(
            f"/api/meetings/{meeting}/registrations/without-card",
            json=body,
            headers=as_caller(token_values["desk"]),
        )
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert await audit_log(registration, meeting, token_values["auditor"]) == before

    async def test_member_without_weight_cannot_be_bound(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration,
            admin=token_values["secretariat"],
            code=code,
            issue_cards=False,
            members_csv="code,name,population\nGM1992,Voorne aan Zee,\n",
        )
        response = await registration.post(
            f"/api/meetings/{code}/registrations/without-card",
            json={"member": "GM1992", "handset": "001992", "officer": "J.", "confirmed": True},
            headers=as_caller(token_values["desk"]),
        )
        assert (response.status_code, response.json()["code"]) == (409, "population_missing")

    async def test_a_machtigingsformulier_without_a_barcode_is_recorded_as_such(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await without_card(
            registration, token_values, meeting, "GM0363", proof="authorisation_form"
        )
        assert response.status_code == 201, response.text
        entry = (await audit_log(registration, meeting, token_values["auditor"]))[-1]
        assert (entry["action"], entry["details"]["officer"]) == (
            "handset.bound_with_authorisation",
            "J. de Vries",
        )

    async def test_proof_is_one_of_the_known_kinds(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await without_card(
            registration, token_values, meeting, "GM0363", proof="paspoort"
        )
        assert response.status_code == 422


class TestRecent:
    async def test_newest_first_with_how_each_was_admitted(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        desk = as_caller(token_values["desk"])
        for member, proof in (("GM0088", "forgotten_card"), ("GM0363", "authorisation_form")):
            response = await without_card(registration, token_values, meeting, member, proof=proof)
            assert response.status_code == 201
        await registration.post(
            f"/api/meetings/{meeting}/registrations/GM0088/return", headers=desk
        )
        url = f"/api/meetings/{meeting}/registrations"
        recent = (await registration.get(url, headers=desk)).json()
        assert [(r["name"], r["admitted_by"], r["officer"]) for r in recent] == [
            ("Amsterdam", "authorisation_form", "J. de Vries"),
            ("Schiermonnikoog", "forgotten_card", "J. de Vries"),
            ("Utrecht", "card", None),
        ]
        assert recent[1]["returned_at"] is not None
        assert len((await registration.get(url, params={"limit": 1}, headers=desk)).json()) == 1
        assert (await registration.get(url, params={"limit": 0}, headers=desk)).status_code == 422
        assert (
            await registration.get(url, headers=as_caller(token_values["chair"]))
        ).status_code == 403


class TestLookups:
    async def test_search_by_part_of_the_name(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await registration.get(
            f"/api/meetings/{meeting}/members/search",
            params={"q": "TREC"},
            headers=as_caller(token_values["desk"]),
        )
        assert [(m["name"], m["present"], m["handset"]) for m in response.json()] == [
            ("Utrecht", True, "000344")
        ]
        response = await registration.get(
            f"/api/meetings/{meeting}/members/search",
            params={"q": "%%"},
            headers=as_caller(token_values["desk"]),
        )
        assert response.json() == []

    async def test_who_holds_a_handset(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        desk = as_caller(token_values["desk"])
        found = await registration.get(f"/api/meetings/{meeting}/handsets/000344", headers=desk)
        assert found.json()["member"] == "GM0344"
        free = await registration.get(f"/api/meetings/{meeting}/handsets/000345", headers=desk)
        assert (free.status_code, free.json()["code"]) == (404, "handset_not_bound")
        bad = await registration.get(f"/api/meetings/{meeting}/handsets/12", headers=desk)
        assert (bad.status_code, bad.json()["code"]) == (422, "malformed_handset")
