"""HTTP routes of the ballot service: parse, call the service, return."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.ballot import repository, service
from services.ballot.deps import (
    ChairAuth,
    GatewayAuth,
    RecordAuth,
    RegistrationClientDep,
    SessionDep,
)
from services.ballot.schemas import (
    Annulment,
    BatchResult,
    MeetingState,
    PressBatch,
    PressRead,
    Progress,
    VoteCreate,
    VoteRead,
    VoteRecord,
)
from services.common.errors import problem_responses

router = APIRouter(prefix="/api")


@router.post(
    "/meetings/{meeting}/votes",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(422),
    tags=["votes"],
)
async def create_vote(
    meeting: str, data: VoteCreate, session: SessionDep, _: ChairAuth
) -> VoteRead:
    return service.vote_read(await service.create_vote(session, meeting=meeting, data=data))


@router.get("/meetings/{meeting}/votes", tags=["votes"])
async def list_votes(meeting: str, session: SessionDep) -> list[VoteRead]:
    return [service.vote_read(v) for v in await repository.votes(session, meeting)]


@router.get("/votes/{vote_id}", responses=problem_responses(404), tags=["votes"])
async def read_vote(vote_id: int, session: SessionDep) -> VoteRead:
    return service.vote_read(await service.get_vote(session, vote_id))


@router.post("/votes/{vote_id}/open", responses=problem_responses(404, 409, 502), tags=["votes"])
async def open_vote(
    vote_id: int, session: SessionDep, registration: RegistrationClientDep, _: ChairAuth
) -> VoteRead:
    vote = await service.open_vote(session, vote_id=vote_id, registration=registration)
    return service.vote_read(vote)


@router.post("/votes/{vote_id}/close", responses=problem_responses(404, 409), tags=["votes"])
async def close_vote(vote_id: int, session: SessionDep, _: ChairAuth) -> VoteRead:
    return service.vote_read(await service.close_vote(session, vote_id=vote_id))


@router.post("/votes/{vote_id}/annul", responses=problem_responses(404, 409), tags=["votes"])
async def annul_vote(vote_id: int, data: Annulment, session: SessionDep, _: ChairAuth) -> VoteRead:
    vote = await service.annul_vote(session, vote_id=vote_id, reason=data.reason)
    return service.vote_read(vote)


@router.get("/meetings/{meeting}/state", tags=["presses"])
async def meeting_state(meeting: str, session: SessionDep) -> MeetingState:
    return await service.meeting_state(session, meeting=meeting)


@router.post("/meetings/{meeting}/presses", tags=["presses"])
async def record_presses(
    meeting: str, batch: PressBatch, session: SessionDep, _: GatewayAuth
) -> BatchResult:
    """Store a batch of presses; answered only after the batch is committed."""
    return BatchResult(results=await service.record_presses(session, meeting=meeting, batch=batch))


@router.get("/votes/{vote_id}/progress", responses=problem_responses(404), tags=["votes"])
async def vote_progress(vote_id: int, session: SessionDep) -> Progress:
    return await service.progress(session, vote_id=vote_id)


@router.get("/votes/{vote_id}/record", responses=problem_responses(404), tags=["record"])
async def vote_record(vote_id: int, session: SessionDep, _: RecordAuth) -> VoteRecord:
    return await service.record(session, vote_id=vote_id)


@router.get("/votes/{vote_id}/presses", responses=problem_responses(404), tags=["record"])
async def vote_presses(vote_id: int, session: SessionDep, _: RecordAuth) -> list[PressRead]:
    await service.get_vote(session, vote_id)
    return [PressRead.model_validate(p) for p in await repository.presses(session, vote_id)]
