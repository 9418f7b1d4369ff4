"""Pull the raster images out of a PDF, for tests that decode an embedded barcode.

No PDF library is installed, and a page cannot be rasterised without one; but
the images a PDF embeds are plain streams. This reads the image XObjects that
reportlab writes (DeviceRGB or DeviceGray, 8 bits, ASCII85 and/or Flate) and
nothing more general: it is a test helper, not a PDF parser.
"""

from __future__ import annotations

import base64
import re
import zlib

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
