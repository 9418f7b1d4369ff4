"""The published record: every decided vote with its stored outcome and raw data.

No FastAPI here; functions flush (through ``store_decided``), never commit.
"""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import AlvError
from services.common.http import ServiceClient
from services.results import export
from services.results.errors import ProefstemmingHasNoOutcome, VoteNotClosed
from services.results.models import utcnow
from services.results.schemas_record import StemgedragRead, StemgedragVote
from services.results.service import (
    DECIDED,
    fetch_record,
    fetch_vote,
    fetch_votes,
    store_decided,
)


async def decided(
    session: AsyncSession, *, ballot: ServiceClient, meeting: str
) -> list[export.Decided]:
    """Every stored outcome of the meeting, in chain order, with ballot's record now."""
    votes = await fetch_votes(ballot, meeting)
    rows = await store_decided(session, ballot=ballot, meeting=meeting, votes=votes)
    ordered = sorted(rows.values(), key=lambda row: row.sequence)
    records = await asyncio.gather(*(fetch_record(ballot, row.vote_id) for row in ordered))
    return list(zip(ordered, records, strict=True))


async def export_document(
    session: AsyncSession, *, ballot: ServiceClient, meeting: str, scope: export.Scope
) -> dict[str, Any]:
    pairs = await decided(session, ballot=ballot, meeting=meeting)
    return export.export_document(meeting, pairs, scope=scope, exported_at=utcnow())


async def stemgedrag(
    session: AsyncSession, *, ballot: ServiceClient, meeting: str
) -> StemgedragRead:
    pairs = await decided(session, ballot=ballot, meeting=meeting)
    return StemgedragRead(
        meeting=meeting, votes=[export.stemgedrag_vote(row, record) for row, record in pairs]
    )


async def vote_stemgedrag(
    session: AsyncSession, *, ballot: ServiceClient, vote_id: int
) -> StemgedragVote:
    vote = await fetch_vote(ballot, vote_id)
    if vote.is_test:
        raise ProefstemmingHasNoOutcome(
            f"Stemming {vote.id} is een proefstemming: die telt nooit en heeft geen stemgedrag."
        )
    if vote.status not in DECIDED:
        raise VoteNotClosed(f"Stemming {vote.id} is nog niet gesloten.")
    votes = await fetch_votes(ballot, vote.meeting)
    rows = await store_decided(session, ballot=ballot, meeting=vote.meeting, votes=votes)
    return export.stemgedrag_vote(rows[vote.id], await fetch_record(ballot, vote.id))


@dataclass(frozen=True)
class MeetingInfo:
    code: str
    name: str
    date: datetime.date | None


async def meeting_info(registration: ServiceClient, meeting: str) -> MeetingInfo:
    """The meeting's name and date from registration; the code alone if it cannot say."""
    try:
        body = await registration.get_json(f"/api/meetings/{meeting}")
    except AlvError:
        return MeetingInfo(code=meeting, name=meeting, date=None)
    name = body.get("name") if isinstance(body, dict) else None
    date = body.get("date") if isinstance(body, dict) else None
    try:
        day = datetime.date.fromisoformat(str(date)) if date else None
    except ValueError:
        day = None
    return MeetingInfo(code=meeting, name=str(name) if name else meeting, date=day)
