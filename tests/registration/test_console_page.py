"""The secretariat's console: meetings, members, populations, contacts, cards.

Every action through the page routes as htmx sends it (forms, uploads); each
answer is a fragment, a refusal is shown in Dutch and changes nothing.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest

from tests.registration.conftest import CBS, REFUSED
from tests.support.apps import as_caller, assert_problem
from tests.support.builders import SMALL_MEMBERS
from tests.support.smtp import RecordingHandler

pytestmark = [pytest.mark.anyio, pytest.mark.db]

HTMX = {"HX-Request": "true"}
CONTACTS = (
    "code,name,email\n"
    "GM0363,A. Amsterdam,secretaris@amsterdam.example\n"
    "GM0088,S. Schiermonnikoog,secretaris@schiermonnikoog.example\n"
    f"GM0344,U. Utrecht,{REFUSED}\n"
    "GM0014,G. Groningen,secretaris@groningen.example\n"
    "GM9999,Niemand,niemand@example.nl\n"
    "GM0015,Fout,geen-adres\n"
)


@pytest.fixture
def client(mailing: httpx.AsyncClient, token_values: dict[str, str]) -> httpx.AsyncClient:
    """The secretariat's browser, as htmx posts the console's forms."""
    mailing.headers.update({**HTMX, **as_caller(token_values["secretariat"])})
    return mailing


async def create(client: httpx.AsyncClient, code: str, date: str = "2024-06-12") -> None:
    response = await client.post(
        "/console/meetings", data={"code": code, "name": "ALV juni 2024", "date": date}
    )
    assert response.status_code == 200, response.text
    assert response.headers["HX-Redirect"] == f"/console/{code}"


def upload(name: str, text: str, field: str = "csv") -> dict[str, Any]:
    return {field: (name, text.encode(), "text/csv")}


async def members(client: httpx.AsyncClient, code: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/meetings/{code}/members")
    return list(response.json())


def refused(response: httpx.Response, status: int, text: str) -> None:
    """A refusal as htmx shows it: a Dutch fragment for the layout's problem area."""
    assert response.status_code == status, response.text
    assert response.headers["HX-Retarget"] == "#problem"
    assert 'data-testid="problem"' in response.text
    assert text in response.text, response.text


class TestMeetings:
    async def test_created_with_the_reference_date_it_implies(
        self, client: httpx.AsyncClient, meeting_code: str
    ) -> None:
        hint = await client.get("/console/peildatum", params={"date": "2024-06-12"})
        assert "1 januari 2023" in hint.text
        unread = await client.get("/console/peildatum", params={"date": "12 juni"})
        assert "1 januari van het jaar vóór de vergadering" in unread.text
        long = await client.get("/console/peildatum", params={"date": "2" * 11})
        assert long.status_code == 422
        await create(client, meeting_code)
        page = await client.get(f"/console/{meeting_code}", headers={"HX-Request": ""})
        assert page.status_code == 200
        assert '<html lang="nl">' in page.text
        assert "ALV juni 2024" in page.text
        assert "1 januari 2023" in page.text
        assert f"/agenda/{meeting_code}" in page.text
        assert f"/record/{meeting_code}/publicatie" in page.text
        index = await client.get("/console", headers={"HX-Request": ""})
        assert f'href="/console/{meeting_code}"' in index.text
        missing = await client.get(
            "/console/geen-vergadering", headers={"HX-Request": "", "Accept": "text/html"}
        )
        assert missing.status_code == 404
        assert "Vergadering &#39;geen-vergadering&#39; bestaat niet." in missing.text

    async def test_refusals_in_dutch_change_nothing(
        self, client: httpx.AsyncClient, meeting_code: str
    ) -> None:
        bad = await client.post(
            "/console/meetings", data={"code": "ALV 2024", "name": "", "date": "2024-13-01"}
        )
        refused(bad, 422, "de code is 2 tot 32 tekens")
        assert "vul een naam in" in bad.text
        assert "vul een datum in" in bad.text
        await create(client, meeting_code)
        again = await client.post(
            "/console/meetings", data={"code": meeting_code, "name": "Anders", "date": "2025-01-01"}
        )
        refused(again, 409, "bestaat al")
        meeting = (await client.get(f"/api/meetings/{meeting_code}")).json()
        assert meeting["name"] == "ALV juni 2024"

    async def test_only_for_the_secretariat(
        self, client: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
    ) -> None:
        without_token = await client.post(
            "/console/meetings",
            data={"code": meeting_code, "name": "ALV", "date": "2024-06-12"},
            headers={"X-CSRF-Token": ""},
        )
        refused(without_token, 403, "")
        del client.headers["Cookie"]
        anonymous = await client.get("/console", headers={"HX-Request": ""})
        assert anonymous.status_code == 303
        assert "/login?next=" in anonymous.headers["location"]
        desk = await client.post(
            "/console/meetings",
            data={"code": meeting_code, "name": "ALV", "date": "2024-06-12"},
            headers=as_caller(token_values["desk"]),
        )
        refused(desk, 403, "mag dit niet")
        assert (await client.get(f"/api/meetings/{meeting_code}")).status_code == 404


class TestMembers:
    async def test_preview_stores_nothing_then_confirm_imports(
        self, client: httpx.AsyncClient, meeting_code: str
    ) -> None:
        await create(client, meeting_code, date="2023-12-01")
        csv = SMALL_MEMBERS + "GM12,Kapot,100\nGM0014,Dubbel,5\n"
        preview = await client.post(
            f"/console/{meeting_code}/members/preview", files=upload("leden.csv", csv)
        )
        assert preview.status_code == 200, preview.text
        assert 'data-dry-run="true"' in preview.text
        assert "Voorbeeld: er is nog niets opgeslagen" in preview.text
        assert "ongeldige gemeentecode" in preview.text
        assert "GM0014 staat dubbel in het bestand" in preview.text
        assert "Amsterdam" in preview.text and "leden.csv" in preview.text
        assert await members(client, meeting_code) == []
        done = await client.post(
            f"/console/{meeting_code}/members/import", files=upload("leden.csv", csv)
        )
        assert done.status_code == 200
        assert 'data-testid="members-imported"' in done.text
        assert 'id="status" aria-labelledby="status-heading" hx-swap-oob="true"' in done.text
        assert [m["code"] for m in await members(client, meeting_code)] == [
            "GM0363",
            "GM0014",
            "GM0088",
            "GM0344",
        ]

    async def test_nothing_to_import_is_refused(
        self, client: httpx.AsyncClient, meeting_code: str
    ) -> None:
        await create(client, meeting_code)
        none = await client.post(f"/console/{meeting_code}/members/preview", data={"x": "1"})
        refused(none, 422, "Kies een CSV-bestand")
        bad = await client.post(
            f"/console/{meeting_code}/members/import", files=upload("x.csv", "a,b\n1,2\n")
        )
        refused(bad, 422, "kolommen ontbreken")
        assert await members(client, meeting_code) == []

    async def test_cbs_open_data_and_the_population_of_a_merger(
        self, client: httpx.AsyncClient, meeting_code: str
    ) -> None:
        # A meeting in 2023 weighs by 1 January 2022, when Voorne aan Zee did not exist yet.
        await create(client, meeting_code, date="2023-12-01")
        folder = CBS / "cbs-odata-03759ned"
        files = {
            name: (f"{doc}.json", (folder / f"{doc}.json").read_bytes(), "application/json")
            for name, doc in (("observations", "Observations"), ("regions", "RegioSCodes"))
        }
        preview = await client.post(f"/console/{meeting_code}/members/preview", files=files)
        assert preview.status_code == 200, preview.text
        assert "CBS-periode 2022JJ00" in preview.text
        done = await client.post(f"/console/{meeting_code}/members/import", files=files)
        assert 'data-testid="population-GM1992"' in done.text
        no_cards = await client.post(f"/console/{meeting_code}/cards")
        refused(no_cards, 409, "Voorne aan Zee")
        wrong = await client.post(
            f"/console/{meeting_code}/members/GM1992/population",
            data={"population": "zeventig", "source": "CBS"},
        )
        refused(wrong, 422, "geheel getal")
        supplied = await client.post(
            f"/console/{meeting_code}/members/GM1992/population",
            data={"population": "70.123", "source": "CBS StatLine, grenzen 2023"},
        )
        assert supplied.status_code == 200, supplied.text
        assert 'data-testid="populations-complete"' in supplied.text
        assert "Voorne aan Zee heeft nu 70 stemmen" in supplied.text
        member = next(m for m in await members(client, meeting_code) if m["code"] == "GM1992")
        assert (member["population"], member["weight"]) == (70_123, 70)
        assert member["population_source"] == "CBS StatLine, grenzen 2023"


class TestCards:
    async def test_contacts_then_cards_mailed_in_batches_with_the_log(
        self,
        client: httpx.AsyncClient,
        meeting_code: str,
        smtp: tuple[int, RecordingHandler],
    ) -> None:
        await create(client, meeting_code, date="2023-12-01")
        await client.post(
            f"/console/{meeting_code}/members/import", files=upload("l.csv", SMALL_MEMBERS)
        )
        contacts = await client.post(
            f"/console/{meeting_code}/contacts", files=upload("c.csv", CONTACTS, "contacts")
        )
        assert contacts.status_code == 200, contacts.text
        assert "4 gemeenten bijgewerkt" in contacts.text
        assert "GM9999 is geen lid van deze vergadering" in contacts.text
        assert "GM0015: &#39;geen-adres&#39; is geen geldig e-mailadres" in contacts.text
        issued = await client.post(f"/console/{meeting_code}/cards")
        assert "4 nieuwe stemkaarten gemaakt" in issued.text
        sent = await client.post(f"/console/{meeting_code}/cards/send", data={"mode": "unsent"})
        assert sent.status_code == 200, sent.text
        assert 'data-done="true"' in sent.text
        assert "4 van 4 geprobeerd: 3 verstuurd, 1 mislukt" in sent.text
        assert len(smtp[1].wait_for(3)) == 3
        assert 'data-testid="failed-mails"' in sent.text and REFUSED in sent.text
        # The refused address corrected: only the failed one is sent again.
        fixed = CONTACTS.replace(REFUSED, "secretaris@utrecht.example")
        await client.post(
            f"/console/{meeting_code}/contacts", files=upload("c.csv", fixed, "contacts")
        )
        again = await client.post(f"/console/{meeting_code}/cards/send", data={"mode": "failed"})
        assert "1 van 1 geprobeerd: 1 verstuurd, 0 mislukt" in again.text
        assert len(smtp[1].wait_for(4)) == 4
        assert 'data-testid="failed-mails"' not in again.text

    async def test_a_second_run_while_one_is_sending_is_refused_and_no_card_goes_twice(
        self, client: httpx.AsyncClient, meeting_code: str, smtp: tuple[int, RecordingHandler]
    ) -> None:
        """Two tabs (or two secretaries) start mailing one meeting at once."""
        _, handler = smtp
        await create(client, meeting_code, date="2023-12-01")
        await client.post(
            f"/console/{meeting_code}/members/import", files=upload("l.csv", SMALL_MEMBERS)
        )
        await client.post(
            f"/console/{meeting_code}/contacts", files=upload("c.csv", CONTACTS, "contacts")
        )
        await client.post(f"/console/{meeting_code}/cards")
        send = f"/console/{meeting_code}/cards/send"
        first: list[httpx.Response] = []

        async def first_tab() -> None:
            first.append(await client.post(send, data={"mode": "unsent"}))

        async with anyio.create_task_group() as group:
            with handler.held():
                group.start_soon(first_tab)
                # The first run is mid-send: its first mail waits at the server.
                assert await anyio.to_thread.run_sync(handler.holding.wait, 10.0)
                refused(await client.post(send, data={"mode": "unsent"}), 409, "al stemkaarten")
                api = await client.post(
                    f"/api/meetings/{meeting_code}/cards/send",
                    json={"skip_sent": True},
                    headers={"HX-Request": ""},
                )
                assert_problem(api, 409, "mailing_busy")
            # Leaving ``held`` lets the first run's mails through; the group waits for it.
        assert "4 van 4 geprobeerd: 3 verstuurd, 1 mislukt" in first[0].text
        recipients = [m["To"] for m in handler.wait_for(3)]
        assert sorted(recipients) == sorted(set(recipients)) and len(recipients) == 3
        # The run is over: the next one may start, and tries only the refused address.
        again = await client.post(send, data={"mode": "unsent"})
        assert "1 van 1 geprobeerd: 0 verstuurd, 1 mislukt" in again.text
        assert len(handler.messages) == 3

    async def test_a_run_goes_on_batch_by_batch(
        self, client: httpx.AsyncClient, meeting_code: str, smtp: tuple[int, RecordingHandler]
    ) -> None:
        from services.registration import console

        many = "code,name,population\n" + "".join(
            f"GM{n:04d},Gemeente {n},{n * 1000}\n" for n in range(1, console.SEND_BATCH + 3)
        )
        contacts = "code,name,email\n" + "".join(
            f"GM{n:04d},S {n},s{n}@example.nl\n" for n in range(1, console.SEND_BATCH + 3)
        )
        await create(client, meeting_code, date="2023-12-01")
        await client.post(f"/console/{meeting_code}/members/import", files=upload("l.csv", many))
        await client.post(
            f"/console/{meeting_code}/contacts", files=upload("c.csv", contacts, "contacts")
        )
        await client.post(f"/console/{meeting_code}/cards")
        first = await client.post(f"/console/{meeting_code}/cards/send", data={"mode": "unsent"})
        assert 'data-done="false"' in first.text
        assert f"{console.SEND_BATCH} van {console.SEND_BATCH + 2} geprobeerd" in first.text
        assert 'hx-trigger="load"' in first.text
        started = first.text.split('"started": "')[1].split('"')[0]
        rest = await client.post(
            f"/console/{meeting_code}/cards/send", data={"mode": "unsent", "started": started}
        )
        assert 'data-done="true"' in rest.text
        total = console.SEND_BATCH + 2
        assert f"{total} van {total} geprobeerd: {total} verstuurd" in rest.text
        assert len(smtp[1].wait_for(total)) == total
        future = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).isoformat()
        refused(
            await client.post(
                f"/console/{meeting_code}/cards/send", data={"mode": "unsent", "started": future}
            ),
            422,
            "verzendronde",
        )

    async def test_reissue_a_card(self, client: httpx.AsyncClient, meeting_code: str) -> None:
        await create(client, meeting_code, date="2023-12-01")
        await client.post(
            f"/console/{meeting_code}/members/import", files=upload("l.csv", SMALL_MEMBERS)
        )
        await client.post(f"/console/{meeting_code}/cards")
        short = await client.post(
            f"/console/{meeting_code}/cards/reissue", data={"member": "GM0363", "reason": "x"}
        )
        refused(short, 422, "geef een reden")
        done = await client.post(
            f"/console/{meeting_code}/cards/reissue", data={"member": "gm0363", "reason": "kwijt"}
        )
        assert done.status_code == 200, done.text
        assert "Amsterdam (GM0363) heeft een nieuwe stemkaart, versie 2" in done.text
        cards = (await client.get(f"/api/meetings/{meeting_code}/cards")).json()
        assert {c["member"]: c["version"] for c in cards}["GM0363"] == 2
        unknown = await client.post(
            f"/console/{meeting_code}/cards/reissue", data={"member": "GM0001", "reason": "kwijt"}
        )
        refused(unknown, 404, "geen lid")
        assert json.dumps(cards) == json.dumps(
            (await client.get(f"/api/meetings/{meeting_code}/cards")).json()
        )
