"""HTTP routes for the votes of a meeting: parse, call the service, return.

Presses, live state, the record and the event stream are in api_live.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from services.ballot import agenda_import, repository, service
from services.ballot.deps import ChairAuth, PressPathDep, RegistrationClientDep, SessionDep
from services.ballot.errors import (
    AlreadyHeldAgain,
    AnotherVoteOpen,
    BadAgenda,
    BadLink,
    BadOrder,
    EmptyElectorate,
    MeetingNotFound,
    PopulationMissing,
    UndecidedAmendments,
    VoteNotFound,
    WrongVoteState,
)
from services.ballot.schemas import (
    Acclamation,
    AgendaReport,
    Annulment,
    Opening,
    VoteAgain,
    VoteCreate,
    VoteOrder,
    VoteRead,
)
from services.common.bounds import MeetingCode, upload_text
from services.common.errors import RequestInvalid, problem_responses
from services.common.limits import CSV_UPLOAD_LIMIT

router = APIRouter(prefix="/api")


@router.post(
    "/meetings/{meeting}/votes",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(BadLink),
    tags=["votes"],
)
async def create_vote(
    meeting: MeetingCode, data: VoteCreate, session: SessionDep, _: ChairAuth
) -> VoteRead:
    return service.vote_read(await service.create_vote(session, meeting=meeting, data=data))


@router.post(
    "/meetings/{meeting}/votes/import",
    responses=problem_responses(BadAgenda),
    tags=["votes"],
    max_body_size=CSV_UPLOAD_LIMIT,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "required": True,
        },
    },
)
async def import_agenda(
    meeting: MeetingCode, request: Request, session: SessionDep, _: ChairAuth
) -> AgendaReport:
    """Prepare votes from an agenda file (JSON or CSV, by Content-Type); see agenda.py."""
    # The raw body: FastAPI would parse a JSON body itself and refuse it whole.
    is_json = "json" in request.headers.get("content-type", "")
    try:
        text = upload_text(await request.body())
    except ValueError as exc:
        raise BadAgenda(f"Dit agendabestand is niet te lezen: {exc}") from exc
    read = agenda_import.read_agenda(text, is_json=is_json)
    return await agenda_import.import_agenda(session, meeting=meeting, agenda=read)


@router.put(
    "/meetings/{meeting}/votes/order", responses=problem_responses(BadOrder), tags=["votes"]
)
async def reorder_votes(
    meeting: MeetingCode, data: VoteOrder, session: SessionDep, _: ChairAuth
) -> list[VoteRead]:
    """A new order for the prepared votes; opened ones keep their place."""
    await service.reorder(session, meeting=meeting, vote_ids=data.vote_ids)
    return [service.vote_read(v) for v in await repository.votes(session, meeting)]


@router.get("/meetings/{meeting}/votes", tags=["votes"])
async def list_votes(
    meeting: MeetingCode, session: SessionDep, include_tests: bool = True
) -> list[VoteRead]:
    """The votes in their order; ``include_tests=false`` for what is published."""
    votes = await repository.votes(session, meeting, include_tests=include_tests)
    return [service.vote_read(v) for v in votes]


@router.get("/votes/{vote_id}", responses=problem_responses(VoteNotFound), tags=["votes"])
async def read_vote(vote_id: int, session: SessionDep) -> VoteRead:
    return service.vote_read(await service.get_vote(session, vote_id))


@router.post(
    "/votes/{vote_id}/open",
    responses=problem_responses(
        VoteNotFound,
        MeetingNotFound,
        PopulationMissing,
        WrongVoteState,
        AnotherVoteOpen,
        EmptyElectorate,
        UndecidedAmendments,
    ),
    tags=["votes"],
)
async def open_vote(
    vote_id: int,
    session: SessionDep,
    registration: RegistrationClientDep,
    path: PressPathDep,
    _: ChairAuth,
    data: Opening | None = None,
) -> VoteRead:
    """Open a prepared vote. A proposal whose amendments are undecided is refused
    (409 ``undecided_amendments``) unless the chair confirms in the body."""
    vote = await service.open_vote(
        session,
        vote_id=vote_id,
        registration=registration,
        frozen=path.frozen,
        despite_undecided_amendments=(data or Opening()).despite_undecided_amendments,
    )
    return service.vote_read(vote)


@router.post(
    "/votes/{vote_id}/acclaim",
    responses=problem_responses(VoteNotFound, WrongVoteState, UndecidedAmendments),
    tags=["votes"],
)
async def acclaim_vote(
    vote_id: int, data: Acclamation, session: SessionDep, _: ChairAuth
) -> VoteRead:
    """Record that a prepared item was decided bij acclamatie (nobody objected)."""
    vote = await service.acclaim_vote(
        session,
        vote_id=vote_id,
        adopted=data.adopted,
        despite_undecided_amendments=data.despite_undecided_amendments,
    )
    return service.vote_read(vote)


@router.post(
    "/votes/{vote_id}/close",
    responses=problem_responses(VoteNotFound, WrongVoteState),
    tags=["votes"],
)
async def close_vote(vote_id: int, session: SessionDep, _: ChairAuth) -> VoteRead:
    return service.vote_read(await service.close_vote(session, vote_id=vote_id))


@router.post(
    "/votes/{vote_id}/annul",
    responses=problem_responses(VoteNotFound, WrongVoteState),
    tags=["votes"],
)
async def annul_vote(vote_id: int, data: Annulment, session: SessionDep, _: ChairAuth) -> VoteRead:
    vote = await service.annul_vote(session, vote_id=vote_id, reason=data.reason)
    return service.vote_read(vote)


@router.post(
    "/votes/{vote_id}/again",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(VoteNotFound, WrongVoteState, AlreadyHeldAgain, RequestInvalid),
    tags=["votes"],
)
async def hold_again(
    vote_id: int, session: SessionDep, _: ChairAuth, data: VoteAgain | None = None
) -> VoteRead:
    """Hold a closed or annulled vote again, as a new prepared vote that follows it."""
    vote = await service.hold_again(session, vote_id=vote_id, data=data or VoteAgain())
    return service.vote_read(vote)
