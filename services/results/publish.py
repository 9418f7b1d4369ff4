"""The published record: every decided vote with its stored outcome and raw data,
and the step that makes the stemgedrag public (``publication.py`` has the rule).

No FastAPI here; functions flush, never commit.
"""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import AlvError
from services.common.http import ServiceClient, url_path
from services.results import export, repository
from services.results.attendance import PresenceChange, attendance
from services.results.charts import AttendancePoint
from services.results.errors import AlreadyPublished, ProefstemmingHasNoOutcome, VoteNotClosed
from services.results.models import utcnow
from services.results.publication import PublicationMode, PublicationState
from services.results.report_pdf import ReportInput
from services.results.schemas_record import (
    PublicationRead,
    RegistrationAuditEntry,
    StemgedragRead,
    StemgedragVote,
)
from services.results.service import (
    DECIDED,
    fetch_record,
    fetch_vote,
    fetch_votes,
    publication,
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
    state = await publication(session, meeting)
    pairs = await decided(session, ballot=ballot, meeting=meeting)
    return export.export_document(
        meeting,
        pairs,
        scope=scope,
        exported_at=utcnow(),
        stemgedrag_public=state.stemgedrag_public,
    )


async def stemgedrag(
    session: AsyncSession, *, ballot: ServiceClient, meeting: str
) -> StemgedragRead:
    """Every decided vote as the public may see it now (see ``publication.py``)."""
    state = await publication(session, meeting)
    pairs = await decided(session, ballot=ballot, meeting=meeting)
    public = state.stemgedrag_public
    return StemgedragRead(
        meeting=meeting,
        publication=publication_read(state),
        votes=[export.stemgedrag_vote(row, rec, stemgedrag_public=public) for row, rec in pairs],
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
    state = await publication(session, vote.meeting)
    return export.stemgedrag_vote(
        rows[vote.id],
        await fetch_record(ballot, vote.id),
        stemgedrag_public=state.stemgedrag_public,
    )


# --- publication ----------------------------------------------------------------------


def publication_read(state: PublicationState) -> PublicationRead:
    return PublicationRead(
        meeting=state.meeting,
        mode=state.mode,
        stemgedrag_public=state.stemgedrag_public,
        published_at=state.published_at,
        published_by=state.published_by,
    )


async def set_publication_mode(
    session: AsyncSession, *, meeting: str, mode: PublicationMode, actor: str
) -> PublicationRead:
    """At once, or after the meeting; audited. Not after publication: that is final."""
    row = await repository.lock_publication(session, meeting)
    if row.published_at is not None:
        raise AlreadyPublished(
            "Het stemgedrag van deze vergadering is al gepubliceerd; dat is niet terug te draaien."
        )
    if row.mode != mode:
        repository.add_publication_log(
            session, meeting, actor=actor, action="publication.mode_changed", old=row.mode, new=mode
        )
        row.mode = mode
        await session.flush()
    return publication_read(await publication(session, meeting))


async def publish_stemgedrag(session: AsyncSession, *, meeting: str, actor: str) -> PublicationRead:
    """Make the stemgedrag public; audited once. Publishing again changes nothing."""
    row = await repository.lock_publication(session, meeting)
    if row.published_at is None:
        row.published_at = utcnow()
        row.published_by = actor
        repository.add_publication_log(
            session, meeting, actor=actor, action="stemgedrag.published", mode=row.mode
        )
        await session.flush()
    return publication_read(await publication(session, meeting))


async def attendance_points(
    registration: ServiceClient, meeting: str
) -> tuple[list[AttendancePoint], str | None]:
    """Presence through the day from registration's audit log, or why it is missing."""
    try:
        log = await registration.get_json(url_path("/api/meetings/{}/audit", meeting))
        members = await registration.get_json(url_path("/api/meetings/{}/members", meeting))
        changes = [
            PresenceChange(at=entry.at, action=entry.action, member=entry.member_code)
            for entry in (RegistrationAuditEntry.model_validate(item) for item in log)
        ]
        weights = {str(m["code"]): int(m.get("weight") or 0) for m in members}
    except AlvError as exc:
        return [], f"Aanwezigheid niet beschikbaar: {exc.detail}"
    except (ValueError, TypeError, KeyError):
        return [], "Aanwezigheid niet beschikbaar: de registratie gaf een onleesbaar antwoord."
    return attendance(changes, weights), None


async def report_input(
    session: AsyncSession, *, ballot: ServiceClient, registration: ServiceClient, meeting: str
) -> ReportInput:
    """Everything the PDF report shows, as the public may see it now."""
    info = await meeting_info(registration, meeting)
    record = await stemgedrag(session, ballot=ballot, meeting=meeting)
    points, note = await attendance_points(registration, meeting)
    return ReportInput(
        meeting_code=meeting,
        meeting_name=info.name,
        meeting_date=info.date,
        votes=record.votes,
        attendance=points,
        attendance_note=note,
        stemgedrag_public=record.publication.stemgedrag_public,
        head=record.votes[-1].hash if record.votes else None,
        made_at=utcnow(),
    )


@dataclass(frozen=True)
class MeetingInfo:
    code: str
    name: str
    date: datetime.date | None


async def meeting_info(registration: ServiceClient, meeting: str) -> MeetingInfo:
    """The meeting's name and date from registration; the code alone if it cannot say."""
    try:
        body = await registration.get_json(url_path("/api/meetings/{}", meeting))
    except AlvError:
        return MeetingInfo(code=meeting, name=meeting, date=None)
    name = body.get("name") if isinstance(body, dict) else None
    date = body.get("date") if isinstance(body, dict) else None
    try:
        day = datetime.date.fromisoformat(str(date)) if date else None
    except ValueError:
        day = None
    return MeetingInfo(code=meeting, name=str(name) if name else meeting, date=day)
