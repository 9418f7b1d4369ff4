"""Meetings, members and their weights, contacts.

No FastAPI here. Functions take the session first and keyword arguments after;
they flush but never commit: the request owns the transaction. The desk flow
lives in ``desk.py``, stemkaarten in ``cards.py``, sending them in ``mailing.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registration import repository
from services.registration.cbs import parse_cbs_population
from services.registration.errors import BadImport, MeetingExists, MeetingNotFound, MemberNotFound
from services.registration.imports import (
    ParsedMembers,
    UnreadableFile,
    parse_contacts_csv,
    parse_members_csv,
)
from services.registration.models import Meeting, Member
from services.registration.schemas import (
    ContactImportReport,
    ImportedMember,
    ImportReport,
    MeetingCreate,
    PopulationSupply,
    SkippedRow,
)
from services.registration.weights import population_reference_date, weight_for


async def create_meeting(session: AsyncSession, *, data: MeetingCreate, actor: str) -> Meeting:
    if await repository.meeting_by_code(session, data.code):
        raise MeetingExists(f"Er bestaat al een vergadering met code '{data.code}'.")
    meeting = Meeting(
        code=data.code,
        name=data.name,
        date=data.date,
        population_date=population_reference_date(data.date),
        card_secret=secrets.token_hex(32),
    )
    session.add(meeting)
    await session.flush()
    repository.add_audit(session, meeting, actor=actor, action="meeting.created", name=data.name)
    return meeting


async def get_meeting(session: AsyncSession, code: str) -> Meeting:
    meeting = await repository.meeting_by_code(session, code)
    if meeting is None:
        raise MeetingNotFound(f"Vergadering '{code}' bestaat niet.")
    return meeting


async def get_member(session: AsyncSession, *, meeting: Meeting, code: str) -> Member:
    member = await repository.member_by_code(session, meeting, code.strip().upper())
    if member is None:
        raise MemberNotFound(f"Gemeente '{code}' is geen lid in deze vergadering.")
    return member


def _set_population(member: Member, meeting: Meeting, population: int | None, source: str) -> None:
    """Figure, weight and provenance always change together."""
    member.population = population
    member.population_date = meeting.population_date if population is not None else None
    member.population_source = source if population is not None else None
    member.weight = weight_for(population) if population is not None else None


async def _apply_members(
    session: AsyncSession,
    *,
    meeting: Meeting,
    parsed: ParsedMembers,
    source: str,
    actor: str,
    period: str | None = None,
) -> ImportReport:
    skipped = [SkippedRow(line=s.line, reason=s.reason) for s in parsed.skipped]
    existing = {member.code: member for member in await repository.members(session, meeting)}
    created = updated = 0
    imported: list[ImportedMember] = []
    for row in parsed.rows:
        if row.reference_date is not None and row.reference_date != meeting.population_date:
            skipped.append(
                SkippedRow(
                    line=row.line,
                    reason=(
                        f"{row.code}: peildatum {row.reference_date} wijkt af van de peildatum "
                        f"van de vergadering ({meeting.population_date})"
                    ),
                )
            )
            continue
        member = existing.get(row.code)
        if member is None:
            member = Member(meeting_id=meeting.id, code=row.code)
            session.add(member)
            created += 1
        else:
            updated += 1
        before = (member.name, member.population, member.weight) if member.id else None
        member.name = row.name
        _set_population(member, meeting, row.population, source)
        imported.append(
            ImportedMember(
                code=member.code,
                name=member.name,
                population=member.population,
                weight=member.weight,
                population_date=member.population_date,
                source=member.population_source,
                change="new"
                if before is None
                else "unchanged"
                if before == (member.name, member.population, member.weight)
                else "updated",
                old_weight=before[2] if before else None,
            )
        )
    await session.flush()
    read = len(parsed.rows) + len(parsed.skipped)
    details: dict[str, Any] = {"period": period} if period else {}
    repository.add_audit(
        session,
        meeting,
        actor=actor,
        action="members.imported",
        source=source,
        read=read,
        created=created,
        updated=updated,
        skipped=len(skipped),
        **details,
    )
    return ImportReport(
        read=read,
        created=created,
        updated=updated,
        skipped=sorted(skipped, key=lambda each: each.line),
        members=sorted(imported, key=lambda each: each.name),
        without_population=sorted(row.code for row in parsed.rows if row.population is None),
        period=period,
    )


async def preview(
    session: AsyncSession, work: Callable[[], Awaitable[ImportReport]]
) -> ImportReport:
    """What ``work`` (an import) would do, with nothing kept: it runs in a
    savepoint that is rolled back, so the preview is the import itself."""
    savepoint = await session.begin_nested()
    try:
        report = await work()
    finally:
        await savepoint.rollback()
    return report.model_copy(update={"dry_run": True})


async def import_members(
    session: AsyncSession, *, meeting: Meeting, text: str, source: str, actor: str
) -> ImportReport:
    try:
        parsed = parse_members_csv(text)
    except UnreadableFile as exc:
        raise BadImport(f"Het bestand is niet te lezen: {exc}.") from exc
    return await _apply_members(session, meeting=meeting, parsed=parsed, source=source, actor=actor)


async def import_members_cbs(
    session: AsyncSession,
    *,
    meeting: Meeting,
    observations: dict[str, Any],
    regions: dict[str, Any],
    source: str,
    actor: str,
) -> ImportReport:
    try:
        cbs = parse_cbs_population(observations, regions, reference_date=meeting.population_date)
    except UnreadableFile as exc:
        raise BadImport(f"De CBS-gegevens zijn niet te gebruiken: {exc}.") from exc
    return await _apply_members(
        session,
        meeting=meeting,
        parsed=cbs.parsed,
        source=f"CBS 03759ned {cbs.period} ({source})",
        actor=actor,
        period=cbs.period,
    )


async def supply_population(
    session: AsyncSession, *, meeting: Meeting, member_code: str, data: PopulationSupply, actor: str
) -> Member:
    """Staff enter a figure the import lacked (a merged municipality)."""
    member = await get_member(session, meeting=meeting, code=member_code)
    before = {"population": member.population, "weight": member.weight}
    _set_population(member, meeting, data.population, data.source)
    await session.flush()
    repository.add_audit(
        session,
        meeting,
        actor=actor,
        action="member.population_supplied",
        member=member,
        old_population=before["population"],
        old_weight=before["weight"],
        population=member.population,
        weight=member.weight,
        source=data.source,
    )
    return member


async def import_contacts(
    session: AsyncSession, *, meeting: Meeting, text: str, source: str, actor: str
) -> ContactImportReport:
    try:
        parsed = parse_contacts_csv(text)
    except UnreadableFile as exc:
        raise BadImport(f"Het bestand is niet te lezen: {exc}.") from exc
    existing = {member.code: member for member in await repository.members(session, meeting)}
    unmatched = []
    updated = 0
    for row in parsed.rows:
        member = existing.get(row.code)
        if member is None:
            unmatched.append(
                SkippedRow(line=row.line, reason=f"{row.code} is geen lid van deze vergadering")
            )
            continue
        member.contact_name = row.name
        member.contact_email = row.email
        updated += 1
    await session.flush()
    read = len(parsed.rows) + len(parsed.skipped)
    repository.add_audit(
        session,
        meeting,
        actor=actor,
        action="contacts.imported",
        source=source,
        read=read,
        updated=updated,
        skipped=len(parsed.skipped),
        unmatched=len(unmatched),
    )
    return ContactImportReport(
        read=read,
        updated=updated,
        skipped=[SkippedRow(line=s.line, reason=s.reason) for s in parsed.skipped],
        unmatched=unmatched,
        without_contact=sorted(m.code for m in existing.values() if not m.contact_email),
    )
