"""Every query of the ballot service."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot.models import BallotMeeting, Elector, ElectorHandset, Event, Press, Vote
from services.common.bounds import is_row_id
from services.common.database import lock_or_create


async def lock_meeting(session: AsyncSession, code: str) -> BallotMeeting:
    """The meeting row every press batch and state change takes first."""
    return await lock_or_create(session, BallotMeeting, code=code, version=0)


async def meeting(session: AsyncSession, code: str) -> BallotMeeting | None:
    return await session.get(BallotMeeting, code)


async def vote(session: AsyncSession, vote_id: int) -> Vote | None:
    if not is_row_id(vote_id):  # e.g. 2^63: SQLite cannot even compare it
        return None
    return await session.get(Vote, vote_id)


async def votes(
    session: AsyncSession, meeting: str, *, include_tests: bool = True, status: str | None = None
) -> Sequence[Vote]:
    query = select(Vote).where(Vote.meeting == meeting).order_by(Vote.position, Vote.id)
    if not include_tests:
        query = query.where(Vote.kind != "proefstemming")
    if status is not None:
        query = query.where(Vote.status == status)
    return (await session.scalars(query)).all()


async def follower(session: AsyncSession, vote_id: int) -> Vote | None:
    return await session.scalar(select(Vote).where(Vote.follows_vote_id == vote_id).limit(1))


async def linked_to(session: AsyncSession, vote_id: int) -> Sequence[Vote]:
    """The votes that amend, are a part of, or follow ``vote_id``."""
    result = await session.scalars(
        select(Vote)
        .where(
            or_(
                Vote.amends_vote_id == vote_id,
                Vote.part_of_vote_id == vote_id,
                Vote.follows_vote_id == vote_id,
            )
        )
        .order_by(Vote.position, Vote.id)
    )
    return result.all()


async def open_vote(session: AsyncSession, meeting: str) -> Vote | None:
    return await session.scalar(
        select(Vote).where(Vote.meeting == meeting, Vote.status == "open").limit(1)
    )


async def last_closed_vote(session: AsyncSession, meeting: str) -> Vote | None:
    return await session.scalar(
        select(Vote)
        .where(Vote.meeting == meeting, Vote.closed_at.is_not(None))
        .order_by(Vote.closed_at.desc())
        .limit(1)
    )


async def next_position(session: AsyncSession, meeting: str) -> int:
    highest = await session.scalar(select(func.max(Vote.position)).where(Vote.meeting == meeting))
    return (highest or 0) + 1


async def electors(session: AsyncSession, vote_id: int) -> Sequence[Elector]:
    result = await session.scalars(
        select(Elector).where(Elector.vote_id == vote_id).order_by(Elector.member)
    )
    return result.all()


async def presses_of_handsets(
    session: AsyncSession,
    meeting: str,
    handsets: set[str],
    *,
    vote_id: int | None,
    unattached_since: datetime.datetime | None = None,
) -> Sequence[Press]:
    """The presses of these handsets in one vote and (optionally) those stored
    without a vote since a moment, oldest first: one query for a whole batch."""
    scope = [Press.vote_id == vote_id] if vote_id is not None else []
    if unattached_since is not None:
        scope.append(and_(Press.vote_id.is_(None), Press.stored_at >= unattached_since))
    if not scope:
        return []
    result = await session.scalars(
        select(Press)
        .where(Press.meeting == meeting, Press.handset.in_(handsets), or_(*scope))
        .order_by(Press.id)
    )
    return result.all()


async def counted_presses(session: AsyncSession, vote_id: int) -> Sequence[Press]:
    result = await session.scalars(
        select(Press)
        .where(Press.vote_id == vote_id, Press.counted.is_(True))
        .order_by(Press.member)
    )
    return result.all()


async def presses(session: AsyncSession, vote_id: int) -> Sequence[Press]:
    result = await session.scalars(select(Press).where(Press.vote_id == vote_id).order_by(Press.id))
    return result.all()


async def member_presses(session: AsyncSession, meeting: str, member: str) -> Sequence[Press]:
    """Every press stored for ``member`` in the meeting, oldest first (the receipt check)."""
    result = await session.scalars(
        select(Press).where(Press.meeting == meeting, Press.member == member).order_by(Press.id)
    )
    return result.all()


async def elector_handsets(session: AsyncSession, vote_id: int) -> Sequence[ElectorHandset]:
    result = await session.scalars(
        select(ElectorHandset).where(ElectorHandset.vote_id == vote_id).order_by(ElectorHandset.id)
    )
    return result.all()


async def known_handsets(session: AsyncSession, vote_id: int, handsets: set[str]) -> set[str]:
    """Which of ``handsets`` already vote in ``vote_id``: bound at the open or swapped in."""
    frozen = select(Elector.handset).where(
        Elector.vote_id == vote_id, Elector.handset.in_(handsets)
    )
    swapped = select(ElectorHandset.handset).where(
        ElectorHandset.vote_id == vote_id, ElectorHandset.handset.in_(handsets)
    )
    return set((await session.scalars(frozen.union(swapped))).all())


async def events_after(
    session: AsyncSession, meeting: str, after: int, *, limit: int
) -> Sequence[Event]:
    result = await session.scalars(
        select(Event)
        .where(Event.meeting == meeting, Event.id > after)
        .order_by(Event.id)
        .limit(limit)
    )
    return result.all()


async def last_event_id(session: AsyncSession, meeting: str) -> int:
    return await session.scalar(select(func.max(Event.id)).where(Event.meeting == meeting)) or 0
