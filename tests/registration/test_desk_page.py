"""The stembalie page in headless Chromium, driven the way a USB scanner drives it:
typed characters and Enter into the focused input (``tests/support/hall.py``)."""

from __future__ import annotations

import anyio
import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.browser import launched_chromium
from tests.support.builders import make_meeting
from tests.support.hall import (
    back_to_desk,
    open_desk,
    print_stempas,
    register_without_barcode,
    return_at_desk,
    scan,
    screenshot,
    swap_at_desk,
)
from tests.support.people import person_context

pytestmark = [pytest.mark.db]

TIMEOUT_MS = 10_000


async def prepared_meeting(base_url: str, admin: str) -> tuple[str, dict[str, str]]:
    """A meeting of four members with their cards, GM0014's reissued."""
    code = unique_meeting_code()
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        cards = await make_meeting(client, admin=admin, code=code)
        reissued = await client.post(
            f"/api/meetings/{code}/members/GM0014/card/reissue",
            json={"reason": "kwijt"},
            headers=as_caller(admin),
        )
        assert reissued.status_code == 200, reissued.text
    return code, cards


def test_the_whole_desk_flow(
    base_url: str, token_values: dict[str, str], database_urls: dict[str, str]
) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        code, cards = anyio.run(prepared_meeting, base_url, token_values["secretariat"])
        with launched_chromium() as browser:
            context = person_context(
                browser,
                base_url,
                database_urls["registration"],
                "desk",
                viewport={"width": 1280, "height": 900},
            )
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            open_desk(page, base_url, code)
            expect(page.get_by_test_id("total-members")).to_have_text("4")
            problem = page.locator("#problem")

            # 1 + 2: scan the card, then the handset label: the stempas.
            scan(page, cards["GM0363"])
            expect(page.get_by_test_id("member-name")).to_have_text("Amsterdam (GM0363)")
            expect(page.get_by_test_id("member-weight")).to_have_text("75")
            expect(page.get_by_test_id("member-status")).to_have_text("niet aangemeld")
            scan(page, "004711")
            expect(page.get_by_test_id("stempas-name")).to_have_text("Amsterdam")
            expect(page.get_by_test_id("stempas-weight")).to_have_text("75")
            expect(page.get_by_test_id("stempas-handset")).to_have_text("004711")
            expect(page.get_by_test_id("present-members")).to_have_text("1")
            expect(page.get_by_test_id("present-weight")).to_have_text("75")
            print_stempas(page, "Amsterdam")
            expect(page.locator("header.site")).to_be_hidden()
            screenshot(page, "desk-stempas-print")
            back_to_desk(page)

            # Refusal: not a stemkaart at all; the input is ready for the next scan.
            scan(page, "hallo")
            expect(problem).to_contain_text("Dit is geen stemkaartcode")
            expect(page.get_by_test_id("scan")).to_have_value("")

            # Refusal: a card replaced by a re-issued one.
            scan(page, cards["GM0014"])
            expect(problem).to_contain_text("vervangen door een nieuwe")

            # Refusal: a handset already bound to another municipality ...
            scan(page, cards["GM0344"])
            expect(page.get_by_test_id("member-name")).to_have_text("Utrecht (GM0344)")
            scan(page, "004711")
            expect(problem).to_contain_text("Stemkastje 004711 is al gekoppeld aan Amsterdam")
            expect(page.get_by_test_id("present-members")).to_have_text("1")
            # ... and the officer takes another handset for the same card: nothing was lost.
            expect(page.get_by_test_id("form-handset")).to_be_visible()
            scan(page, "000344")
            expect(page.get_by_test_id("stempas-name")).to_have_text("Utrecht")
            expect(problem).to_be_empty()

            # Refusal: the same card twice.
            scan(page, cards["GM0363"])
            expect(problem).to_contain_text("Amsterdam is al aangemeld")
            expect(problem).to_contain_text("004711")

            # 4: a broken handset is swapped; the new one takes over the binding.
            swap_at_desk(page, base_url, code, old="004711", new="004712")
            # 3: a delegate leaves and hands the handset back.
            return_at_desk(page, base_url, code, scanned="004712")
            expect(page.get_by_test_id("desk-message")).to_have_text(
                "Stemkastje 004712 van Amsterdam is ingenomen."
            )
            expect(page.get_by_test_id("present-members")).to_have_text("1")

            # 5: a forgotten card: by name, the officer confirms, then the handset.
            register_without_barcode(
                page,
                base_url,
                code,
                name="schier",
                member="GM0088",
                officer="J. de Vries",
                handset="000088",
            )
            expect(page.get_by_test_id("present-members")).to_have_text("2")
            expect(page.get_by_test_id("present-weight")).to_have_text("76")
            expect(page.get_by_test_id("recent")).to_contain_text("stemkaart vergeten, J. de Vries")
            screenshot(page, "desk")
            context.close()

        audit = client.get(
            f"/api/meetings/{code}/audit", headers=as_caller(token_values["auditor"])
        ).json()
        assert [e["action"] for e in audit if e["action"].startswith("handset.")] == [
            "handset.bound",
            "handset.bound",
            "handset.swapped",
            "handset.returned",
            "handset.bound_without_card",
        ]
        assert audit[-1]["details"]["officer"] == "J. de Vries"
        electorate = client.get(
            f"/api/meetings/{code}/electorate", headers=as_caller(token_values["chair"])
        ).json()
        assert [(m["code"], m["handset"]) for m in electorate["members"]] == [
            ("GM0088", "000088"),
            ("GM0344", "000344"),
        ]
