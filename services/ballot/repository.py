"""Every query of the ballot service."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot.models import BallotMeeting, Elector, Press, Vote


async def lock_meeting(session: AsyncSession, code: str) -> BallotMeeting:
    """The meeting row, created if new, locked until the transaction ends.

    On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE);
    on PostgreSQL ``FOR UPDATE`` queues concurrent batches and state changes.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(BallotMeeting).values(code=code, version=0).on_conflict_do_nothing()
    )
    meeting = await session.scalar(
        select(BallotMeeting)
        .where(BallotMeeting.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert meeting is not None
    return meeting


async def meeting(session: AsyncSession, code: str) -> BallotMeeting | None:
    return await session.get(BallotMeeting, code)


async def vote(session: AsyncSession, vote_id: int) -> Vote | None:
    return await session.get(Vote, vote_id)


async def votes(session: AsyncSession, meeting: str) -> Sequence[Vote]:
    result = await session.scalars(
        select(Vote).where(Vote.meeting == meeting).order_by(Vote.position, Vote.id)
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


async def recent_press(
    session: AsyncSession, meeting: str, handset: str, seq: int, since: datetime.datetime
) -> Press | None:
    return await session.scalar(
        select(Press)
        .where(
            Press.meeting == meeting,
            Press.handset == handset,
            Press.seq == seq,
            Press.stored_at >= since,
        )
        .order_by(Press.id.desc())
        .limit(1)
    )


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
