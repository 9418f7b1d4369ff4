"""HTTP routes for what happens during a vote: presses, state, progress, the
record, and the meeting's event stream."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from services.ballot import events, presses, record, repository, service
from services.ballot.deps import (
    EventBusDep,
    GatewayAuth,
    MissingAuth,
    RecordAuth,
    RegistrationClientDep,
    SessionDep,
    SessionsDep,
    SettingsDep,
)
from services.ballot.errors import NotATestVote, VoteNotFound, WrongVoteState
from services.ballot.schemas import (
    BatchResult,
    MeetingState,
    NotVoted,
    PressBatch,
    PressRead,
    Progress,
    VoteRecord,
)
from services.common.bounds import MAX_ROW_ID, MeetingCode, MemberCode
from services.common.errors import RequestInvalid, problem_responses
from services.common.limits import PRESS_BATCH_LIMIT
from services.common.metrics import followed

router = APIRouter(prefix="/api")
_EVENT_ID = re.compile(r"[0-9]{1,10}")


@router.get("/meetings/{meeting}/state", tags=["presses"])
async def meeting_state(meeting: MeetingCode, session: SessionDep) -> MeetingState:
    return await service.meeting_state(session, meeting=meeting)


@router.post("/meetings/{meeting}/presses", tags=["presses"], max_body_size=PRESS_BATCH_LIMIT)
async def record_presses(
    meeting: MeetingCode,
    batch: PressBatch,
    session: SessionDep,
    sessions: SessionsDep,
    registration: RegistrationClientDep,
    _: GatewayAuth,
) -> BatchResult:
    """Store a batch of presses; answered only after the batch is committed.

    503 only when registration is unreachable and the batch has a new press
    from a handset the open vote does not know (see presses.py).
    """
    bindings = await presses.current_bindings(sessions, registration, meeting=meeting, batch=batch)
    results = await presses.record_presses(session, meeting=meeting, batch=batch, bindings=bindings)
    return BatchResult(results=results)


@router.get("/votes/{vote_id}/progress", responses=problem_responses(VoteNotFound), tags=["votes"])
async def vote_progress(vote_id: int, session: SessionDep) -> Progress:
    return await record.progress(session, vote_id=vote_id)


@router.get(
    "/votes/{vote_id}/not-voted",
    responses=problem_responses(VoteNotFound, WrongVoteState),
    tags=["votes"],
)
async def not_voted(vote_id: int, session: SessionDep, _: RecordAuth) -> NotVoted:
    """Who of the frozen electorate has no counted press yet (chair, auditor)."""
    return await record.not_voted(session, vote_id=vote_id)


@router.get(
    "/votes/{vote_id}/missing",
    responses=problem_responses(VoteNotFound, NotATestVote, WrongVoteState),
    tags=["votes"],
)
async def missing(vote_id: int, session: SessionDep, _: MissingAuth) -> NotVoted:
    """During a proefstemming: present members whose handset has not answered OK."""
    return await record.not_voted(session, vote_id=vote_id, test_only=True)


@router.get("/votes/{vote_id}/record", responses=problem_responses(VoteNotFound), tags=["record"])
async def vote_record(vote_id: int, session: SessionDep, _: RecordAuth) -> VoteRecord:
    return await record.record(session, vote_id=vote_id)


@router.get("/votes/{vote_id}/presses", responses=problem_responses(VoteNotFound), tags=["record"])
async def vote_presses(vote_id: int, session: SessionDep, _: RecordAuth) -> list[PressRead]:
    await service.get_vote(session, vote_id)
    return [PressRead.model_validate(p) for p in await repository.presses(session, vote_id)]


@router.get("/meetings/{meeting}/members/{member}/presses", tags=["record"])
async def member_presses(
    meeting: MeetingCode, member: MemberCode, session: SessionDep, _: RecordAuth
) -> list[PressRead]:
    """Every press stored for one member in every vote of the meeting (the receipt check)."""
    found = await repository.member_presses(session, meeting, member)
    return [PressRead.model_validate(p) for p in found]


@router.get(
    "/meetings/{meeting}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    tags=["events"],
)
async def meeting_events(
    meeting: MeetingCode,
    sessions: SessionsDep,
    bus: EventBusDep,
    settings: SettingsDep,
    _: RecordAuth,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events of the meeting: ``created``, ``opened``, ``closed``,
    ``annulled``, ``reordered``, ``handset`` and ``press``, each with its id.

    Resumes after ``Last-Event-ID`` (sent by a reconnecting EventSource) or
    else ``?after=``; from the start without either. A ``press`` event carries
    ``key`` only for a named vote.
    """
    if last_event_id is not None:
        found = _EVENT_ID.fullmatch(last_event_id.strip())
        if found is None or int(found.group()) > MAX_ROW_ID:
            message = "Last-Event-ID moet het nummer van een gebeurtenis zijn."
            error = {"loc": ["header", "last-event-id"], "msg": message}
            raise RequestInvalid(message, errors=[error])
        after = int(found.group())
    body = followed(
        events.stream(
            sessions,
            bus,
            meeting=meeting,
            after=after,
            poll=settings.events_poll_seconds,
            heartbeat=settings.events_heartbeat_seconds,
        ),
        service="ballot",
        stream="events",
    )
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
