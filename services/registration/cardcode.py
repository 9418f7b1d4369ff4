"""The payload of a stemkaart's barcode: who it is for, and proof we issued it.

    ALV1.<MEETING>.<MEMBER>.<VERSION>.<TAG>
    ALV1.ALV-2023-12.GM0363.1.5T4GQ2XK7ZB3MNAP

``TAG`` is the first 80 bits of HMAC-SHA256 over the other fields with the
meeting's secret, in base32: a code cannot be guessed or altered without the
secret. ``VERSION`` goes up when a card is re-issued, so the old code can be
refused as revoked rather than as unknown. Only upper-case letters, digits,
``-`` and ``.`` appear, because a USB scanner types the code as keystrokes and
these survive every keyboard layout we met; input is upper-cased and trimmed
before parsing so a scanner with caps-lock quirks still works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

PREFIX = "ALV1"
TAG_BYTES = 10  # 80 bits, above the 64 the commissie asked for
_CODE = re.compile(
    r"ALV1\.(?P<meeting>[A-Z0-9-]{1,32})\.(?P<member>GM[0-9]{4})\.(?P<version>[1-9][0-9]{0,3})"
    r"\.(?P<tag>[A-Z2-7]{16})"
)


class MalformedCardCode(ValueError):
    """The text is not a stemkaart code at all (a typo, another barcode)."""


@dataclass(frozen=True)
class CardClaim:
    """What a code says about itself, before its tag is checked."""

    meeting: str  # lower case, as meeting codes are stored
    member: str
    version: int
    tag: str


def _tag(secret: bytes, meeting: str, member: str, version: int) -> str:
    message = f"{PREFIX}|{meeting.lower()}|{member}|{version}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:TAG_BYTES]
    return base64.b32encode(digest).decode()


def issue(*, secret: bytes, meeting: str, member: str, version: int) -> str:
    return ".".join(
        (PREFIX, meeting.upper(), member, str(version), _tag(secret, meeting, member, version))
    )


def parse(code: str) -> CardClaim:
    match = _CODE.fullmatch(code.strip().upper())
    if match is None:
        raise MalformedCardCode(code)
    return CardClaim(
        meeting=match["meeting"].lower(),
        member=match["member"],
        version=int(match["version"]),
        tag=match["tag"],
    )


def is_authentic(claim: CardClaim, secret: bytes) -> bool:
    expected = _tag(secret, claim.meeting, claim.member, claim.version)
    return hmac.compare_digest(expected, claim.tag)
