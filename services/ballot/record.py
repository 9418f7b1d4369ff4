"""The read side of a vote: its record, its progress, who has not voted yet."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import repository
from services.ballot.errors import NotATestVote, VoteNotFound, WrongVoteState
from services.ballot.models import Vote, utcnow
from services.ballot.schemas import (
    ElectorRead,
    NotVoted,
    PressRead,
    Progress,
    VoteKind,
    VoteStatus,
)
from services.ballot.service import get_vote, vote_read


async def electorate(session: AsyncSession, vote_id: int) -> list[ElectorRead]:
    """The frozen electorate, each member with every handset that voted for it."""
    swapped: dict[str, list[str]] = defaultdict(list)
    for alias in await repository.elector_handsets(session, vote_id):
        swapped[alias.member].append(alias.handset)
    return [
        ElectorRead(
            member=elector.member,
            name=elector.name,
            weight=elector.weight,
            handset=elector.handset,
            handsets=[elector.handset, *swapped[elector.member]],
        )
        for elector in await repository.electors(session, vote_id)
    ]


async def presses(session: AsyncSession, *, vote_id: int) -> list[PressRead]:
    """Every press of a vote with its status and why, for the auditors; also
    the presses refused NOPOLL that reached us while it was open."""
    vote = await get_vote(session, vote_id)
    return [
        PressRead.model_validate(row._mapping) for row in await repository.presses(session, vote)
    ]


async def member_presses(session: AsyncSession, *, meeting: str, member: str) -> list[PressRead]:
    """Every press stored for one member in the meeting (the receipt check)."""
    rows = await repository.member_presses(session, meeting, member)
    return [PressRead.model_validate(row._mapping) for row in rows]


def _record_json(vote: Vote, electorate: str, counted: str) -> str:
    return "".join(
        (
            '{"vote":',
            vote_read(vote).model_dump_json(),
            ',"electorate":',
            electorate,
            ',"counted":',
            counted,
            "}",
        )
    )


async def record_json(session: AsyncSession, *, vote_id: int) -> str:
    """The VoteRecord of a vote as JSON text. The electorate and the counted
    presses come from the database as JSON arrays (repository.record_json):
    no row, dict or model per elector, which cost seconds at 100,000."""
    vote = await get_vote(session, vote_id)
    return _record_json(vote, *await repository.record_json(session, vote_id))


async def outcome_inputs_json(session: AsyncSession, *, vote_id: int, live: bool) -> str:
    """The OutcomeInputs of a vote as JSON text, in two queries: the meeting's
    votes, then the record if it is wanted."""
    votes = await repository.votes_beside(session, vote_id)
    vote = next((v for v in votes if v.id == vote_id), None)
    if vote is None:
        raise VoteNotFound(f"Stemming {vote_id} bestaat niet.")
    # Which votes have an outcome (a proefstemming has none) is results' rule;
    # here only: no record before the vote opens, nor of an open one unasked.
    wanted = (VoteStatus.CLOSED, VoteStatus.ANNULLED, *((VoteStatus.OPEN,) if live else ()))
    record = "null"
    if vote.status in wanted:
        record = _record_json(vote, *await repository.record_json(session, vote_id))
    listed = ",".join(vote_read(v).model_dump_json() for v in votes)
    return f'{{"votes":[{listed}],"record":{record}}}'


async def progress(session: AsyncSession, *, vote_id: int) -> Progress:
    vote = await get_vote(session, vote_id)
    members, weight = await repository.electorate_totals(session, vote_id)
    voted_members, voted_weight = await repository.voted_totals(session, vote_id)
    elapsed = None
    if vote.opened_at is not None:
        elapsed = round(((vote.closed_at or utcnow()) - vote.opened_at).total_seconds(), 3)
    return Progress(
        vote_id=vote.id,
        status=vote.status,
        electorate_members=members,
        electorate_weight=weight,
        voted_members=voted_members,
        voted_weight=voted_weight,
        opened_at=vote.opened_at,
        closed_at=vote.closed_at,
        elapsed_seconds=elapsed,
    )


async def not_voted(session: AsyncSession, *, vote_id: int, test_only: bool = False) -> NotVoted:
    """Members of the frozen electorate without a counted (that is: OK) press.

    ``test_only`` for the desk's list during a proefstemming: there "not
    voted" means "handset not working", and nothing about a real vote leaks.
    """
    vote = await get_vote(session, vote_id)
    if test_only and vote.kind != VoteKind.PROEFSTEMMING:
        raise NotATestVote(f"Stemming {vote_id} is geen proefstemming.")
    if vote.status == VoteStatus.PREPARED:
        raise WrongVoteState(
            f"Stemming {vote_id} is nog niet geopend: er is nog geen kiezerslijst."
        )
    voted = {row.member for row in await repository.counted_presses(session, vote_id)}
    return NotVoted(
        vote_id=vote.id,
        kind=vote.kind,
        status=vote.status,
        members=[e for e in await electorate(session, vote_id) if e.member not in voted],
    )
