"""Every input of registration has a bound; a digit is [0-9], never any Unicode digit.

Issue 9 item 5, the registration part: a 23-digit population in a CSV import
(500), a handset label in Arabic-Indic digits bound at the desk (201), card
codes read with ``\\d``, and numbers where the schema says a date or boolean.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from services.registration.weights import MAX_POPULATION
from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller, assert_problem
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
async def meeting(registration: httpx.AsyncClient, token_values: dict[str, str]) -> str:
    code = unique_meeting_code()
    await make_meeting(
        registration, admin=token_values["secretariat"], code=code, issue_cards=False
    )
    return code


@pytest.fixture
async def cards(
    registration: httpx.AsyncClient, token_values: dict[str, str]
) -> tuple[str, dict[str, str]]:
    code = unique_meeting_code()
    return code, await make_meeting(registration, admin=token_values["secretariat"], code=code)


async def import_csv(
    registration: httpx.AsyncClient, admin: str, meeting: str, text: str
) -> dict[str, Any]:
    response = await registration.post(
        f"/api/meetings/{meeting}/members/import",
        content=text.encode(),
        headers={**as_caller(admin), "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def skipped_reason(
    registration: httpx.AsyncClient, admin: str, meeting: str, amsterdam: str, utrecht: str
) -> str:
    """Why the import skipped Amsterdam's row (line 2), Utrecht's row read."""
    report = await import_csv(
        registration,
        admin,
        meeting,
        f"code,name,population\nGM0363,{amsterdam}\nGM0344,{utrecht}\n",
    )
    assert (report["created"], report["updated"]) == (0, 1)
    (skipped,) = report["skipped"]
    assert skipped["line"] == 2
    return str(skipped["reason"])


class TestPopulations:
    @pytest.mark.parametrize(
        ("population", "reason"),
        [
            ("1" * 23, "groter dan"),
            (str(MAX_POPULATION + 1), "groter dan"),
            ("918117".translate(ARABIC_INDIC), "geen geheel getal"),
            ("918117".translate(FULLWIDTH), "geen geheel getal"),
            ("9_18117", "geen geheel getal"),
            ("+918117", "geen geheel getal"),
        ],
    )
    async def test_a_csv_import_refuses_a_population_beyond_the_bound(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        population: str,
        reason: str,
    ) -> None:
        admin = token_values["secretariat"]
        amsterdam = f"Amsterdam,{population}"
        found = await skipped_reason(registration, admin, meeting, amsterdam, "Utrecht,361924")
        assert reason in found

    async def test_the_bound_itself_is_accepted(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        report = await import_csv(
            registration,
            token_values["secretariat"],
            meeting,
            f"code,name,population\nGM0363,Amsterdam,{MAX_POPULATION}\n",
        )
        assert report["skipped"] == []

    @pytest.mark.parametrize("value", [1e30, MAX_POPULATION + 1, 2**80])
    async def test_a_cbs_import_refuses_a_population_beyond_the_bound(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        cbs_documents: dict[str, Any],
        value: float,
    ) -> None:
        code = unique_meeting_code()
        response = await registration.post(
            "/api/meetings",
            json={"code": code, "name": "ALV 1 december 2023", "date": "2023-12-01"},
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 201, response.text
        documents = copy.deepcopy(cbs_documents)
        for observation in documents["observations"]["value"]:
            if observation.get("RegioS") == "GM0363" and observation.get("Perioden") == "2022JJ00":
                observation["Value"] = value
        response = await registration.post(
            f"/api/meetings/{code}/members/import",
            json=documents,
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 200, response.text
        report = response.json()
        (amsterdam,) = (s for s in report["skipped"] if "GM0363" in s["reason"])
        assert "groter dan" in amsterdam["reason"]
        members = await registration.get(f"/api/meetings/{code}/members")
        assert "GM0363" not in {m["code"] for m in members.json()}

    @pytest.mark.parametrize("population", ["70000", 70000.0, True, MAX_POPULATION + 1])
    async def test_supplying_a_figure_takes_a_bounded_integer(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        population: Any,
    ) -> None:
        response = await registration.put(
            f"/api/meetings/{meeting}/members/GM0363/population",
            json={"population": population, "source": "CBS StatLine"},
            headers=as_caller(token_values["secretariat"]),
        )
        assert_problem(response, 422, "invalid")


class TestNames:
    """A name over its column (200 characters) was a 503 on PostgreSQL and
    stored as sent on SQLite; now the row is skipped, saying why."""

    async def test_a_member_import_skips_a_name_beyond_the_bound(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        admin = token_values["secretariat"]
        amsterdam, utrecht = f"{'x' * 201},918117", f"{'y' * 200},361924"
        found = await skipped_reason(registration, admin, meeting, amsterdam, utrecht)
        assert found == "naam is langer dan 200 tekens"

    async def test_a_contact_import_skips_a_name_beyond_the_bound(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await registration.post(
            f"/api/meetings/{meeting}/contacts/import",
            content=f"code,name,email\nGM0363,{'x' * 201},griffie@amsterdam.nl\n".encode(),
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        (skipped,) = response.json()["skipped"]
        assert "langer dan 200 tekens" in skipped["reason"]

    async def test_a_cbs_import_skips_a_name_beyond_the_bound(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        cbs_documents: dict[str, Any],
    ) -> None:
        documents = copy.deepcopy(cbs_documents)
        for region in documents["regions"]["value"]:
            if region["Identifier"] == "GM0363":
                region["Title"] = "x" * 201
        response = await registration.post(
            f"/api/meetings/{meeting}/members/import",
            json=documents,
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 200, response.text
        (amsterdam,) = (s for s in response.json()["skipped"] if "GM0363" in s["reason"])
        assert "langer dan 200 tekens" in amsterdam["reason"]


class TestDigits:
    @pytest.mark.parametrize(
        "handset", ["201201".translate(ARABIC_INDIC), "201201".translate(FULLWIDTH), "²01201"]
    )
    async def test_the_desk_binds_only_a_handset_in_ascii_digits(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        cards: tuple[str, dict[str, str]],
        handset: str,
    ) -> None:
        meeting, codes = cards
        response = await registration.post(
            f"/api/meetings/{meeting}/registrations",
            json={"card_code": codes["GM0363"], "handset": handset},
            headers=as_caller(token_values["desk"]),
        )
        assert_problem(response, 422, "malformed_handset")
        holder = await registration.get(
            f"/api/meetings/{meeting}/handsets/{handset}", headers=as_caller(token_values["desk"])
        )
        assert_problem(holder, 422, "malformed_handset")

    async def test_a_card_code_is_read_in_ascii_digits(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        cards: tuple[str, dict[str, str]],
    ) -> None:
        meeting, codes = cards
        # ALV1.<MEETING>.GM0363.1.<TAG>: the member's digits written in Arabic-Indic.
        parts = codes["GM0363"].split(".")
        parts[2] = parts[2].translate(ARABIC_INDIC)
        response = await registration.post(
            f"/api/meetings/{meeting}/desk/scan",
            json={"card_code": ".".join(parts)},
            headers=as_caller(token_values["desk"]),
        )
        assert_problem(response, 422, "malformed_code")


class TestStrictTypes:
    @pytest.mark.parametrize("date", [0, 20231201, True, "0001-01-01", "2100-01-01", "1999-12-31"])
    async def test_a_meeting_date_is_a_date_of_this_system(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], date: Any
    ) -> None:
        response = await registration.post(
            "/api/meetings",
            json={"code": unique_meeting_code(), "name": "ALV", "date": date},
            headers=as_caller(token_values["secretariat"]),
        )
        assert_problem(response, 422, "invalid")

    @pytest.mark.parametrize("confirmed", [1, "true", "ja"])
    async def test_a_confirmation_is_a_boolean(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        confirmed: Any,
    ) -> None:
        response = await registration.post(
            f"/api/meetings/{meeting}/registrations/without-card",
            json={"member": "GM0363", "handset": "000363", "officer": "J", "confirmed": confirmed},
            headers=as_caller(token_values["desk"]),
        )
        assert_problem(response, 422, "invalid")


class TestCodesInPaths:
    @pytest.mark.parametrize("code", ["%01", "ALV", "a", "x" * 33])
    async def test_one_meeting_code_pattern(
        self, registration: httpx.AsyncClient, code: str
    ) -> None:
        assert_problem(await registration.get(f"/api/meetings/{code}"), 422, "invalid")
        assert_problem(await registration.get(f"/api/meetings/{code}/presence"), 422, "invalid")

    @pytest.mark.parametrize("member", ["%01", "GM03630", "GX0363", "GM٠٣٦٣", "GM036"])
    async def test_a_member_code_is_gm_and_four_ascii_digits(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        member: str,
    ) -> None:
        response = await registration.post(
            f"/api/meetings/{meeting}/registrations/{member}/return",
            headers=as_caller(token_values["desk"]),
        )
        assert_problem(response, 422, "invalid")

    async def test_an_import_names_its_source_briefly(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await registration.post(
            f"/api/meetings/{meeting}/contacts/import",
            params={"source": "x" * 301},
            content=b"code,name,email\n",
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
        )
        assert_problem(response, 422, "invalid")


class TestBodySize:
    async def test_a_member_import_may_be_large_but_not_unbounded(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await registration.post(
            f"/api/meetings/{meeting}/members/import",
            content=b"code,name,population\n" + b"," * (16 * 1024 * 1024),
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
        )
        assert_problem(response, 413, "request_too_large")
        assert "16777216 bytes" in response.json()["detail"]


class TestAFigureRemovedAfterTheCards:
    """A later import without a figure used to make the card routes answer 500."""

    async def test_the_cards_say_why_instead_of_failing(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        cards: tuple[str, dict[str, str]],
    ) -> None:
        meeting, _ = cards
        admin = token_values["secretariat"]
        await import_csv(
            registration, admin, meeting, "code,name,population\nGM0088,Schiermonnikoog,\n"
        )
        listed = await registration.get(f"/api/meetings/{meeting}/cards", headers=as_caller(admin))
        assert listed.status_code == 200, listed.text
        weights = {card["member"]: card["weight"] for card in listed.json()}
        assert (weights["GM0088"], weights["GM0363"]) == (None, 75)
        image = await registration.get(
            f"/api/meetings/{meeting}/members/GM0088/card.png", headers=as_caller(admin)
        )
        assert_problem(image, 409, "population_missing")
        reissue = await registration.post(
            f"/api/meetings/{meeting}/members/GM0088/card/reissue",
            json={"reason": "kwijt"},
            headers=as_caller(admin),
        )
        assert_problem(reissue, 409, "population_missing")


class TestStorableText:
    """Found by the schemathesis suite on PostgreSQL: NUL in a text was a 503."""

    async def test_a_source_with_nul_is_refused(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting: str
    ) -> None:
        response = await registration.put(
            f"/api/meetings/{meeting}/members/GM0363/population",
            json={"population": 14090, "source": "CBS\u0000"},
            headers=as_caller(token_values["secretariat"]),
        )
        assert_problem(response, 422, "invalid")

    @pytest.mark.parametrize(
        "body",
        [
            b"code,name,population\nGM0363,Amster\x00dam,918117\n",
            b"code,name,population\nGM0363," + b"x" * 200_000 + b",918117\n",
        ],
        ids=["nul", "huge-field"],
    )
    async def test_a_csv_that_is_no_csv_is_refused(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        body: bytes,
    ) -> None:
        for path in ("members/import", "contacts/import"):
            response = await registration.post(
                f"/api/meetings/{meeting}/{path}",
                content=body,
                headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
            )
            assert_problem(response, 422, "bad_import")

    async def test_a_cbs_document_of_odd_shapes_is_read_or_refused(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting: str,
        cbs_documents: dict[str, Any],
    ) -> None:
        documents = copy.deepcopy(cbs_documents)
        documents["observations"]["value"][:0] = [
            {"RegioS": "GM0363", "Perioden": ["2022JJ00"], "Measure": "M000352", "Value": 1},
            {"RegioS": "GM0363xx", "Perioden": "2022JJ00", "Measure": "M000352", "Value": 1},
        ]
        documents["regions"]["value"].append({"Identifier": "GM0363xx", "Title": "Nep\u0000"})
        response = await registration.post(
            f"/api/meetings/{meeting}/members/import",
            json=documents,
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code in (200, 422), response.text
