"""HTTP routes for preparing the agenda: edit, remove, the tree, the runoff."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.ballot import prepare, service
from services.ballot.deps import ChairAuth, SessionDep
from services.ballot.errors import (
    AlreadyHeldAgain,
    BadLink,
    NoRunoff,
    NotPrepared,
    StillLinked,
    VoteNotFound,
)
from services.ballot.schemas import AgendaNode, MeetingSettings, VoteCreate, VoteRead
from services.common.bounds import MeetingCode
from services.common.errors import problem_responses

router = APIRouter(prefix="/api", tags=["votes"])


@router.get("/meetings/{meeting}/agenda")
async def agenda(meeting: MeetingCode, session: SessionDep) -> list[AgendaNode]:
    """The votes as a tree: each voorstel or motie with its amendments and motion
    parts, and the amendments not yet decided (opening it is refused until then)."""
    return await prepare.agenda(session, meeting=meeting)


@router.get("/meetings/{meeting}/settings", tags=["meetings"])
async def meeting_settings(meeting: MeetingCode, session: SessionDep) -> MeetingSettings:
    """The base the meeting's votes follow unless a vote says otherwise (public:
    the rule a result was reached by is)."""
    return await service.meeting_settings(session, meeting=meeting)


@router.put("/meetings/{meeting}/settings", tags=["meetings"])
async def change_settings(
    meeting: MeetingCode, data: MeetingSettings, session: SessionDep, _: ChairAuth
) -> MeetingSettings:
    """A new base for the meeting; prepared votes that follow it change with it."""
    return await service.change_settings(session, meeting=meeting, data=data)


@router.put(
    "/votes/{vote_id}",
    responses=problem_responses(VoteNotFound, NotPrepared, StillLinked, BadLink),
)
async def edit_vote(vote_id: int, data: VoteCreate, session: SessionDep, _: ChairAuth) -> VoteRead:
    """Change a prepared vote (everything but its place and its earlier rounds)."""
    return service.vote_read(await prepare.edit_vote(session, vote_id=vote_id, data=data))


@router.delete(
    "/votes/{vote_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(VoteNotFound, NotPrepared, StillLinked),
    response_class=Response,
)
async def remove_vote(vote_id: int, session: SessionDep, _: ChairAuth) -> Response:
    """Take a prepared vote off the agenda; refused while another vote links to it."""
    await prepare.remove_vote(session, vote_id=vote_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/votes/{vote_id}/runoff",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(VoteNotFound, NoRunoff, AlreadyHeldAgain),
)
async def runoff(vote_id: int, session: SessionDep, _: ChairAuth) -> VoteRead:
    """A further round between the best two of a closed election (or ordevoorstel)
    without a majority, taken from its outcome and prepared right after it."""
    return service.vote_read(await prepare.runoff(session, vote_id=vote_id))
