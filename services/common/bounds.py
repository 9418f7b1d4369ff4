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
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator

MAX_ROW_ID = 2**31 - 1
MEETING_CODE = r"^[a-z0-9][a-z0-9-]{1,31}$"
# Either case: the desk types "gm0363" as often as "GM0363"; stored upper case.
MEMBER_CODE = r"^[Gg][Mm][0-9]{4}$"
HANDSET = r"^[0-9]{6}$"

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
