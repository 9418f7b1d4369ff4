"""The registration logic: meetings, members and weights, cards, the desk.

No FastAPI here. Functions take the session first and keyword arguments after;
they flush but never commit: the request owns the transaction.
"""

from __future__ import annotations

import datetime
import re
import secrets

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration import cardcode, repository
from services.registration.errors import (
    AlreadyRegistered,
    BadImport,
    CardRevoked,
    ForgedCard,
    HandsetInUse,
    MalformedCode,
    MalformedHandset,
    MeetingExists,
    MeetingNotFound,
    MemberNotFound,
    NotRegistered,
    OtherMeetingCard,
    PopulationMissing,
    UnknownCard,
)
from services.registration.imports import UnreadableFile, parse_members_csv
from services.registration.models import (
    AuditEntry,
    Meeting,
    Member,
    Registration,
    VotingCard,
    utcnow,
)
from services.registration.schemas import (
    CardRead,
    Electorate,
    ElectorMember,
    ImportReport,
    MeetingCreate,
    MemberStatus,
    Presence,
    SkippedRow,
)
from services.registration.weights import population_reference_date, weight_for

_HANDSET = re.compile(r"^\d{6}$")


def _audit(
    session: AsyncSession,
    meeting: Meeting,
    *,
    actor: str,
    action: str,
    member: Member | None = None,
    **details: object,
) -> None:
    session.add(
        AuditEntry(
            meeting_id=meeting.id,
            actor=actor,
            action=action,
            member_code=member.code if member else None,
            details=details,
        )
    )


def _format_time(moment: datetime.datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


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
    _audit(session, meeting, actor=actor, action="meeting.created", name=data.name)
    return meeting


async def get_meeting(session: AsyncSession, code: str) -> Meeting:
    meeting = await repository.meeting_by_code(session, code)
    if meeting is None:
        raise MeetingNotFound(f"Vergadering '{code}' bestaat niet.")
    return meeting


async def import_members(
    session: AsyncSession, *, meeting: Meeting, text: str, source: str, actor: str
) -> ImportReport:
    try:
        parsed = parse_members_csv(text)
    except UnreadableFile as exc:
        raise BadImport(f"Het bestand is niet te lezen: {exc}.") from exc
    skipped = [SkippedRow(line=s.line, reason=s.reason) for s in parsed.skipped]
    existing = {member.code: member for member in await repository.members(session, meeting)}
    created = updated = 0
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
        member.name = row.name
        member.population = row.population
        member.population_date = meeting.population_date if row.population is not None else None
        member.population_source = source if row.population is not None else None
        member.weight = weight_for(row.population) if row.population is not None else None
    await session.flush()
    _audit(
        session,
        meeting,
        actor=actor,
        action="members.imported",
        source=source,
        read=len(parsed.rows) + len(parsed.skipped),
        created=created,
        updated=updated,
        skipped=len(skipped),
    )
    return ImportReport(
        read=len(parsed.rows) + len(parsed.skipped),
        created=created,
        updated=updated,
        skipped=skipped,
    )


def _card_read(member: Member, card: VotingCard) -> CardRead:
    assert member.weight is not None
    return CardRead(
        member=member.code,
        name=member.name,
        weight=member.weight,
        version=card.version,
        code=card.code,
    )


async def issue_cards(session: AsyncSession, *, meeting: Meeting, actor: str) -> list[CardRead]:
    """One card per member; members that already have one keep it."""
    members = await repository.members(session, meeting)
    lacking = [member for member in members if member.weight is None]
    if lacking:
        names = ", ".join(f"{m.name} ({m.code})" for m in lacking[:10])
        raise PopulationMissing(
            f"Stemkaarten kunnen nog niet worden gemaakt: geen inwonertal voor {names}."
            " Voer eerst het inwonertal in.",
            members=[m.code for m in lacking],
        )
    cards = []
    issued = 0
    for member in members:
        card = await repository.current_card(session, member)
        if card is None:
            card = VotingCard(
                member_id=member.id,
                version=1,
                code=cardcode.issue(
                    secret=bytes.fromhex(meeting.card_secret),
                    meeting=meeting.code,
                    member=member.code,
                    version=1,
                ),
            )
            session.add(card)
            issued += 1
        cards.append(_card_read(member, card))
    await session.flush()
    _audit(session, meeting, actor=actor, action="cards.issued", issued=issued)
    return cards


async def list_cards(session: AsyncSession, *, meeting: Meeting) -> list[CardRead]:
    cards = []
    for member in await repository.members(session, meeting):
        card = await repository.current_card(session, member)
        if card is not None:
            cards.append(_card_read(member, card))
    return cards


async def member_for_card(session: AsyncSession, *, meeting: Meeting, code: str) -> Member:
    """The member a scanned code belongs to, or the specific reason to refuse it."""
    try:
        claim = cardcode.parse(code)
    except cardcode.MalformedCardCode as exc:
        raise MalformedCode(
            "Dit is geen stemkaartcode. Scan de barcode op de stemkaart opnieuw."
        ) from exc
    if claim.meeting != meeting.code:
        other = await repository.meeting_by_code(session, claim.meeting)
        which = f"'{other.name}'" if other else f"'{claim.meeting}'"
        raise OtherMeetingCard(
            f"Deze stemkaart hoort bij een andere vergadering ({which}), niet bij '{meeting.name}'."
        )
    if not cardcode.is_authentic(claim, bytes.fromhex(meeting.card_secret)):
        raise ForgedCard("Deze stemkaartcode is ongeldig: gewijzigd of vervalst. Niet toelaten.")
    member = await repository.member_by_code(session, meeting, claim.member)
    card = await repository.card_by_version(session, member, claim.version) if member else None
    if member is None or card is None:
        raise UnknownCard("Deze stemkaart is onbekend: zij is nooit uitgegeven.")
    if card.revoked_at is not None:
        raise CardRevoked(
            f"Deze stemkaart van {member.name} is vervangen door een nieuwe en geldt niet meer"
            f" (ingetrokken om {_format_time(card.revoked_at)}).",
            member=member.code,
        )
    return member


def _handset(raw: str) -> str:
    handset = raw.strip()
    if not _HANDSET.match(handset):
        raise MalformedHandset(
            f"'{raw.strip()}' is geen stemkastjenummer: dat zijn precies 6 cijfers."
        )
    return handset


def _status(member: Member, registration: Registration | None) -> MemberStatus:
    assert member.weight is not None
    return MemberStatus(
        member=member.code,
        name=member.name,
        weight=member.weight,
        present=registration is not None,
        handset=registration.handset if registration else None,
        registered_at=registration.registered_at if registration else None,
    )


async def scan(session: AsyncSession, *, meeting: Meeting, code: str) -> MemberStatus:
    member = await member_for_card(session, meeting=meeting, code=code)
    return _status(member, await repository.active_registration(session, member))


async def _ensure_handset_free(
    session: AsyncSession, meeting: Meeting, handset: str, member: Member
) -> None:
    holder = await repository.active_registration_by_handset(session, meeting, handset)
    if holder is not None and holder.member_id != member.id:
        other = await session.get(Member, holder.member_id)
        name = other.name if other else "een andere gemeente"
        raise HandsetInUse(
            f"Stemkastje {handset} is al gekoppeld aan {name}. Neem een ander stemkastje."
        )


async def register(
    session: AsyncSession, *, meeting: Meeting, code: str, handset: str, actor: str
) -> MemberStatus:
    member = await member_for_card(session, meeting=meeting, code=code)
    handset = _handset(handset)
    current = await repository.active_registration(session, member)
    if current is not None:
        raise AlreadyRegistered(
            f"{member.name} is al aangemeld om {_format_time(current.registered_at)}"
            f" met stemkastje {current.handset}.",
            member=member.code,
            handset=current.handset,
            registered_at=current.registered_at.isoformat(),
        )
    await _ensure_handset_free(session, meeting, handset, member)
    registration = Registration(meeting_id=meeting.id, member_id=member.id, handset=handset)
    session.add(registration)
    await _flush_binding(session, handset)
    _audit(session, meeting, actor=actor, action="handset.bound", member=member, handset=handset)
    return _status(member, registration)


async def _flush_binding(session: AsyncSession, handset: str) -> None:
    # Two desks binding at the same instant: the unique indexes decide.
    try:
        await session.flush()
    except IntegrityError as exc:
        raise HandsetInUse(
            f"Stemkastje {handset} of deze gemeente is zojuist aan een andere balie gekoppeld."
        ) from exc


async def _registered_member(
    session: AsyncSession, meeting: Meeting, member_code: str
) -> tuple[Member, Registration]:
    member = await repository.member_by_code(session, meeting, member_code.strip().upper())
    if member is None:
        raise MemberNotFound(f"Gemeente '{member_code}' is geen lid in deze vergadering.")
    registration = await repository.active_registration(session, member)
    if registration is None:
        raise NotRegistered(f"{member.name} is niet aangemeld en heeft geen stemkastje.")
    return member, registration


async def return_handset(
    session: AsyncSession, *, meeting: Meeting, member_code: str, actor: str
) -> MemberStatus:
    member, registration = await _registered_member(session, meeting, member_code)
    registration.returned_at = utcnow()
    await session.flush()
    _audit(
        session,
        meeting,
        actor=actor,
        action="handset.returned",
        member=member,
        handset=registration.handset,
    )
    return _status(member, None)


async def swap_handset(
    session: AsyncSession, *, meeting: Meeting, member_code: str, handset: str, actor: str
) -> MemberStatus:
    member, registration = await _registered_member(session, meeting, member_code)
    handset = _handset(handset)
    await _ensure_handset_free(session, meeting, handset, member)
    old = registration.handset
    registration.handset = handset
    await _flush_binding(session, handset)
    _audit(
        session,
        meeting,
        actor=actor,
        action="handset.swapped",
        member=member,
        old=old,
        new=handset,
    )
    return _status(member, registration)


async def presence(session: AsyncSession, *, meeting: Meeting) -> Presence:
    present = await repository.present_members(session, meeting)
    total_members, total_weight = await repository.totals(session, meeting)
    return Presence(
        present_members=len(present),
        present_weight=sum(member.weight or 0 for member, _ in present),
        total_members=total_members,
        total_weight=total_weight,
    )


async def electorate(session: AsyncSession, *, meeting: Meeting) -> Electorate:
    present = await repository.present_members(session, meeting)
    return Electorate(
        meeting=meeting.code,
        members=[
            ElectorMember(
                code=member.code,
                name=member.name,
                weight=member.weight or 0,
                handset=registration.handset,
            )
            for member, registration in present
        ],
    )
