"""The report as a PDF: rendered to pixels with PDFium and checked for its parts."""

from __future__ import annotations

import math
import re

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4

from tests.results.conftest import Services, publish
from tests.support.browser import artifact_path
from tests.support.pdf import pages, texts
from tests.verify.exports import meeting_with_votes

pytestmark = [pytest.mark.anyio, pytest.mark.db]

A4_AT_100_DPI = tuple(math.ceil(side * 100 / 72) for side in A4)


async def report(services: Services, meeting: str) -> bytes:
    response = await services.results.get(f"/record/{meeting}/report.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response.content


def dark_share(image: Image.Image) -> float:
    histogram = image.histogram()
    return sum(histogram[:96]) / (image.width * image.height)


def flat(text: str) -> str:
    """PDFium breaks lines where the page does; compare on single spaces."""
    return re.sub(r"\s+", " ", text)


class TestReportPdf:
    async def test_every_part_is_there_once_published(
        self, services: Services, meeting_code: str
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        pdf = await report(services, meeting_code)
        artifact_path("report-sample.pdf").write_bytes(pdf)
        rendered = pages(pdf)
        for number, page in enumerate(rendered, start=1):
            assert page.size == A4_AT_100_DPI
            page.save(artifact_path(f"report-sample-page-{number}.png"))
        text = flat(" ".join(texts(pdf)))
        document = (await services.results.get(f"/api/meetings/{meeting_code}/export.json")).json()
        head = document["chain"]["head"]
        # The meeting, the decisions and attendance.
        assert "Verslag van de stemmingen" in text
        assert f"ALV 1 december 2023, vrijdag 1 december 2023 ({meeting_code})" in text
        assert "Besluiten" in text and "Aanwezigheid" in text
        assert "aanwezig: stemmen" in text and "aanwezig: gemeenten" in text
        # Each vote with its times, decision, chart numbers and chain link.
        assert "1. Motie X hoofdelijke stemming" in text
        assert "3. Ordevoorstel: Ordevoorstel" not in text and "3. Ordevoorstel" in text
        assert re.search(r"geopend \d\d:\d\d:\d\d · gesloten \d\d:\d\d:\d\d", text)
        assert "De motie is aangenomen met 98,68% van de stemmen." in text
        assert "75 stemmen · 1 gem. · 98,68%" in text  # beside the voor bar
        assert "1 stem · 1 gem. · 1,32%" in text
        assert "75 stemmen · 1 gem. · telt niet mee" in text  # onthouding
        assert "Deze stemming is nietig verklaard: storing in zaal B." in text
        assert "bij acclamatie, zonder stemming" in text
        for link in document["votes"]:
            assert f"schakel {link['sequence']}: {link['hash']}" in text
        # The stemgedrag table of the named votes, now published.
        assert "Stemgedrag per gemeente" in text
        assert "gemeente st. 1 3 4†" in text  # 4 was annulled
        assert "Amsterdam 75 V 2 T" in text  # voor, optie 2, tegen
        assert "Groningen 75 – – –" in text
        assert "Schiermonnikoog 1 T 1 –" in text
        # The chain and the signature block with the head.
        assert "Keten van uitslagen" in text
        assert f"kop van de keten: {head}" in text
        assert "Ondertekening door de commissie van stemopneming" in text
        assert text.count("Lid") == 3 and "Voorzitter" in text
        assert votes["secret"] in {v["vote_id"] for v in document["votes"]}
        # Pixels: the charts are drawn (solid bars, hatching), in grey only.
        assert all(page.mode == "L" for page in rendered)
        assert max(dark_share(page) for page in rendered) > 0.01

    async def test_before_publication_no_stemgedrag(
        self, services: Services, meeting_code: str
    ) -> None:
        await meeting_with_votes(services, meeting_code)
        text = flat(" ".join(texts(await report(services, meeting_code))))
        assert "Stemgedrag per gemeente: nog niet gepubliceerd." in text
        assert "wordt na de vergadering gepubliceerd" in text
        for name in ("Amsterdam", "Schiermonnikoog", "Utrecht", "Groningen"):
            assert name not in text
        assert "De motie is aangenomen met 98,68% van de stemmen." in text

    async def test_empty_meeting_still_has_the_signature_block(
        self, services: Services, meeting_code: str
    ) -> None:
        text = flat(" ".join(texts(await report(services, meeting_code))))
        assert "Er zijn nog geen stemmingen afgerond." in text
        assert "kop van de keten: –" in text
