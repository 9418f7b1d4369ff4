"""The stembalie page in headless Chromium, driven the way a USB scanner drives it:
typed characters and Enter into the always-focused input."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import unique_meeting_code
from tests.support.accounts import log_in_page
from tests.support.apps import as_caller
from tests.support.browser import artifact_path, chromium_launch_kwargs
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]

TIMEOUT_MS = 5000


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        yield http


async def test_the_whole_desk_flow(
    base_url: str, client: httpx.AsyncClient, token_values: dict[str, str]
) -> None:
    launch = chromium_launch_kwargs()
    from playwright.async_api import async_playwright, expect

    code = unique_meeting_code()
    cards = await make_meeting(client, admin=token_values["secretariat"], code=code)
    reissued = await client.post(
        f"/api/meetings/{code}/members/GM0014/card/reissue",
        json={"reason": "kwijt"},
        headers=as_caller(token_values["secretariat"]),
    )
    assert reissued.status_code == 200

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        # The officer logs in with an own account; nothing is typed into the desk page.
        await log_in_page(page, base_url, "desk")
        await page.goto(f"{base_url}/desk/{code}")
        await expect(page.locator("#scan")).to_be_focused()
        await expect(page.locator("#total-members")).to_have_text("4")

        message = page.locator("#message")

        async def scanner(text: str) -> None:
            await page.keyboard.type(text)
            await page.keyboard.press("Enter")

        # 1 + 2: scan the card, then the handset label: the stempas.
        await scanner(cards["GM0363"])
        await expect(page.locator("#member-name")).to_have_text("Amsterdam (GM0363)")
        await expect(page.locator("#member-weight")).to_have_text("75")
        await expect(page.locator("#member-status")).to_have_text("niet aangemeld")
        await scanner("004711")
        await expect(page.locator("#stempas")).to_be_visible()
        await expect(page.locator("#stempas-name")).to_have_text("Amsterdam")
        await expect(page.locator("#stempas-weight")).to_have_text("75")
        await expect(page.locator("#stempas-handset")).to_have_text("004711")
        await expect(page.locator("#present-members")).to_have_text("1")
        await expect(page.locator("#present-weight")).to_have_text("75")

        # Refusal: not a stemkaart at all.
        await scanner("hallo")
        await expect(message).to_have_class("error")
        await expect(message).to_contain_text("Dit is geen stemkaartcode")

        # Refusal: a card replaced by a re-issued one.
        await scanner(cards["GM0014"])
        await expect(message).to_contain_text("vervangen door een nieuwe")

        # Refusal: a handset already bound to another municipality.
        await scanner(cards["GM0344"])
        await expect(page.locator("#member-name")).to_have_text("Utrecht (GM0344)")
        await scanner("004711")
        await expect(message).to_have_class("error")
        await expect(message).to_contain_text("Stemkastje 004711 is al gekoppeld aan Amsterdam")
        await expect(page.locator("#present-members")).to_have_text("1")
        # ... and the officer takes another handset: nothing was lost.
        await scanner("000344")
        await expect(page.locator("#stempas-name")).to_have_text("Utrecht")

        # Refusal: the same card twice.
        await scanner(cards["GM0363"])
        await expect(message).to_contain_text("Amsterdam is al aangemeld")
        await expect(message).to_contain_text("004711")

        # Clicking elsewhere never takes the focus from the scanner input.
        await page.click("h1")
        await expect(page.locator("#scan")).to_be_focused()

        # 4: a broken handset is swapped; the new one takes over the binding.
        await page.click("#mode-swap")
        await expect(page.locator("#scan")).to_be_focused()
        await scanner("004711")
        await expect(page.locator("#prompt")).to_contain_text("nieuwe stemkastje voor Amsterdam")
        await scanner("004712")
        await expect(page.locator("#stempas-handset")).to_have_text("004712")

        # 3: a delegate leaves and hands the handset back.
        await page.click("#mode-return")
        await scanner("004712")
        await expect(message).to_have_text("Stemkastje 004712 van Amsterdam is ingenomen.")
        await expect(page.locator("#present-members")).to_have_text("1")
        await expect(page.locator("#present-weight")).to_have_text("75")

        # 5: a forgotten card: by name, the officer confirms, then the handset.
        await page.click("#mode-nocard")
        await scanner("schier")
        await expect(page.locator("#candidates li")).to_have_text(
            ["Schiermonnikoog (GM0088), 1 stem"]
        )
        await scanner("1")
        await scanner("J. de Vries")
        await scanner("000088")
        await expect(page.locator("#stempas-name")).to_have_text("Schiermonnikoog")
        await expect(page.locator("#stempas-handset")).to_have_text("000088")
        await expect(page.locator("#present-members")).to_have_text("2")
        await expect(page.locator("#present-weight")).to_have_text("76")

        await page.screenshot(path=artifact_path("desk.png"), full_page=True)
        await browser.close()

    audit = (
        await client.get(f"/api/meetings/{code}/audit", headers=as_caller(token_values["auditor"]))
    ).json()
    assert [e["action"] for e in audit if e["action"].startswith("handset.")] == [
        "handset.bound",
        "handset.bound",
        "handset.swapped",
        "handset.returned",
        "handset.bound_without_card",
    ]
    assert audit[-1]["details"]["officer"] == "J. de Vries"
    electorate = (
        await client.get(
            f"/api/meetings/{code}/electorate", headers=as_caller(token_values["chair"])
        )
    ).json()
    assert [(m["code"], m["handset"]) for m in electorate["members"]] == [
        ("GM0088", "000088"),
        ("GM0344", "000344"),
    ]
