"""HTTP routes of the results service: parse, call the service, return.

All public: outcomes are published. Only the running tally of an open vote
needs a chair or auditor token.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from services.common.auth import Role
from services.common.bounds import MeetingCode
from services.common.errors import problem_responses
from services.common.metrics import followed
from services.results import screen, service
from services.results.deps import (
    BallotClientDep,
    OptionalLiveAuth,
    RegistrationClientDep,
    ScreenHubDep,
    SessionDep,
)
from services.results.errors import ProefstemmingHasNoOutcome, VoteNotClosed, VoteNotFound
from services.results.schemas import CurrentRead, OutcomeRead

router = APIRouter(prefix="/api")


@router.get(
    "/votes/{vote_id}/outcome",
    responses=problem_responses(VoteNotFound, ProefstemmingHasNoOutcome, VoteNotClosed),
    tags=["outcomes"],
)
async def vote_outcome(
    vote_id: int, session: SessionDep, ballot: BallotClientDep, role: OptionalLiveAuth
) -> OutcomeRead:
    """The outcome of a closed vote (stored once), or the live tally of an open one.

    Member codes only for a named vote, and only once its stemgedrag is
    published (``/api/meetings/{m}/publication``) or with an auditor token.
    409 for a proefstemming, a vote not yet opened, and an open vote asked
    without a chair or auditor token.
    """
    found = await service.outcome(
        session, ballot=ballot, vote_id=vote_id, live_allowed=role is not None
    )
    if role is not None and role.roles & {Role.AUDITOR, Role.SECRETARIAT}:
        return found
    (shown,) = await service.as_public(session, found.vote.meeting, [found])
    return shown


@router.get("/meetings/{meeting}/outcomes", tags=["outcomes"])
async def meeting_outcomes(
    meeting: MeetingCode, session: SessionDep, ballot: BallotClientDep
) -> list[OutcomeRead]:
    """Every closed or annulled vote of the meeting except proefstemmingen, in close order.

    Member codes of named votes once their stemgedrag is published."""
    found = await service.meeting_outcomes(session, ballot=ballot, meeting=meeting)
    return await service.as_public(session, meeting, found)


@router.get("/meetings/{meeting}/current", tags=["chair"])
async def meeting_current(
    meeting: MeetingCode,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
) -> CurrentRead:
    """What the chair's screen shows now (see ``CurrentRead``)."""
    return await service.current(session, ballot=ballot, registration=registration, meeting=meeting)


@router.get(
    "/meetings/{meeting}/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    tags=["chair"],
)
async def meeting_stream(meeting: MeetingCode, hub: ScreenHubDep) -> StreamingResponse:
    """Server-sent events for the chair's screen (public, like ``/current``).

    Event ``current`` carries the JSON of ``/current``: at once, and again
    within a fraction of a second whenever it changes. Event ``problem``
    carries problem JSON while it cannot be computed (ballot unreachable); the
    stream stays open and recovers by itself. A comment every 15 s keeps an
    idle stream open.
    """
    return StreamingResponse(
        followed(screen.stream(hub, meeting=meeting), service="results", stream="screen"),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
