"""Reading member lists with populations, without touching the database.

The simple CSV (``code,name,population[,reference_date]``) as shipped in
``data/``. Every row is either read or skipped with a reason the import report
shows; a figure is never guessed. An empty population means "no figure yet"
(a municipality that merged on 1 January): the member is imported without a
weight and card generation stays blocked until staff supply it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass

_CODE = re.compile(r"^GM\d{4}$")
REQUIRED_COLUMNS = ("code", "name", "population")


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
    if not _CODE.match(code):
        raise ValueError(f"ongeldige gemeentecode '{code}' (verwacht GM gevolgd door 4 cijfers)")
    if not name:
        raise ValueError("naam ontbreekt")
    population: int | None = None
    if raw_population:
        if not raw_population.isdigit():
            raise ValueError(f"inwonertal '{raw_population}' is geen geheel getal")
        population = int(raw_population)
    reference_date = None
    if raw_date:
        try:
            reference_date = datetime.date.fromisoformat(raw_date)
        except ValueError as exc:
            raise ValueError(f"peildatum '{raw_date}' is geen datum (JJJJ-MM-DD)") from exc
    return MemberRow(line, code, name, population, reference_date)


def parse_members_csv(text: str) -> ParsedMembers:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip().lower() for column in reader.fieldnames or []]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise UnreadableFile(f"kolommen ontbreken: {', '.join(missing)}")
    reader.fieldnames = header
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
