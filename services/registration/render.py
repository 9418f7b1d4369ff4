"""The stemkaart as a picture: PNG for screens, PDF (A4) to print or show on a phone.

Values in, bytes out: no database, no FastAPI. The barcode is Code 128 (every
handheld scanner reads it) of the card code, at 3 pixels per module at 300 dpi;
the PDF embeds that very barcode image, 19 cm wide, so the bars are 0.37 mm
on paper and still several screen pixels wide on a phone showing the page
fit-to-width.
"""

from __future__ import annotations

import datetime
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import barcode
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from services.common.labels import dutch_date

DPI = 300
MODULE_MM = 0.254  # 3 pixels at 300 dpi

INSTRUCTIONS = (
    "Neem deze stemkaart mee naar de algemene ledenvergadering: geprint of op uw telefoon. "
    "Bij de stembalie scannen wij de barcode. De vertegenwoordiger van de gemeente krijgt dan "
    "een stemkastje en een stempas met het aantal stemmen. Alleen wie in de zaal aanwezig is, "
    "stemt, en alleen voor de eigen gemeente. Verloren of bij de verkeerde persoon beland? "
    "Vraag een nieuwe stemkaart aan; de oude werkt dan niet meer."
)


@dataclass(frozen=True)
class CardFace:
    """Everything printed on a stemkaart."""

    meeting_name: str
    meeting_date: datetime.date
    member_name: str
    member_code: str
    weight: int
    code: str
    version: int


@functools.lru_cache(maxsize=8)
def _font(points: int) -> ImageFont.FreeTypeFont:
    # Names like Súdwest-Fryslân need a font with accents: DejaVu from the
    # system, else the DejaVu Sans Mono python-barcode ships with itself.
    size = round(points * DPI / 72)
    bundled = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"
    for candidate in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.truetype(str(bundled), size)


def _lines(face: CardFace) -> list[tuple[str, int]]:
    """(text, font size in points) from the top of the card down to the barcode."""
    lines = [
        ("Stemkaart", 28),
        (face.meeting_name, 16),
        (dutch_date(face.meeting_date), 16),
        (f"Gemeente: {face.member_name} ({face.member_code})", 20),
        (f"Aantal stemmen: {face.weight}", 20),
    ]
    if face.version > 1:
        lines.append(
            (f"Vervangende kaart (versie {face.version}); eerdere versies gelden niet.", 12)
        )
    return lines


def barcode_image(code: str) -> Image.Image:
    """Code 128 of ``code`` with the human-readable text under the bars."""
    symbol = barcode.Code128(code, writer=ImageWriter())
    image: Image.Image = symbol.render(
        {
            "module_width": MODULE_MM,
            "module_height": 18.0,
            "quiet_zone": 10 * MODULE_MM,
            "dpi": DPI,
            "font_size": 11,
            "text_distance": 4.0,
        }
    )
    return image.convert("RGB")


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def render_png(face: CardFace) -> bytes:
    bars = barcode_image(face.code)
    margin = 60
    width = max(1800, bars.width + 2 * margin)
    canvas = Image.new("L", (width, 1600), "white")
    draw = ImageDraw.Draw(canvas)
    y = margin
    for text, size in _lines(face):
        font = _font(size)
        draw.text((margin, y), text, fill="black", font=font)
        y += int(font.size * 1.4)
    y += 20
    canvas.paste(bars.convert("L"), ((width - bars.width) // 2, y))
    y += bars.height + 40
    small = _font(9)
    for line in _wrap(draw, INSTRUCTIONS, small, width - 2 * margin):
        draw.text((margin, y), line, fill="black", font=small)
        y += int(small.size * 1.35)
    output = io.BytesIO()
    canvas.crop((0, 0, width, y + margin)).save(output, format="PNG", dpi=(DPI, DPI))
    return output.getvalue()


def render_pdf(face: CardFace) -> bytes:
    output = io.BytesIO()
    page_width, page_height = A4
    pdf = Canvas(output, pagesize=A4)
    pdf.setTitle(f"Stemkaart {face.member_name} - {face.meeting_name}")
    pdf.setAuthor("VNG - ALV Stemsysteem")
    margin = 10 * mm
    y = page_height - 25 * mm
    for text, size in _lines(face):
        pdf.setFont("Helvetica-Bold" if size >= 20 else "Helvetica", size)
        pdf.drawString(margin + 5 * mm, y, text)
        y -= size * 1.5
    bars = barcode_image(face.code)
    width = page_width - 2 * margin
    height = width * bars.height / bars.width
    y -= height + 5 * mm
    pdf.drawImage(ImageReader(bars), margin, y, width=width, height=height)
    y -= 12 * mm
    pdf.setFont("Helvetica", 11)
    for line in simpleSplit(INSTRUCTIONS, "Helvetica", 11, width - 10 * mm):
        pdf.drawString(margin + 5 * mm, y, line)
        y -= 15
    pdf.showPage()
    pdf.save()
    return output.getvalue()
