"""Stemkaarten: rendering that scanners read, re-issuing a lost card."""

from __future__ import annotations

import datetime
import io

import httpx
import pytest
import zxingcpp
from PIL import Image

from services.common.labels import dutch_date
from services.registration.render import CardFace, render_pdf, render_png
from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.builders import make_meeting
from tests.support.pdf import images


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


FACE = CardFace(
    meeting_name="ALV 1 december 2023",
    meeting_date=datetime.date(2023, 12, 1),
    member_name="Súdwest-Fryslân",
    member_code="GM1900",
    weight=75,
    code="ALV1.ALV-2023-12.GM1900.2.5T4GQ2XK7ZB3MNAP",
    version=2,
)


class TestRender:
    def test_png_barcode_decodes_to_the_code(self) -> None:
        image = Image.open(io.BytesIO(render_png(FACE)))
        assert decode(image) == [FACE.code]

    def test_pdf_is_one_a4_page_with_the_barcode_and_its_text(self) -> None:
        pdf = render_pdf(FACE)
        assert pdf.startswith(b"%PDF")
        assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf
        assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
        [barcode] = images(pdf)
        assert decode(barcode) == [FACE.code]

    def test_dutch_date(self) -> None:
        assert dutch_date(datetime.date(2023, 12, 1)) == "vrijdag 1 december 2023"


@pytest.mark.anyio
@pytest.mark.db
class TestCardEndpoints:
    async def test_png_and_pdf_per_member(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        cards = await make_meeting(registration, admin=token_values["secretariat"], code=code)
        admin = as_caller(token_values["secretariat"])
        png = await registration.get(f"/api/meetings/{code}/members/GM0088/card.png", headers=admin)
        assert png.headers["content-type"] == "image/png"
        assert decode(Image.open(io.BytesIO(png.content))) == [cards["GM0088"]]
        pdf = await registration.get(f"/api/meetings/{code}/members/GM0088/card.pdf", headers=admin)
        assert pdf.headers["content-type"] == "application/pdf"
        assert decode(images(pdf.content)[0]) == [cards["GM0088"]]

    async def test_refusals(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration, admin=token_values["secretariat"], code=code, issue_cards=False
        )
        admin = as_caller(token_values["secretariat"])
        base = f"/api/meetings/{code}/members"
        response = await registration.get(f"{base}/GM0088/card.png", headers=admin)
        assert (response.status_code, response.json()["code"]) == (404, "no_card")
        response = await registration.get(f"{base}/GM0088/card.gif", headers=admin)
        assert response.status_code == 422
        response = await registration.get(
            f"{base}/GM0088/card.png", headers=as_caller(token_values["desk"])
        )
        assert response.status_code == 403


@pytest.mark.anyio
@pytest.mark.db
class TestReissue:
    async def test_old_code_revoked_new_code_works_both_audited(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        cards = await make_meeting(registration, admin=token_values["secretariat"], code=code)
        response = await registration.post(
            f"/api/meetings/{code}/members/GM0363/card/reissue",
            json={"reason": "naar de verkeerde persoon gemaild"},
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 200, response.text
        new = response.json()
        assert (new["member"], new["version"]) == ("GM0363", 2)
        assert new["code"] != cards["GM0363"]
        desk = as_caller(token_values["desk"])
        old = await registration.post(
            f"/api/meetings/{code}/desk/scan", json={"card_code": cards["GM0363"]}, headers=desk
        )
        assert (old.status_code, old.json()["code"]) == (409, "card_revoked")
        assert "vervangen" in old.json()["detail"]
        scanned = await registration.post(
            f"/api/meetings/{code}/desk/scan", json={"card_code": new["code"]}, headers=desk
        )
        assert scanned.status_code == 200
        audit = (
            await registration.get(
                f"/api/meetings/{code}/audit", headers=as_caller(token_values["auditor"])
            )
        ).json()
        assert [(e["action"], e["member_code"], e["details"]["version"]) for e in audit[-2:]] == [
            ("card.revoked", "GM0363", 1),
            ("card.reissued", "GM0363", 2),
        ]
        assert audit[-2]["details"]["reason"] == "naar de verkeerde persoon gemaild"
        listed = (
            await registration.get(
                f"/api/meetings/{code}/cards", headers=as_caller(token_values["secretariat"])
            )
        ).json()
        assert next(c for c in listed if c["member"] == "GM0363")["version"] == 2

    async def test_member_without_card(
        self, registration: httpx.AsyncClient, token_values: dict[str, str]
    ) -> None:
        code = unique_meeting_code()
        await make_meeting(
            registration, admin=token_values["secretariat"], code=code, issue_cards=False
        )
        response = await registration.post(
            f"/api/meetings/{code}/members/GM0363/card/reissue",
            json={"reason": "kwijt"},
            headers=as_caller(token_values["secretariat"]),
        )
        assert (response.status_code, response.json()["code"]) == (404, "no_card")
