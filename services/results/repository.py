"""Every query of the results service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database import lock_or_create
from services.results.models import (
    Publication,
    PublicationLogEntry,
    ResultsMeeting,
    ScreenSetting,
    StoredOutcome,
    utcnow,
)


async def lock_meeting(session: AsyncSession, code: str) -> ResultsMeeting:
    """The meeting's chain head, locked by whoever stores an outcome."""
    return await lock_or_create(session, ResultsMeeting, code=code, length=0)


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
    # Under the meeting's lock: two results processes saving the first setting
    # of a meeting at once would otherwise both insert it.
    await lock_meeting(session, meeting)
    setting = await session.get(ScreenSetting, meeting, populate_existing=True)
    if setting is None:
        setting = ScreenSetting(meeting=meeting)
        session.add(setting)
    setting.show_tally = show_tally
    setting.changed_at = utcnow()
    await session.flush()
    return setting


async def publication(session: AsyncSession, meeting: str) -> Publication | None:
    return await session.get(Publication, meeting, populate_existing=True)


async def lock_publication(session: AsyncSession, meeting: str) -> Publication:
    """The meeting's publication row, locked: two secretaries publishing at once log once."""
    return await lock_or_create(session, Publication, code=meeting, mode="after_meeting")


def add_publication_log(
    session: AsyncSession, meeting: str, *, actor: str, action: str, **details: object
) -> None:
    session.add(PublicationLogEntry(meeting=meeting, actor=actor, action=action, details=details))


async def publication_log(session: AsyncSession, meeting: str) -> Sequence[PublicationLogEntry]:
    result = await session.scalars(
        select(PublicationLogEntry)
        .where(PublicationLogEntry.meeting == meeting)
        .order_by(PublicationLogEntry.id)
    )
    return result.all()
