"""Reading member lists and contacts from CSV, without touching the database.

The simple CSV (``code,name,population[,reference_date]``) as shipped in
``data/``; the contacts CSV (``code,name,email``: the gemeentesecretaris).
Every row is either read or skipped with a reason the import report
shows; a figure is never guessed. An empty population means "no figure yet"
(a municipality that merged on 1 January): the member is imported without a
weight and card generation stays blocked until staff supply it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from services.common.bounds import MEMBER_CODE, NAME_LENGTH
from services.registration.weights import MAX_POPULATION, population_bound

_CODE = re.compile(MEMBER_CODE)
_DIGITS = re.compile(r"[0-9]+")
REQUIRED_COLUMNS = ("code", "name", "population")
CONTACT_COLUMNS = ("code", "name", "email")
# A deliberately plain address check (no lookups): a dot-atom local part and a
# domain of letter/digit/hyphen labels with an alphabetic top-level domain.
# It refuses the typos that happen in spreadsheets (spaces, commas, two @,
# a missing domain) and accepts every address a municipality really uses.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_TLD = re.compile(r"^[A-Za-z]{2,63}$")


@dataclass(frozen=True)
class MemberRow:
    line: int
    code: str
    name: str
    population: int | None
    reference_date: datetime.date | None


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


@dataclass(frozen=True)
class ParsedMembers:
    rows: list[MemberRow]
    skipped: list[Skipped]


class UnreadableFile(ValueError):
    pass


def _row(line: int, record: dict[str, str | None]) -> MemberRow:
    code = (record.get("code") or "").strip().upper()
    name = (record.get("name") or "").strip()
    raw_population = (record.get("population") or "").strip()
    raw_date = (record.get("reference_date") or "").strip()
    if not _CODE.fullmatch(code):
        raise ValueError(f"ongeldige gemeentecode '{code}' (verwacht GM gevolgd door 4 cijfers)")
    if not name:
        raise ValueError("naam ontbreekt")
    if len(name) > NAME_LENGTH:
        raise ValueError(f"naam is langer dan {NAME_LENGTH} tekens")
    population: int | None = None
    if raw_population:
        if not _DIGITS.fullmatch(raw_population):
            raise ValueError(f"inwonertal '{raw_population}' is geen geheel getal (cijfers 0-9)")
        if len(raw_population) > len(str(MAX_POPULATION)) or int(raw_population) > MAX_POPULATION:
            raise ValueError(f"inwonertal {raw_population} is groter dan {population_bound()}")
        population = int(raw_population)
    reference_date = None
    if raw_date:
        try:
            reference_date = datetime.date.fromisoformat(raw_date)
        except ValueError as exc:
            raise ValueError(f"peildatum '{raw_date}' is geen datum (JJJJ-MM-DD)") from exc
    return MemberRow(line, code, name, population, reference_date)


def _reader(text: str, required: tuple[str, ...]) -> csv.DictReader[str]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip().lower() for column in reader.fieldnames or []]
    missing = [column for column in required if column not in header]
    if missing:
        raise UnreadableFile(f"kolommen ontbreken: {', '.join(missing)}")
    reader.fieldnames = header
    return reader


@contextmanager
def _csv_read() -> Iterator[None]:
    try:
        yield
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB
        raise UnreadableFile(f"geen geldige CSV ({exc})") from exc


def parse_members_csv(text: str) -> ParsedMembers:
    with _csv_read():
        return _parse_members(text)


def _parse_members(text: str) -> ParsedMembers:
    reader = _reader(text, REQUIRED_COLUMNS)
    rows: list[MemberRow] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for record in reader:
        line = reader.line_num
        try:
            row = _row(line, record)
        except ValueError as exc:
            skipped.append(Skipped(line, str(exc)))
            continue
        if row.code in seen:
            skipped.append(Skipped(line, f"{row.code} staat dubbel in het bestand"))
            continue
        seen.add(row.code)
        rows.append(row)
    return ParsedMembers(rows, skipped)


def is_valid_email(address: str) -> bool:
    if len(address) > 254 or address.count("@") != 1:
        return False
    local, domain = address.rsplit("@", 1)
    labels = domain.split(".")
    return (
        0 < len(local) <= 64
        and _LOCAL.match(local) is not None
        and len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and _TLD.match(labels[-1]) is not None
    )


@dataclass(frozen=True)
class ContactRow:
    line: int
    code: str
    name: str
    email: str


@dataclass(frozen=True)
class ParsedContacts:
    rows: list[ContactRow]
    skipped: list[Skipped]


def parse_contacts_csv(text: str) -> ParsedContacts:
    """Per municipality the gemeentesecretaris: ``code,name,email``."""
    with _csv_read():
        return _parse_contacts(text)


def _parse_contacts(text: str) -> ParsedContacts:
    reader = _reader(text, CONTACT_COLUMNS)
    rows: list[ContactRow] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for record in reader:
        line = reader.line_num
        code = (record.get("code") or "").strip().upper()
        name = (record.get("name") or "").strip()
        email = (record.get("email") or "").strip()
        if not _CODE.fullmatch(code):
            reason = f"ongeldige gemeentecode '{code}' (verwacht GM gevolgd door 4 cijfers)"
        elif not name:
            reason = f"{code}: naam van de gemeentesecretaris ontbreekt"
        elif len(name) > NAME_LENGTH:
            reason = f"{code}: naam van de gemeentesecretaris is langer dan {NAME_LENGTH} tekens"
        elif not is_valid_email(email):
            reason = f"{code}: '{email}' is geen geldig e-mailadres"
        elif code in seen:
            reason = f"{code} staat dubbel in het bestand"
        else:
            seen.add(code)
            rows.append(ContactRow(line, code, name, email))
            continue
        skipped.append(Skipped(line, reason))
    return ParsedContacts(rows, skipped)
