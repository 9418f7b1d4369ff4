"""The stembalie and the handset registry as htmx asks them: every step through
the page routes, refusals in Dutch that change nothing, the stempas to print."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest

from tests.registration.conftest import BallotBindings
from tests.support.apps import as_caller
from tests.support.builders import audit_log, make_meeting
from tests.support.people import as_person

pytestmark = [pytest.mark.anyio, pytest.mark.db]

HTMX = {"HX-Request": "true"}


class Desk:
    """The desk officer's browser, as htmx posts its forms."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        tokens: dict[str, str],
        meeting: str,
        *,
        database_url: str,
        person: dict[str, str],
    ) -> None:
        self.client = client
        self.tokens = tokens
        self.meeting = meeting
        self.database_url = database_url
        self.person = person  # the desk officer, logged in
        self.headers = {**person, **HTMX}

    async def someone(self, role: str) -> dict[str, str]:
        """Another person, logged in with ``role``."""
        return await as_person(self.client, self.database_url, role)

    async def post(self, step: str, **form: str) -> httpx.Response:
        return await self.client.post(
            f"/desk/{self.meeting}/{step}", data=form, headers=self.headers
        )

    async def live(self) -> str:
        response = await self.client.get(f"/desk/{self.meeting}/live", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.text

    async def electorate(self) -> list[tuple[str, str]]:
        response = await self.client.get(
            f"/api/meetings/{self.meeting}/electorate", headers=as_caller(self.tokens["chair"])
        )
        return [(m["code"], m["handset"]) for m in response.json()["members"]]


@pytest.fixture
async def desk(
    registration: httpx.AsyncClient,
    token_values: dict[str, str],
    meeting_code: str,
    database_urls: dict[str, str],
) -> tuple[Desk, dict[str, str]]:
    cards = await make_meeting(registration, admin=token_values["secretariat"], code=meeting_code)
    url = database_urls["registration"]
    officer = await as_person(registration, url, "desk")
    return Desk(registration, token_values, meeting_code, database_url=url, person=officer), cards


class TestWhoMayUseIt:
    async def test_the_desk_only_in_dutch(
        self, desk: tuple[Desk, dict[str, str]], registration: httpx.AsyncClient
    ) -> None:
        officer, cards = desk
        page = f"/desk/{officer.meeting}"
        anonymous = await registration.get(page, headers={"Accept": "text/html"})
        assert anonymous.status_code == 303
        assert "/login?next=" in anonymous.headers["location"]
        chair_person = await officer.someone("chair")
        chair = await registration.get(page, headers={**chair_person, "Accept": "text/html"})
        assert chair.status_code == 403
        refused = await registration.post(
            f"/desk/{officer.meeting}/register",
            data={"card_code": cards["GM0363"], "handset": "004711"},
            headers={**chair_person, **HTMX},
        )
        assert refused.status_code == 403
        assert "mag dit niet" in refused.text
        assert await officer.electorate() == []

    async def test_the_handset_registry_for_staff(
        self, desk: tuple[Desk, dict[str, str]], registration: httpx.AsyncClient
    ) -> None:
        officer, _ = desk
        page = f"/handsets/{officer.meeting}"
        assert (await registration.get(page)).status_code == 303
        for role in ("desk", "chair", "auditor"):
            shown = await registration.get(page, headers=await officer.someone(role))
            assert shown.status_code == 200, role
        # A machine (the gateway's token) is no staff.
        gateway = await registration.get(page, headers=as_caller(officer.tokens["gateway"]))
        assert gateway.status_code == 403


class TestRegistering:
    async def test_card_then_handset_gives_the_stempas(
        self, desk: tuple[Desk, dict[str, str]], registration: httpx.AsyncClient
    ) -> None:
        officer, cards = desk
        page = await registration.get(f"/desk/{officer.meeting}", headers=officer.person)
        assert page.status_code == 200
        assert 'lang="nl"' in page.text and "desk.js" not in page.text
        assert 'data-testid="form-card"' in page.text

        scanned = await officer.post("scan", card_code=cards["GM0363"])
        assert scanned.status_code == 200, scanned.text
        assert "Amsterdam (GM0363)" in scanned.text and "niet aangemeld" in scanned.text
        assert 'data-testid="form-handset"' in scanned.text
        bound = await officer.post("register", card_code=cards["GM0363"], handset="004711")
        assert bound.status_code == 200, bound.text
        assert bound.headers["HX-Trigger"] == "desk-changed"
        assert "Amsterdam is aangemeld met stemkastje 004711." in bound.text
        assert f'href="/desk/{officer.meeting}/stempas/GM0363"' in bound.text
        assert 'data-testid="form-card"' in bound.text  # ready for the next card
        assert await officer.electorate() == [("GM0363", "004711")]

        live = await officer.live()
        assert 'data-testid="present-members">1<' in live
        assert 'data-testid="present-weight">75<' in live
        assert 'data-testid="recent-GM0363"' in live and "stemkaart" in live

        stempas = await registration.get(
            f"/desk/{officer.meeting}/stempas/GM0363", headers=officer.person
        )
        assert stempas.status_code == 200
        for text in ("Amsterdam", "GM0363", ">75<", ">004711<", "ALV 1 december 2023"):
            assert text in stempas.text, text
        assert "stempas.css" in stempas.text

    async def test_refusals_change_nothing_and_ask_again(
        self, desk: tuple[Desk, dict[str, str]], registration: httpx.AsyncClient
    ) -> None:
        officer, cards = desk
        await officer.post("register", card_code=cards["GM0363"], handset="004711")
        not_a_card = await officer.post("scan", card_code="hallo")
        assert not_a_card.status_code == 422
        assert "Dit is geen stemkaartcode" in not_a_card.text
        assert 'data-testid="form-card"' in not_a_card.text
        empty = await officer.post("scan")
        assert empty.status_code == 422 and "Vul de code van de stemkaart in." in empty.text

        twice = await officer.post("scan", card_code=cards["GM0363"])
        assert twice.status_code == 422
        assert "Amsterdam is al aangemeld" in twice.text and "004711" in twice.text

        taken = await officer.post("register", card_code=cards["GM0344"], handset="004711")
        assert taken.status_code == 409
        assert "Stemkastje 004711 is al gekoppeld aan Amsterdam" in taken.text
        # The card is still in hand: the officer is asked for another handset.
        assert 'data-testid="form-handset"' in taken.text and "Utrecht" in taken.text
        bad = await officer.post("register", card_code=cards["GM0344"], handset="12ab")
        assert bad.status_code == 422 and "geen stemkastjenummer" in bad.text
        assert await officer.electorate() == [("GM0363", "004711")]
        unknown = await registration.get(
            f"/desk/{officer.meeting}/stempas/GM0344", headers=officer.person
        )
        assert unknown.status_code == 404
        assert "Utrecht is niet aangemeld" in unknown.text

    async def test_without_a_barcode_on_the_officers_confirmation(
        self, desk: tuple[Desk, dict[str, str]], registration: httpx.AsyncClient
    ) -> None:
        officer, _ = desk
        found = await officer.post("search", q="schier")
        assert found.status_code == 200, found.text
        assert "Schiermonnikoog (GM0088), 1 stem" in found.text
        nothing = await officer.post("search", q="atlantis")
        assert nothing.status_code == 422 and "Geen gemeente gevonden" in nothing.text
        form = {"member": "GM0088", "officer": "J. de Vries", "handset": "000088"}
        unconfirmed = await officer.post("without-card", **form)
        assert unconfirmed.status_code == 422
        assert "bevestigt" in unconfirmed.text
        assert await officer.electorate() == []
        bound = await officer.post(
            "without-card", **form, confirmed="1", proof="authorisation_form"
        )
        assert bound.status_code == 200, bound.text
        assert "met machtigingsformulier aangemeld met stemkastje 000088" in bound.text
        assert await officer.electorate() == [("GM0088", "000088")]
        live = await officer.live()
        assert "machtigingsformulier, J. de Vries" in live
        audit = await audit_log(registration, officer.meeting, officer.tokens["auditor"])
        assert audit[-1]["action"] == "handset.bound_with_authorisation"
        assert audit[-1]["details"]["officer"] == "J. de Vries"


class TestSwapAndReturn:
    async def test_swap_by_handset_then_return_by_card(
        self,
        desk: tuple[Desk, dict[str, str]],
        ballot_bindings: BallotBindings,
    ) -> None:
        officer, cards = desk
        await officer.post("register", card_code=cards["GM0363"], handset="004711")
        found = await officer.post("swap/find", scanned="004711")
        assert "nieuwe stemkastje voor Amsterdam (nu 004711)" in found.text
        swapped = await officer.post("swap", member="GM0363", handset="004712")
        assert "Amsterdam stemt nu met stemkastje 004712." in swapped.text
        assert await officer.electorate() == [("GM0363", "004712")]
        nobody = await officer.post("swap/find", scanned="004711")
        assert nobody.status_code == 404 and "aan geen enkele gemeente" in nobody.text
        returned = await officer.post("return", scanned=cards["GM0363"])
        assert "Stemkastje 004712 van Amsterdam is ingenomen." in returned.text
        assert await officer.electorate() == []
        again = await officer.post("return", scanned=cards["GM0363"])
        assert again.status_code == 404 and "niet aangemeld" in again.text
        # Ballot heard every binding change, in order.
        assert [(c["handset"], c["bound"]) for c in ballot_bindings.changes] == [
            ("004711", True),
            ("004711", False),
            ("004712", True),
            ("004712", False),
        ]


class TestHandsetRegistry:
    async def test_warnings_before_a_vote(
        self, desk: tuple[Desk, dict[str, str]], registration: httpx.AsyncClient
    ) -> None:
        officer, cards = desk
        for member, handset in (("GM0363", "000363"), ("GM0344", "000344"), ("GM0088", "000088")):
            await officer.post("register", card_code=cards[member], handset=handset)
        now = datetime.datetime.now(datetime.UTC)
        seen: list[dict[str, Any]] = [
            {"handset": "000363", "battery": 15, "minutes": 0},
            {"handset": "000344", "battery": 90, "minutes": 5},
            {"handset": "009999", "battery": 80, "minutes": 0},
        ]
        report = await registration.post(
            f"/api/meetings/{officer.meeting}/handsets/sightings",
            json={
                "handsets": [
                    {
                        "handset": s["handset"],
                        "receiver": "R01",
                        "rssi": -60,
                        "battery": s["battery"],
                        "last_seen": (now - datetime.timedelta(minutes=s["minutes"])).isoformat(),
                    }
                    for s in seen
                ]
            },
            headers=as_caller(officer.tokens["gateway"]),
        )
        assert report.status_code == 200, report.text
        page = await registration.get(
            f"/handsets/{officer.meeting}?live=true", headers=await officer.someone("chair")
        )
        text = page.text
        assert "Voor de stemming nakijken: 3" in text
        assert "kastje 000363:\n      batterij bijna leeg (15%)" in text
        assert "kastje 000344:\n      buiten bereik" in text
        assert "kastje 000088:\n      nooit gehoord" in text
        assert 'data-testid="in-range-009999">binnen bereik<' in text
        assert "niet gekoppeld" in text  # 009999 was heard but is nobody's
