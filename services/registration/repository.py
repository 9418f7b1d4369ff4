"""Every query of the registration service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.models import AuditEntry, Meeting, Member, Registration, VotingCard


async def meeting_by_code(session: AsyncSession, code: str) -> Meeting | None:
    return await session.scalar(select(Meeting).where(Meeting.code == code))


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
