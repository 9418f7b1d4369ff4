"""The agenda editor: votes created, edited, moved and removed through the page
routes as htmx posts them; links shown as a tree; refusals in Dutch change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.ballot.conftest import Services
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]

HTMX = {"HX-Request": "true"}
MOTION = {"kind": "motie", "title": "Motie klimaatadaptatie", "agenda_item": "5"}


@pytest.fixture
async def page(services: Services) -> httpx.AsyncClient:
    services.ballot.headers.update({**HTMX, **services.auth("secretariat")})
    return services.ballot


@pytest.fixture
async def meeting(services: Services, meeting_code: str) -> str:
    await make_meeting(
        services.registration, admin=services.tokens["secretariat"], code=meeting_code
    )
    return meeting_code


async def votes(page: httpx.AsyncClient, meeting: str) -> list[dict[str, Any]]:
    return list((await page.get(f"/api/meetings/{meeting}/votes")).json())


async def add(page: httpx.AsyncClient, meeting: str, **fields: str) -> httpx.Response:
    form = {"majority": "1/2", "base": "", "named": "true", **fields}
    return await page.post(f"/agenda/{meeting}/votes", data=form)


def refused(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["HX-Retarget"] == "#problem"
    assert text in response.text, response.text


class TestEditor:
    async def test_the_page_offers_every_kind_and_majority(
        self, page: httpx.AsyncClient, meeting: str
    ) -> None:
        shown = await page.get(f"/agenda/{meeting}", headers={"HX-Request": ""})
        assert shown.status_code == 200
        assert '<html lang="nl">' in shown.text
        assert "ALV 1 december 2023" in shown.text
        assert 'data-testid="agenda-empty"' in shown.text
        for words in ("meer dan de helft (1/2)", "ten minste twee derden (&gt;=2/3)", "Verkiezing"):
            assert words in shown.text

    async def test_a_motion_an_amendment_and_an_election(
        self, page: httpx.AsyncClient, meeting: str
    ) -> None:
        created = await add(page, meeting, **MOTION)
        assert created.status_code == 200, created.text
        assert "Stemming" in created.text and "is toegevoegd" in created.text
        motion = (await votes(page, meeting))[0]
        amendment = await add(
            page,
            meeting,
            kind="amendement",
            title="Amendement A: ook voor dorpen",
            amends=str(motion["id"]),
            majority=">=2/3",
            base="true",
        )
        assert amendment.status_code == 200, amendment.text
        election = await add(
            page,
            meeting,
            kind="verkiezing",
            title="Verkiezing vicevoorzitter",
            office="vicevoorzitter",
            options="Mark Boumans\nAnna de Vries\nPiet Jansen\n",
            with_abstain="1",
            named="false",
        )
        assert election.status_code == 200, election.text
        tree = election.text
        assert 'id="agenda-tree" hx-swap-oob="true"' in tree
        assert "stemt vóór motie 1" in tree
        assert "Let op: staat in de volgorde ná wat het wijzigt" in tree
        assert "kandidaten: Mark Boumans, Anna de Vries, Piet Jansen (en onthouding)" in tree
        made = await votes(page, meeting)
        assert [(v["kind"], v["amends_vote_id"]) for v in made] == [
            ("motie", None),
            ("amendement", motion["id"]),
            ("verkiezing", None),
        ]
        assert made[1]["majority"] == {"numerator": 2, "denominator": 3, "inclusive": True}
        assert (made[1]["abstentions_cast"], made[1]["follows_meeting_base"]) == (True, False)
        assert made[2]["office"] == "vicevoorzitter" and made[2]["named"] is False
        assert [(o["key"], o["label"], o["role"]) for o in made[2]["options"]] == [
            (1, "Mark Boumans", "choice"),
            (2, "Anna de Vries", "choice"),
            (3, "Piet Jansen", "choice"),
            (4, "onthouding", "abstain"),
        ]
        # The amendment moved before its motion: the warning is gone.
        moved = await page.post(
            f"/agenda/{meeting}/votes/{made[1]['id']}/move", data={"direction": "up"}
        )
        assert moved.status_code == 200
        assert "staat in de volgorde ná" not in moved.text
        order = [v["id"] for v in await votes(page, meeting)]
        assert order == [made[1]["id"], motion["id"], made[2]["id"]]

    async def test_edit_fills_the_form_and_saves(
        self, page: httpx.AsyncClient, meeting: str
    ) -> None:
        await add(page, meeting, kind="verkiezing", title="Voorzitter", options="A\nB\nC")
        vote = (await votes(page, meeting))[0]
        form = await page.get(f"/agenda/{meeting}/votes/{vote['id']}/edit")
        assert 'id="vote-form"' in form.text and "U wijzigt stemming 1" in form.text
        assert ">A\nB\nC</textarea>" in form.text
        saved = await page.post(
            f"/agenda/{meeting}/votes/{vote['id']}",
            data={
                "kind": "verkiezing",
                "title": "Verkiezing voorzitter",
                "office": "voorzitter",
                "options": "A\nB",
                "majority": "1/2",
                "base": "false",
                "named": "true",
            },
        )
        assert saved.status_code == 200, saved.text
        after = (await votes(page, meeting))[0]
        assert after["title"] == "Verkiezing voorzitter"
        assert [o["label"] for o in after["options"]] == ["A", "B"]
        assert (after["abstentions_cast"], after["follows_meeting_base"]) == (False, False)
        # A refused edit (one candidate left) changes nothing.
        refused(
            await page.post(
                f"/agenda/{meeting}/votes/{vote['id']}",
                data={"kind": "verkiezing", "title": "Kapot", "options": "A", "majority": "1/2"},
            ),
            422,
            "ten minste twee kandidaten",
        )
        assert (await votes(page, meeting))[0] == after

    async def test_the_meeting_base_and_a_vote_of_its_own(
        self, page: httpx.AsyncClient, meeting: str
    ) -> None:
        await add(page, meeting, **MOTION)
        await add(page, meeting, kind="voorstel", title="Eigen grondslag", base="false")
        changed = await page.post(f"/agenda/{meeting}/base", data={"abstentions_cast": "true"})
        assert changed.status_code == 200
        follows, own = await votes(page, meeting)
        assert (follows["abstentions_cast"], follows["follows_meeting_base"]) == (True, True)
        assert (own["abstentions_cast"], own["follows_meeting_base"]) == (False, False)
        settings = (await page.get(f"/api/meetings/{meeting}/settings")).json()
        assert settings == {"abstentions_cast": True}

    async def test_motion_parts_a_proefstemming_and_an_ordevoorstel(
        self, page: httpx.AsyncClient, meeting: str
    ) -> None:
        await add(page, meeting, kind="proefstemming", title="Proefstemming")
        await add(page, meeting, **MOTION)
        motion = (await votes(page, meeting))[1]
        part = await add(
            page, meeting, kind="motie", title="Onderdeel 1", part_of=str(motion["id"])
        )
        assert "onderdeel van motie 2" in part.text
        order = await add(
            page, meeting, kind="ordevoorstel", title="Schorsing", options="Nu\nStraks"
        )
        assert "opties: Nu, Straks" in order.text
        assert "elke toets telt als antwoord" in order.text
        made = await votes(page, meeting)
        assert [v["kind"] for v in made] == ["proefstemming", "motie", "motie", "ordevoorstel"]
        assert made[2]["part_of_vote_id"] == motion["id"]
        assert len(made[0]["options"]) == 10


class TestRefusals:
    async def test_refused_in_dutch_and_nothing_changes(
        self, page: httpx.AsyncClient, meeting: str
    ) -> None:
        refused(await add(page, meeting, kind="motie", title=""), 422, "geef een titel")
        refused(
            await add(page, meeting, kind="verkiezing", title="V", options="Alleen"),
            422,
            "ten minste twee kandidaten",
        )
        refused(
            await add(page, meeting, kind="motie", title="M", options="A\nB"),
            422,
            "alleen een verkiezing of ordevoorstel heeft eigen opties",
        )
        refused(
            await add(page, meeting, kind="motie", title="M", office="voorzitter"),
            422,
            "alleen een verkiezing vervult een functie",
        )
        refused(
            await add(page, meeting, kind="motie", title="M", majority="1/3"), 422, "meerderheid"
        )
        assert await votes(page, meeting) == []
        await add(page, meeting, **MOTION)
        motion = (await votes(page, meeting))[0]
        refused(
            await add(page, meeting, kind="voorstel", title="X", amends=str(motion["id"])),
            422,
            "alleen een amendement wijzigt",
        )
        await add(page, meeting, kind="amendement", title="A", amends=str(motion["id"]))
        removed = await page.post(f"/agenda/{meeting}/votes/{motion['id']}/remove")
        refused(removed, 409, "kan niet weg")
        assert len(await votes(page, meeting)) == 2

    async def test_not_a_vote_of_this_meeting(
        self, services: Services, page: httpx.AsyncClient, meeting: str
    ) -> None:
        other = f"{meeting}-b"
        await make_meeting(services.registration, admin=services.tokens["secretariat"], code=other)
        await add(page, other, **MOTION)
        vote = (await votes(page, other))[0]
        refused(
            await page.post(f"/agenda/{meeting}/votes/{vote['id']}/remove"), 404, "bestaat niet"
        )
        assert len(await votes(page, other)) == 1

    async def test_only_for_the_chair_and_the_secretariat(
        self,
        services: Services,
        page: httpx.AsyncClient,
        meeting: str,
    ) -> None:
        desk = await page.post(
            f"/agenda/{meeting}/votes",
            data={"kind": "motie", "title": "M"},
            headers=services.auth("desk"),
        )
        refused(desk, 403, "mag dit niet")
        page.headers.update(services.auth("chair"))
        assert (await add(page, meeting, **MOTION)).status_code == 200
        assert len(await votes(page, meeting)) == 1

    async def test_an_unknown_meeting(self, page: httpx.AsyncClient) -> None:
        missing = await page.get("/agenda/geen-vergadering", headers={"HX-Request": ""})
        assert missing.status_code == 404
        assert "bestaat niet" in missing.text


class TestImport:
    async def test_an_agenda_file_with_links(self, page: httpx.AsyncClient, meeting: str) -> None:
        csv = (
            "soort;titel;agendapunt;wijzigt;opties\n"
            "amendement;Amendement B;5a;Motie klimaatadaptatie;\n"
            "motie;Motie klimaatadaptatie;5;;\n"
            "verkiezing;Verkiezing penningmeester;6;;1=Jansen|2=De Vries\n"
            "amendement;Wees;7;Bestaat niet;\n"
        )
        done = await page.post(
            f"/agenda/{meeting}/import",
            files={"agenda": ("agenda.csv", csv.encode(), "text/csv")},
        )
        assert done.status_code == 200, done.text
        assert "4 regels gelezen: 3 stemmingen voorbereid, 1 overgeslagen" in done.text
        assert "is geen titel of agendapunt" in done.text
        assert "stemt vóór motie" in done.text
        made = await votes(page, meeting)
        assert made[0]["amends_vote_id"] == made[1]["id"]
        empty = await page.post(f"/agenda/{meeting}/import", data={"x": "1"})
        refused(empty, 422, "Kies een agendabestand")
