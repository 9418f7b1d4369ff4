"""Reading PDFs in tests: pages as pixels and text (pypdfium2), embedded images.

``pages`` and ``texts`` use PDFium (pypdfium2, a dev dependency): a page is
rendered as a printer or viewer would. ``images`` pulls the raster images out
of the streams reportlab writes (DeviceRGB or DeviceGray, 8 bits, ASCII85
and/or Flate), to decode an embedded barcode at its own resolution.
"""

from __future__ import annotations

import base64
import re
import zlib

import pypdfium2
from PIL import Image

_OBJECT = re.compile(rb"<<(?P<dict>.*?)>>\s*stream\r?\n", re.S)


def _number(dictionary: bytes, key: bytes) -> int:
    match = re.search(rb"/" + key + rb"\s+(\d+)", dictionary)
    assert match, f"no /{key.decode()} in image dictionary"
    return int(match.group(1))


def images(pdf: bytes) -> list[Image.Image]:
    found = []
    for match in _OBJECT.finditer(pdf):
        dictionary = match["dict"]
        if b"/Subtype /Image" not in dictionary:
            continue
        start = match.end()
        data = pdf[start : start + _number(dictionary, b"Length")]
        filters = re.findall(rb"/(ASCII85Decode|FlateDecode)", dictionary)
        for name in filters:
            if name == b"ASCII85Decode":
                # reportlab ends the stream with "~>" (Adobe framing), no "<~".
                data = base64.a85decode(data.strip(), adobe=True)
            else:
                data = zlib.decompress(data)
        mode = "RGB" if b"/DeviceRGB" in dictionary else "L"
        size = (_number(dictionary, b"Width"), _number(dictionary, b"Height"))
        found.append(Image.frombytes(mode, size, data))
    return found


def pages(pdf: bytes, *, dpi: int = 100) -> list[Image.Image]:
    """Every page rendered in grey, as a black-and-white printer would see it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document
        ]
    finally:
        document.close()


def texts(pdf: bytes) -> list[str]:
    """The text of every page, as PDFium extracts it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()
