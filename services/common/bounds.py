"""Bounds on what callers send, each defined once for every service.

A meeting code, a member code, a handset label, a row id and a date each have
one definition here, and every route and schema that takes one uses it.
Digits are ASCII ``[0-9]``: ``\\d``, ``str.isdigit()`` and ``int()`` also take
Arabic-Indic, full-width and superscript digits (PROTOCOL.md 1.1). Patterns
are anchored with ``^...$`` for pydantic and used with ``re.fullmatch`` in
Python, where ``$`` would also match before a trailing newline.

Decisions where the issue was silent:

* **Row ids** are ``Integer`` columns (int4 on PostgreSQL): an id outside
  1..2^31-1 cannot exist and is answered like any id that does not (404),
  before it reaches a query (SQLite overflows above 2^63) or another service.
* **Meeting codes** are 2 to 32 of ``a-z``, ``0-9`` and ``-``, starting with a
  letter or digit: what registration always accepted, and what fits the
  32-character key columns. Upper case is refused, not folded: a code is an
  identifier in URLs, and two spellings of one meeting would be two keys.

What one service sends another (registration's electorate and binding changes
to ballot, ballot's record to results) is checked by the receiver with the
same bounds (``MemberKey``, ``HandsetId``, ``MemberName``, ``Votes``): a value
that breaks them is the sender's fault, answered 502 (``UpstreamFailed``)
before anything is written, not a 500 or a database's refusal halfway.

* **A member as the services exchange it** is 1 to 6 of ``A-Z0-9``, the width
  of every member column. Registration's own codes (``MEMBER_CODE``, stored
  upper case: ``GM0363``) are all of that form; ballot and results take the
  wider form so they run with any registry of that width (a congress numbering
  its members ``M00042``, as the benchmarks' stand-in does, past the 10,000
  codes ``GM`` and 4 digits can name).
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, Field

MAX_ROW_ID = 2**31 - 1
MEETING_CODE = r"^[a-z0-9][a-z0-9-]{1,31}$"
# Either case: the desk types "gm0363" as often as "GM0363"; stored upper case.
MEMBER_CODE = r"^[Gg][Mm][0-9]{4}$"
# A member as stored and sent between services (see the module docstring).
MEMBER_KEY = r"^[A-Z0-9]{1,6}$"
HANDSET = r"^[0-9]{6}$"
# A member's name: what every name column holds.
NAME_LENGTH = 200
# Article 10 of the statutes: at least 1 and at most 75 votes a member
# (registration's weights.py computes them; ballot and results check them).
MIN_VOTES = 1
MAX_VOTES = 75

MeetingCode = Annotated[
    str,
    Path(
        pattern=MEETING_CODE,
        description="De code van de vergadering: 2-32 tekens a-z, 0-9 en '-'.",
        examples=["alv-2023-12"],
    ),
]
MemberCode = Annotated[
    str,
    Path(pattern=MEMBER_CODE, description="CBS-code van de gemeente.", examples=["GM0363"]),
]


def is_row_id(value: int) -> bool:
    """Whether ``value`` can be the id of a row at all (see the module docstring)."""
    return 0 < value <= MAX_ROW_ID


def is_storable(text: str) -> bool:
    """Whether every database we run on can store ``text``: PostgreSQL refuses
    NUL in text, and UTF-8 has no lone surrogates (JSON can write "\\ud800")."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable(text: str) -> str:
    if not is_storable(text):
        raise ValueError("tekst met een NUL-teken of een losse surrogaat kan niet worden bewaard")
    return text


# Free text from a caller (titles, names, reasons): refused here, with a 422,
# rather than by the database, with a 503.
Text = Annotated[str, AfterValidator(_storable)]


def upload_text(body: bytes) -> str:
    """An uploaded file as text (UTF-8, a byte-order mark ignored); ``ValueError``
    for a file with NUL bytes, which no CSV or JSON of ours has."""
    if b"\x00" in body:
        raise ValueError("het bestand bevat NUL-tekens: is het wel tekst (CSV of JSON)?")
    return body.decode("utf-8-sig", errors="replace")


_ISO_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _text_not_number(value: Any) -> Any:
    # pydantic reads a number, or text holding one, as seconds since 1970
    # ("date": 0 is 1 January 1970); a date in our APIs is ISO 8601 text
    # (2023-12-01, 2023-12-01T10:00:00Z), as the schema says.
    if isinstance(value, str) and _ISO_START.match(value):
        return value
    if isinstance(value, datetime.date):  # already a date (Python callers)
        return value
    raise ValueError("verwacht een datum als tekst (ISO 8601: JJJJ-MM-DD), geen getal")


IsoDate = Annotated[datetime.date, BeforeValidator(_text_not_number)]
IsoDateTime = Annotated[datetime.datetime, BeforeValidator(_text_not_number)]


# --- what crosses between the services (see the module docstring) -------------------
# Checked inside pydantic's core, no Python call per value: an electorate or a
# record holds 100,000 of each at a congress.

MemberKey = Annotated[str, Field(pattern=MEMBER_KEY)]
HandsetId = Annotated[str, Field(pattern=HANDSET)]
# No NUL (no database stores it); a lone surrogate cannot come in JSON text,
# its parser refuses one, so this is ``Text``'s rule for a peer's JSON.
MemberName = Annotated[str, Field(min_length=1, max_length=NAME_LENGTH, pattern=r"^[^\x00]*$")]
Votes = Annotated[int, Field(strict=True, ge=MIN_VOTES, le=MAX_VOTES)]
# A press (PROTOCOL.md): the key pressed, and the handset's sequence number.
Key = Annotated[int, Field(strict=True, ge=0, le=9)]
Seq = Annotated[int, Field(strict=True, ge=0, le=65535)]
