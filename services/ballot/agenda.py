"""Reading an agenda file into votes to prepare (pure: text in, votes out).

JSON: a list of vote objects (the shape of ``POST /votes``), or
``{"votes": [...]}``. CSV: a header row and one vote per row; the delimiter
is sniffed (Dutch spreadsheets write ``;``). Columns, English or Dutch:

    kind / soort               voorstel, motie, amendement, ordevoorstel, verkiezing, proefstemming
    title / titel              required
    agenda_item / agendapunt   optional
    office / functie           a verkiezing: the office it fills ("vicevoorzitter")
    options / opties           "1=Jansen|2=De Vries"; empty: voor/tegen/onthouding
    majority / meerderheid     "1/2" (default), "2/3"; ">=2/3" or "≥2/3" for "at least";
                               only the rules of ``decision.MAJORITY_RULES``
    named / hoofdelijk         ja/nee (default ja)
    abstentions_cast / onthoudingen_tellen   ja/nee (default nee)
    amends / wijzigt           an amendement: the title or agendapunt of what it amends
    part_of / onderdeel_van    a motion part: the title or agendapunt of its motie

A link names another vote of the file or of the meeting (see ``links.py`` for
what may link to what); JSON may use the same two keys, or the ids of votes
already in the meeting (``amends_vote_id``, ``part_of_vote_id``).

A row that cannot be read is skipped with its reason, never fatal: the report
says what to fix. Only a file that cannot be read at all is refused.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from services.ballot.schemas import SkippedRow, VoteCreate

COLUMNS = {
    "soort": "kind",
    "titel": "title",
    "agendapunt": "agenda_item",
    "functie": "office",
    "opties": "options",
    "meerderheid": "majority",
    "hoofdelijk": "named",
    "onthoudingen_tellen": "abstentions_cast",
    "wijzigt": "amends",
    "onderdeel_van": "part_of",
}
REFERENCES = ("amends", "part_of")
# ASCII digits only: int() would also read "١" or "²" (PROTOCOL.md 1.1).
_FRACTION = re.compile(r"(>=|≥)?\s*([0-9]{1,3})\s*/\s*([0-9]{1,3})")
_KEY = re.compile(r"[0-9]{1,2}")
YES = {"ja", "j", "yes", "y", "true", "1", "waar"}
NO = {"nee", "n", "no", "false", "0", "onwaar"}


@dataclass(frozen=True)
class Named:
    """A vote a link in the file can name: one of the meeting's (its id) or a
    row of the file (minus the row number)."""

    key: int
    title: str
    agenda_item: str | None


def resolve(text: str, candidates: list[Named]) -> Named:
    """The one vote ``text`` names: by title (letter case aside), else by agendapunt."""
    wanted = text.strip().casefold()
    for field_of in (lambda n: n.title, lambda n: n.agenda_item):
        found = [n for n in candidates if (field_of(n) or "").strip().casefold() == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(f"'{text}' past bij meer dan één stemming; gebruik de titel")
    raise ValueError(f"'{text}' is geen titel of agendapunt van een stemming")


class UnreadableAgenda(ValueError):
    """The file as a whole is not an agenda (the message is Dutch)."""


@dataclass
class Agenda:
    # (row number as the user counts it, the vote)
    votes: list[tuple[int, VoteCreate]] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    read: int = 0
    # row -> {"amends": "Motie Armoedebeleid"}: links by title or agendapunt
    references: dict[int, dict[str, str]] = field(default_factory=dict)


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        location = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    return "; ".join(parts)


def _title(raw: Any) -> str | None:
    title = raw.get("title") if isinstance(raw, dict) else None
    return title if isinstance(title, str) else None


def _references(raw: Any) -> dict[str, str]:
    """The links by name of one entry, taken out of it."""
    if not isinstance(raw, dict):
        return {}
    found = {}
    for name in REFERENCES:
        value = raw.pop(name, None)
        if value is not None:
            if not isinstance(value, str) or not value.strip() or len(value) > 300:
                raise ValueError(f"{name}: geef de titel of het agendapunt van een stemming")
            found[name] = value.strip()
    return found


def _collect(agenda: Agenda, entries: list[tuple[int, Any]]) -> Agenda:
    for row, raw in entries:
        agenda.read += 1
        try:
            references = _references(raw)
            agenda.votes.append((row, VoteCreate.model_validate(raw)))
            if references:
                agenda.references[row] = references
        except (ValidationError, ValueError) as exc:
            reason = _reason(exc) if isinstance(exc, ValidationError) else str(exc)
            agenda.skipped.append(SkippedRow(row=row, title=_title(raw), reason=reason))
    return agenda


def read_json(text: str) -> Agenda:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableAgenda(f"Geen geldige JSON (regel {exc.lineno}): {exc.msg}.") from exc
    if isinstance(body, dict):
        body = body.get("votes")
    if not isinstance(body, list):
        raise UnreadableAgenda('Verwacht een lijst van stemmingen, of {"votes": [...]}.')
    return _collect(Agenda(), list(enumerate(body, start=1)))


def _flag(value: str, column: str) -> bool:
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    raise ValueError(f"{column}: '{value}' is geen ja of nee")


def _majority(value: str) -> dict[str, Any]:
    found = _FRACTION.fullmatch(value)
    if found is None:
        raise ValueError(f"majority: '{value}' is geen breuk zoals 1/2 of 2/3")
    at_least, numerator, denominator = found.groups()
    return {
        "numerator": int(numerator),
        "denominator": int(denominator),
        "inclusive": at_least is not None,
    }


def _options(value: str) -> list[dict[str, Any]]:
    options = []
    for part in value.split("|"):
        key, equals, label = part.partition("=")
        if not equals or _KEY.fullmatch(key.strip()) is None:
            raise ValueError(f"options: '{part.strip()}' is niet van de vorm 1=naam")
        options.append({"key": int(key), "label": label.strip(), "role": "choice"})
    return options


def _csv_vote(cells: dict[str, str]) -> dict[str, Any]:
    """One CSV row as the fields of a ``VoteCreate`` (only the cells that are filled)."""
    vote: dict[str, Any] = {}
    for column, value in cells.items():
        if not value:
            continue
        if column == "kind":
            vote["kind"] = value.lower()
        elif column in ("title", "agenda_item", "office", *REFERENCES):
            vote[column] = value
        elif column == "options":
            vote["options"] = _options(value)
        elif column == "majority":
            vote["majority"] = _majority(value)
        elif column in ("named", "abstentions_cast"):
            vote[column] = _flag(value, column)
    return vote


def read_csv(text: str) -> Agenda:
    try:
        return _read_csv(text)
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB
        raise UnreadableAgenda(f"Geen geldige CSV: {exc}.") from exc


def _read_csv(text: str) -> Agenda:
    lines = text.splitlines()
    if not lines:
        raise UnreadableAgenda("Het bestand is leeg.")
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect=dialect)
    header = [COLUMNS.get(name.strip().lower(), name.strip().lower()) for name in next(rows)]
    if "title" not in header or "kind" not in header:
        raise UnreadableAgenda("De kopregel moet ten minste de kolommen kind en title hebben.")
    agenda = Agenda()
    entries: list[tuple[int, Any]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        cells = dict(zip(header, (value.strip() for value in row), strict=False))
        if not any(cells.values()):
            continue
        try:
            entries.append((number, _csv_vote(cells)))
        except ValueError as exc:
            agenda.read += 1
            agenda.skipped.append(SkippedRow(row=number, title=cells.get("title"), reason=str(exc)))
    _collect(agenda, entries)
    agenda.skipped.sort(key=lambda skipped: skipped.row)
    return agenda
