"""Every query of the results service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.results.models import ResultsMeeting, ScreenSetting, StoredOutcome, utcnow


async def lock_meeting(session: AsyncSession, code: str) -> ResultsMeeting:
    """The meeting's chain head, created if new, locked until the transaction ends.

    On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE);
    on PostgreSQL ``FOR UPDATE`` queues a concurrent request that stores too.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(ResultsMeeting).values(code=code, length=0).on_conflict_do_nothing()
    )
    meeting = await session.scalar(
        select(ResultsMeeting)
        .where(ResultsMeeting.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert meeting is not None
    return meeting


async def stored_outcome(session: AsyncSession, vote_id: int) -> StoredOutcome | None:
    return await session.scalar(select(StoredOutcome).where(StoredOutcome.vote_id == vote_id))


async def stored_outcomes(session: AsyncSession, meeting: str) -> Sequence[StoredOutcome]:
    result = await session.scalars(
        select(StoredOutcome)
        .where(StoredOutcome.meeting == meeting)
        .order_by(StoredOutcome.sequence)
        # Another request may have stored some since this session last looked.
        .execution_options(populate_existing=True)
    )
    return result.all()


async def screen_setting(session: AsyncSession, meeting: str) -> ScreenSetting | None:
    return await session.get(ScreenSetting, meeting, populate_existing=True)


async def save_screen_setting(
    session: AsyncSession, meeting: str, *, show_tally: bool
) -> ScreenSetting:
    setting = await session.get(ScreenSetting, meeting)
    if setting is None:
        setting = ScreenSetting(meeting=meeting)
        session.add(setting)
    setting.show_tally = show_tally
    setting.changed_at = utcnow()
    await session.flush()
    return setting
