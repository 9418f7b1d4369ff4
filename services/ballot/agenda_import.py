"""Importing an agenda file into a meeting: plan every row, then create.

No FastAPI here; flush, never commit. Reading the file is ``agenda.py``
(pure); which links are allowed is ``links.py`` (pure).

A row is skipped, with its reason, when the meeting already has a vote with
its agenda item and title (so importing a file twice prepares nothing twice),
or when a link cannot be made: a name that fits no vote or several, a link the
agenda cannot have, or a link to a row that is itself skipped. The rest is
created in the file's order; a link to a row further down is set once that
row exists (an amendment usually comes before what it amends).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import agenda as agenda_file
from services.ballot import links, repository, service
from services.ballot.agenda import REFERENCES, Agenda, Named, resolve
from services.ballot.errors import BadAgenda
from services.ballot.models import Vote
from services.ballot.schemas import AgendaReport, SkippedRow, VoteCreate, VoteRead


def read_agenda(text: str, *, is_json: bool) -> Agenda:
    """An uploaded agenda file (JSON or CSV); ``BadAgenda`` for one that cannot be read."""
    try:
        return agenda_file.read_json(text) if is_json else agenda_file.read_csv(text)
    except ValueError as exc:  # UnreadableAgenda too
        raise BadAgenda(f"Dit agendabestand is niet te lezen: {exc}") from exc


@dataclass(frozen=True)
class _Row:
    """A row of the file as ``links.check_target`` reads a vote."""

    id: int
    kind: str
    title: str
    amends_vote_id: int | None
    part_of_vote_id: int | None
    status: str = "prepared"
    follows_vote_id: int | None = None


def _targets(
    row: int, data: VoteCreate, agenda: Agenda, candidates: list[Named], dropped: set[int]
) -> dict[str, int]:
    """link -> the id of an existing vote, or minus the row it names."""
    targets = {}
    named = agenda.references.get(row, {})
    for link in REFERENCES:
        by_id = getattr(data, f"{link}_vote_id")
        if link in named and by_id is not None:
            raise ValueError(f"{link}: een naam én een nummer; geef er één")
        if link in named:
            target = resolve(named[link], candidates).key
            if -target in dropped:
                raise ValueError(f"{link}: verwijst naar rij {-target}, die is overgeslagen")
            targets[link] = target
        elif by_id is not None:
            targets[link] = by_id
    return targets


def _plan(
    agenda: Agenda, rows: list[tuple[int, VoteCreate]], existing: Sequence[Vote]
) -> tuple[dict[int, dict[str, int]], list[SkippedRow]]:
    """The links of every row that can be made, and the rows that cannot."""
    skipped: list[SkippedRow] = []
    candidates = [Named(v.id, v.title, v.agenda_item) for v in existing]
    candidates += [Named(-row, data.title, data.agenda_item) for row, data in rows]
    dropped: set[int] = set()
    while True:
        planned: dict[int, dict[str, int]] = {}
        failed: dict[int, str] = {}
        for row, data in rows:
            try:
                planned[row] = _targets(row, data, agenda, candidates, dropped)
            except ValueError as exc:
                failed[row] = str(exc)
        known: dict[int, links.Linked] = {v.id: v for v in existing}
        for row, data in rows:
            if row in planned:
                part = planned[row].get("part_of", data.part_of_vote_id)
                known[-row] = _Row(-row, data.kind.value, data.title, None, part)
        for row, data in rows:
            for link, target in planned.get(row, {}).items():
                try:
                    links.check_target(
                        kind=data.kind.value, link=link, target=known.get(target), own_id=-row
                    )
                except links.BadLinkError as exc:
                    failed[row] = f"{link}: {exc}"
        if not failed:
            return planned, skipped
        skipped += [
            SkippedRow(row=row, title=data.title, reason=failed[row])
            for row, data in rows
            if row in failed
        ]
        dropped |= set(failed)
        rows = [(row, data) for row, data in rows if row not in failed]


async def import_agenda(session: AsyncSession, *, meeting: str, agenda: Agenda) -> AgendaReport:
    """Prepare the votes of an agenda file after the votes already there."""
    locked = await repository.lock_meeting(session, meeting)
    existing = await repository.votes(session, meeting)
    seen = {(v.agenda_item, v.title) for v in existing}
    skipped = list(agenda.skipped)
    rows = []
    for row, data in agenda.votes:
        if (data.agenda_item, data.title) in seen:
            reason = "deze stemming bestaat al (zelfde agendapunt en titel)"
            skipped.append(SkippedRow(row=row, title=data.title, reason=reason))
            continue
        seen.add((data.agenda_item, data.title))
        rows.append((row, data))
    planned, refused = _plan(agenda, rows, existing)
    skipped += refused
    made: dict[int, Vote] = {}
    later: list[tuple[int, str, int]] = []  # (row, link, a row further down)
    for row, data in rows:
        if row not in planned:
            continue
        now: dict[str, int | None] = {}
        for link, target in planned[row].items():
            if target < 0 and -target not in made:
                later.append((row, link, -target))
                now[f"{link}_vote_id"] = None
            else:
                now[f"{link}_vote_id"] = made[-target].id if target < 0 else target
        made[row] = await service.add_vote(
            session, locked, data.model_copy(update=now), check=False
        )
    for row, link, target in later:
        setattr(made[row], f"{link}_vote_id", made[target].id)
    await session.flush()
    for row in sorted({row for row, _, _ in later}):
        await service.emit_vote(session, locked, "updated", made[row])
    skipped.sort(key=lambda each: each.row)
    created: list[VoteRead] = [service.vote_read(made[row]) for row in sorted(made)]
    return AgendaReport(read=agenda.read, created=created, skipped=skipped)
