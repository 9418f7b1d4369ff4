"""The chair's control view: thin forwarding to ballot, and the screen settings.

Every route needs the chair token (or admin); the open, close, acclaim and
annul requests are forwarded to ballot with the caller's own Authorization header.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks

from services.common.bounds import MeetingCode
from services.common.errors import problem_responses
from services.results import chair
from services.results.deps import (
    BallotClientDep,
    CallerCredentials,
    ChairAuth,
    ScreenHubDep,
    SessionDep,
)
from services.results.errors import (
    AlreadyHeldAgain,
    AnotherVoteOpen,
    EmptyElectorate,
    MeetingNotFound,
    NoRunoff,
    UndecidedAmendments,
    VoteNotFound,
    WrongVoteState,
)
from services.results.schemas import BallotElector, BallotVote
from services.results.schemas_record import (
    AcclaimRequest,
    AnnulRequest,
    OpenRequest,
    ScreenRead,
    ScreenUpdate,
)

router = APIRouter(prefix="/api", tags=["chair"])
ACTION_REFUSALS = problem_responses(VoteNotFound, WrongVoteState)


@router.get("/chair/meetings/{meeting}/votes")
async def list_votes(
    meeting: MeetingCode, ballot: BallotClientDep, _: ChairAuth, credentials: CallerCredentials
) -> list[BallotVote]:
    return await chair.votes(ballot, meeting=meeting, credentials=credentials)


@router.post(
    "/chair/votes/{vote_id}/open",
    responses=problem_responses(
        VoteNotFound,
        MeetingNotFound,
        WrongVoteState,
        AnotherVoteOpen,
        EmptyElectorate,
        UndecidedAmendments,
    ),
)
async def open_vote(
    vote_id: int,
    ballot: BallotClientDep,
    _: ChairAuth,
    credentials: CallerCredentials,
    data: OpenRequest | None = None,
) -> BallotVote:
    """Open a prepared vote; a proposal with undecided amendments needs the
    chair's confirmation (409 ``undecided_amendments`` without it)."""
    return await chair.act(
        ballot,
        vote_id=vote_id,
        action="open",
        credentials=credentials,
        body=(data or OpenRequest()).model_dump(),
    )


@router.post("/chair/votes/{vote_id}/close", responses=ACTION_REFUSALS)
async def close_vote(
    vote_id: int, ballot: BallotClientDep, _: ChairAuth, credentials: CallerCredentials
) -> BallotVote:
    return await chair.act(ballot, vote_id=vote_id, action="close", credentials=credentials)


@router.post("/chair/votes/{vote_id}/acclaim", responses=ACTION_REFUSALS)
async def acclaim_vote(
    vote_id: int,
    data: AcclaimRequest,
    ballot: BallotClientDep,
    _: ChairAuth,
    credentials: CallerCredentials,
) -> BallotVote:
    """Record that a prepared item was decided bij acclamatie (nobody objected)."""
    return await chair.act(
        ballot,
        vote_id=vote_id,
        action="acclaim",
        credentials=credentials,
        body=data.model_dump(),
    )


@router.post("/chair/votes/{vote_id}/annul", responses=ACTION_REFUSALS)
async def annul_vote(
    vote_id: int,
    data: AnnulRequest,
    ballot: BallotClientDep,
    _: ChairAuth,
    credentials: CallerCredentials,
) -> BallotVote:
    return await chair.act(
        ballot,
        vote_id=vote_id,
        action="annul",
        credentials=credentials,
        body=data.model_dump(),
    )


@router.post(
    "/chair/votes/{vote_id}/runoff",
    status_code=201,
    responses=problem_responses(VoteNotFound, NoRunoff, AlreadyHeldAgain),
)
async def runoff(
    vote_id: int, ballot: BallotClientDep, _: ChairAuth, credentials: CallerCredentials
) -> BallotVote:
    """A second round between the best two of a closed election without a majority."""
    return await chair.act(ballot, vote_id=vote_id, action="runoff", credentials=credentials)


@router.post(
    "/chair/votes/{vote_id}/again",
    status_code=201,
    responses=problem_responses(VoteNotFound, WrongVoteState, AlreadyHeldAgain),
)
async def hold_again(
    vote_id: int, ballot: BallotClientDep, _: ChairAuth, credentials: CallerCredentials
) -> BallotVote:
    """Hold a closed or annulled vote again, as a prepared copy right after it."""
    return await chair.act(ballot, vote_id=vote_id, action="again", credentials=credentials)


@router.get("/chair/votes/{vote_id}/not-voted", responses=problem_responses(VoteNotFound))
async def not_voted(vote_id: int, ballot: BallotClientDep, _: ChairAuth) -> list[BallotElector]:
    """Present members without a counted press: the electorate minus the counted."""
    return await chair.not_voted(ballot, vote_id=vote_id)


@router.get("/meetings/{meeting}/screen")
async def read_screen(meeting: MeetingCode, session: SessionDep) -> ScreenRead:
    """What the projector screen shows beyond the defaults (public: the room sees it)."""
    return await chair.screen(session, meeting)


@router.put("/chair/meetings/{meeting}/screen")
async def update_screen(
    meeting: MeetingCode,
    data: ScreenUpdate,
    session: SessionDep,
    hub: ScreenHubDep,
    background: BackgroundTasks,
    _: ChairAuth,
) -> ScreenRead:
    """Show or hide the running tally of an open vote on the projector screen."""
    screen = await chair.set_screen(session, meeting, show_tally=data.show_tally)
    # After the response, so after the commit: the screen stream reads it anew.
    background.add_task(hub.poke, meeting)
    return screen
