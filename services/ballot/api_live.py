"""HTTP routes for what happens during a vote: presses, state, progress, the
record, and the meeting's event stream."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse

from services.ballot import bindings, events, record, service
from services.ballot.deps import (
    BindingsAuth,
    EventBusDep,
    GatewayAuth,
    MissingAuth,
    PressPathDep,
    RecordAuth,
    SessionDep,
    SessionsDep,
    SettingsDep,
)
from services.ballot.errors import NotATestVote, VoteNotFound, WrongVoteState
from services.ballot.models import utcnow
from services.ballot.schemas import (
    BatchResult,
    BindingChanges,
    BindingsLearned,
    MeetingState,
    NotVoted,
    OutcomeInputs,
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


@router.post(
    "/meetings/{meeting}/presses",
    response_model=BatchResult,
    tags=["presses"],
    max_body_size=PRESS_BATCH_LIMIT,
)
async def record_presses(
    meeting: MeetingCode,
    batch: PressBatch,
    session: SessionDep,
    path: PressPathDep,
    _: GatewayAuth,
) -> Response:
    """Store one attempt of a gateway to deliver presses; answered only after
    it is committed. ``results[i]`` answers ``presses[i]``.

    Each press counts in the vote open when the gateway first heard it: the
    gateway says how long it held it (``sent_at`` minus ``received_at``, both
    its own clock), we place that on ours. Heard before the open: NOPOLL;
    heard in a vote that closed before the batch arrived: LATE for that vote;
    ``received_at`` more than 1 s after ``sent_at``: NOPOLL. Every press is
    stored with its status and reason (``GET /api/votes/{id}/presses``).

    503 only when registration is unreachable and the batch has a press heard
    in the open vote from a handset we know nothing of (presses.py).
    """
    # Before anything can wait for the meeting lock (docs/ARCHITECTURE.md).
    arrived = utcnow()
    results = await path.record(session, meeting=meeting, batch=batch, arrived=arrived)
    # Encoded here, not by FastAPI: a batch's answer is plain, and building and
    # checking a model per press cost more than storing it. Written as text:
    # a handset is six digits (HANDSET), a seq an int and a status a
    # PressStatus, so nothing needs escaping; json.dumps of a dict per press
    # took ten times as long.
    items = ",".join(
        [
            f'{{"handset":"{handset}","seq":{seq:d},"status":"{status}"}}'
            for handset, seq, status in results
        ]
    )
    return Response('{"results":[' + items + "]}", media_type="application/json")


@router.post("/meetings/{meeting}/bindings", tags=["presses"])
async def learn_bindings(
    meeting: MeetingCode, data: BindingChanges, session: SessionDep, _: BindingsAuth
) -> BindingsLearned:
    """The desk's binding changes, from registration (idempotent by change id).

    A handset whose binding ended is denied from now on, in the open vote and
    every later one; a handset newly bound to a member of the open vote's
    electorate votes for that member.
    """
    learned = await bindings.learn(session, meeting=meeting, changes=data.changes)
    return BindingsLearned(learned=learned)


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


@router.get(
    "/votes/{vote_id}/record",
    response_model=VoteRecord,
    responses=problem_responses(VoteNotFound),
    tags=["record"],
)
async def vote_record(vote_id: int, session: SessionDep, _: RecordAuth) -> Response:
    """The vote, its frozen electorate and the counted presses: what results computes from."""
    return Response(
        await record.record_json(session, vote_id=vote_id), media_type="application/json"
    )


@router.get(
    "/votes/{vote_id}/outcome-inputs",
    response_model=OutcomeInputs,
    responses=problem_responses(VoteNotFound),
    tags=["record"],
)
async def outcome_inputs(
    vote_id: int, session: SessionDep, _: RecordAuth, live: bool = False
) -> Response:
    """The meeting's votes and this vote's record, in one answer: what results
    needs to compute and store an outcome, or (``live``) a running tally."""
    return Response(
        await record.outcome_inputs_json(session, vote_id=vote_id, live=live),
        media_type="application/json",
    )


@router.get("/votes/{vote_id}/presses", responses=problem_responses(VoteNotFound), tags=["record"])
async def vote_presses(vote_id: int, session: SessionDep, _: RecordAuth) -> list[PressRead]:
    """Every press of the vote with its status and, when it does not count,
    why; and the presses refused NOPOLL that reached us while it was open."""
    return await record.presses(session, vote_id=vote_id)


@router.get("/meetings/{meeting}/members/{member}/presses", tags=["record"])
async def member_presses(
    meeting: MeetingCode, member: MemberCode, session: SessionDep, _: RecordAuth
) -> list[PressRead]:
    """Every press stored for one member in every vote of the meeting (the receipt check)."""
    return await record.member_presses(session, meeting=meeting, member=member)


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
