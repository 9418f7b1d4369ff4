"""The commissie van stemopneming: read-only, everything, auditor token."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.common.bounds import MeetingCode
from services.common.errors import problem_responses
from services.results import audit, publish
from services.results.api_record import json_download
from services.results.deps import (
    AuditorAuth,
    BallotClientDep,
    RegistrationClientDep,
    SessionDep,
)
from services.results.errors import VoteNotFound
from services.results.schemas_record import AuditVoteRead, TimelineRead

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get(
    "/meetings/{meeting}/export.json",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def export_json(
    meeting: MeetingCode, session: SessionDep, ballot: BallotClientDep, _: AuditorAuth
) -> Response:
    """The full export: per vote the definition, the frozen electorate and every
    counted press with its member, also for secret votes. ``alv verify`` input."""
    document = await publish.export_document(
        session, ballot=ballot, meeting=meeting, scope="auditor"
    )
    return json_download(document, f"{meeting}-uitslagen-commissie.json")


@router.get("/votes/{vote_id}", responses=problem_responses(VoteNotFound))
async def audit_vote(
    vote_id: int, session: SessionDep, ballot: BallotClientDep, _: AuditorAuth
) -> AuditVoteRead:
    """Everything about one vote: electorate, every press, outcome, computation."""
    return await audit.audit_vote(session, ballot=ballot, vote_id=vote_id)


@router.get("/meetings/{meeting}/timeline")
async def meeting_timeline(
    meeting: MeetingCode,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
    _: AuditorAuth,
) -> TimelineRead:
    """Registration's audit log, the votes' lifecycle and the stored outcomes, by time."""
    return await audit.timeline(session, ballot=ballot, registration=registration, meeting=meeting)
