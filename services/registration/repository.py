"""Every query of the registration service."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database import upsert_insert
from services.registration.models import (
    AuditEntry,
    BindingChange,
    CardMail,
    HandsetSighting,
    Meeting,
    Member,
    Registration,
    VotingCard,
)


def add_audit(
    session: AsyncSession,
    meeting: Meeting,
    *,
    actor: str,
    action: str,
    member: Member | None = None,
    **details: object,
) -> None:
    """Every change leaves an entry: who (the role), what, when, for which member."""
    session.add(
        AuditEntry(
            meeting_id=meeting.id,
            actor=actor,
            action=action,
            member_code=member.code if member else None,
            details=details,
        )
    )


def add_binding_change(
    session: AsyncSession, meeting: Meeting, *, member: Member, handset: str, bound: bool
) -> None:
    """For ballot: a handset bound to the member, or that binding ended."""
    session.add(
        BindingChange(meeting_id=meeting.id, member_code=member.code, handset=handset, bound=bound)
    )


async def last_binding_change(session: AsyncSession, meeting: Meeting) -> int:
    found = await session.scalar(
        select(func.max(BindingChange.id)).where(BindingChange.meeting_id == meeting.id)
    )
    return found or 0


async def binding_changes(
    session: AsyncSession,
    meeting: Meeting,
    *,
    after: int,
    limit: int,
    handsets: Sequence[str] = (),
) -> Sequence[BindingChange]:
    query = select(BindingChange).where(
        BindingChange.meeting_id == meeting.id, BindingChange.id > after
    )
    if handsets:
        query = query.where(BindingChange.handset.in_(handsets))
    return (await session.scalars(query.order_by(BindingChange.id).limit(limit))).all()


async def undelivered_changes(
    session: AsyncSession, *, limit: int
) -> Sequence[tuple[BindingChange, str]]:
    """Changes ballot has not taken yet, oldest first, with their meeting's code."""
    result = await session.execute(
        select(BindingChange, Meeting.code)
        .join(Meeting, Meeting.id == BindingChange.meeting_id)
        .where(BindingChange.delivered_at.is_(None))
        .order_by(BindingChange.id)
        .limit(limit)
    )
    return [(change, code) for change, code in result.all()]


async def mark_delivered(
    session: AsyncSession, change_ids: Sequence[int], at: datetime.datetime
) -> None:
    await session.execute(
        update(BindingChange).where(BindingChange.id.in_(change_ids)).values(delivered_at=at)
    )


async def meeting_by_code(session: AsyncSession, code: str) -> Meeting | None:
    return await session.scalar(select(Meeting).where(Meeting.code == code))


async def meetings(session: AsyncSession) -> Sequence[Meeting]:
    """Every meeting, the coming or latest first."""
    result = await session.scalars(select(Meeting).order_by(Meeting.date.desc(), Meeting.id.desc()))
    return result.all()


async def members(session: AsyncSession, meeting: Meeting) -> Sequence[Member]:
    result = await session.scalars(
        select(Member).where(Member.meeting_id == meeting.id).order_by(Member.name)
    )
    return result.all()


async def member_by_code(session: AsyncSession, meeting: Meeting, code: str) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.meeting_id == meeting.id, Member.code == code)
    )


async def current_card(session: AsyncSession, member: Member) -> VotingCard | None:
    return await session.scalar(
        select(VotingCard)
        .where(VotingCard.member_id == member.id, VotingCard.revoked_at.is_(None))
        .order_by(VotingCard.version.desc())
        .limit(1)
    )


async def current_cards(session: AsyncSession, meeting: Meeting) -> dict[int, VotingCard]:
    """member id -> its current card, for every member that has one (one query)."""
    result = await session.scalars(
        select(VotingCard)
        .join(Member, Member.id == VotingCard.member_id)
        .where(Member.meeting_id == meeting.id, VotingCard.revoked_at.is_(None))
        .order_by(VotingCard.version)
    )
    return {card.member_id: card for card in result}


async def card_by_version(session: AsyncSession, member: Member, version: int) -> VotingCard | None:
    return await session.scalar(
        select(VotingCard).where(VotingCard.member_id == member.id, VotingCard.version == version)
    )


async def active_registration(session: AsyncSession, member: Member) -> Registration | None:
    return await session.scalar(
        select(Registration).where(
            Registration.member_id == member.id, Registration.returned_at.is_(None)
        )
    )


async def active_registration_by_handset(
    session: AsyncSession, meeting: Meeting, handset: str
) -> Registration | None:
    return await session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting.id,
            Registration.handset == handset,
            Registration.returned_at.is_(None),
        )
    )


async def present_members(
    session: AsyncSession, meeting: Meeting
) -> Sequence[tuple[Member, Registration]]:
    result = await session.execute(
        select(Member, Registration)
        .join(Registration, Registration.member_id == Member.id)
        .where(Registration.meeting_id == meeting.id, Registration.returned_at.is_(None))
        .order_by(Member.code)
    )
    return [(member, registration) for member, registration in result]


async def recent_registrations(
    session: AsyncSession, meeting: Meeting, limit: int
) -> Sequence[tuple[Registration, Member]]:
    result = await session.execute(
        select(Registration, Member)
        .join(Member, Member.id == Registration.member_id)
        .where(Registration.meeting_id == meeting.id)
        .order_by(Registration.registered_at.desc(), Registration.id.desc())
        .limit(limit)
    )
    return [(registration, member) for registration, member in result]


async def totals(session: AsyncSession, meeting: Meeting) -> tuple[int, int]:
    row = (
        await session.execute(
            select(func.count(Member.id), func.coalesce(func.sum(Member.weight), 0)).where(
                Member.meeting_id == meeting.id
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def audit_entries(session: AsyncSession, meeting: Meeting) -> Sequence[AuditEntry]:
    result = await session.scalars(
        select(AuditEntry).where(AuditEntry.meeting_id == meeting.id).order_by(AuditEntry.id)
    )
    return result.all()


async def search_members(session: AsyncSession, meeting: Meeting, query: str) -> Sequence[Member]:
    # Escape LIKE wildcards: an officer typing "%" means the character.
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    result = await session.scalars(
        select(Member)
        .where(
            Member.meeting_id == meeting.id,
            func.lower(Member.name).like(pattern.lower(), escape="\\"),
        )
        .order_by(Member.name)
        .limit(20)
    )
    return result.all()


async def card_mails(session: AsyncSession, meeting: Meeting) -> Sequence[tuple[CardMail, Member]]:
    result = await session.execute(
        select(CardMail, Member)
        .join(Member, Member.id == CardMail.member_id)
        .where(CardMail.meeting_id == meeting.id)
        .order_by(CardMail.id)
    )
    return [(mail, member) for mail, member in result]


async def mail_history(session: AsyncSession, meeting: Meeting) -> dict[int, list[CardMail]]:
    """member id -> its attempts, oldest first: whom to send to, whom to resend to."""
    history: dict[int, list[CardMail]] = {}
    for mail, _ in await card_mails(session, meeting):
        history.setdefault(mail.member_id, []).append(mail)
    return history


async def store_sightings(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert or update sightings in one statement; a newer sighting wins, so a
    report that arrives late never turns a handset's clock back."""
    if not rows:
        return
    statement = upsert_insert(session)(HandsetSighting).values(rows)
    newer = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["meeting_id", "handset"],
            set_={
                "receiver": newer.receiver,
                "rssi": newer.rssi,
                "battery": newer.battery,
                "last_seen": newer.last_seen,
            },
            where=newer.last_seen > HandsetSighting.last_seen,
        )
    )


async def sightings(session: AsyncSession, meeting: Meeting) -> Sequence[HandsetSighting]:
    result = await session.scalars(
        select(HandsetSighting)
        .where(HandsetSighting.meeting_id == meeting.id)
        .order_by(HandsetSighting.handset)
    )
    return result.all()
