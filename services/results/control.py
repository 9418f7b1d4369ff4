"""What the chair's control view shows: the agenda with each vote's state and
what the chair may do with it, who is present, and who has not voted yet.

No FastAPI here. The agenda tree and the undecided amendments come from
ballot (``/agenda``, where the rule lives); the outcomes, and with them the
best two of an election without a majority, from the outcomes results stores;
attendance from registration. Actions go through ``chair.act`` with the
chair's own credentials, so ballot checks and records them as the chair's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from services.common.errors import AlvError, Invalid
from services.common.forms import required_text
from services.common.http import ServiceClient, UpstreamProblem, url_path
from services.results.errors import VoteNotFound
from services.results.schemas import (
    Attendance,
    BallotElector,
    BallotNotVoted,
    BallotVote,
    OutcomeRead,
)
from services.results.service import (
    attendance,
    fetch_vote,
    meeting_outcomes,
    parse_ballot,
    vote_path,
)

# "Nog niet gestemd" collapsed shows the heaviest few; expanded, everyone.
HEAVIEST = 10


class AgendaVote(BallotVote):
    """A vote as ballot's agenda tree gives it (``AgendaNode`` on ballot's side)."""

    undecided_amendments: list[int] = Field(default_factory=list)
    children: list[AgendaVote] = Field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """One line of the agenda: a vote, how deep it hangs, and what may be done."""

    vote: AgendaVote
    depth: int
    outcome: OutcomeRead | None
    # An election without a majority, not yet followed: the labels of its best two.
    runoff_between: list[str] | None
    # Held again or given a runoff already: no second round from here.
    followed: bool
    # A proposal's amendments not yet decided, as the agenda names them.
    undecided: list[str] = field(default_factory=list)

    @property
    def acclaimable(self) -> bool:
        """Only a voor/tegen item can be decided without a vote."""
        roles = {option.role for option in self.vote.options}
        return not self.vote.is_test and {"for", "against"} <= roles


@dataclass(frozen=True)
class Missing:
    """Who of the frozen electorate has no counted press: for a real vote "nog
    niet gestemd", for a proefstemming the handsets that did not respond."""

    vote: AgendaVote
    members: list[BallotElector]
    weight: int
    expanded: bool

    @property
    def shown(self) -> list[BallotElector]:
        return self.members if self.expanded else self.members[:HEAVIEST]


@dataclass(frozen=True)
class ControlView:
    rows: list[Row]
    open_vote: AgendaVote | None
    attendance: Attendance | None
    missing: Missing | None
    # Bound handsets to check before a vote (registration's registry); None: unknown.
    handset_warnings: int | None = None
    outcomes: dict[int, OutcomeRead] = field(default_factory=dict)


def _flatten(nodes: list[AgendaVote], depth: int = 0) -> list[tuple[AgendaVote, int]]:
    lines = []
    for node in nodes:
        lines.append((node, depth))
        lines.extend(_flatten(node.children, depth + 1))
    return lines


async def agenda(ballot: ServiceClient, meeting: str) -> list[tuple[AgendaVote, int]]:
    """Every vote in agenda order, amendments and motion parts under theirs."""
    body = await ballot.get_json(url_path("/api/meetings/{}/agenda", meeting))
    nodes = [parse_ballot(AgendaVote, item) for item in body] if isinstance(body, list) else []
    return _flatten(nodes)


def _runoff_between(outcome: OutcomeRead | None) -> list[str] | None:
    decision = outcome.decision if outcome is not None else None
    if decision is None or decision.winner is not None or not decision.runoff:
        return None
    labels = {tally.key: tally.label for tally in outcome.tallies} if outcome else {}
    return [labels.get(key, str(key)) for key in decision.runoff]


def _in_focus(lines: list[tuple[AgendaVote, int]]) -> AgendaVote | None:
    """The vote whose missing members matter now: the open one, else a
    proefstemming that was the last vote to close (the desk is still at work)."""
    votes = [vote for vote, _ in lines]
    open_vote = next((v for v in votes if v.status == "open"), None)
    if open_vote is not None:
        return open_vote
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    closed = [v for v in votes if v.status == "closed" and v.decided_by == "vote"]
    latest = max(closed, key=lambda v: (v.closed_at or epoch, v.id), default=None)
    return latest if latest is not None and latest.is_test else None


async def missing(
    ballot: ServiceClient, vote: AgendaVote, *, expanded: bool, credentials: dict[str, str]
) -> Missing:
    """Sorted by weight, the heaviest first: whom the chair waits for (asked
    with the chair's own credentials: ballot decides who may see it)."""
    tail = "/missing" if vote.is_test else "/not-voted"
    body = await ballot.get_json(vote_path(vote.id, tail), headers=credentials)
    members = parse_ballot(BallotNotVoted, body).members
    members.sort(key=lambda e: (-e["weight"], e["name"], e["member"]))
    return Missing(
        vote=vote,
        members=members,
        weight=sum(e["weight"] for e in members),
        expanded=expanded,
    )


async def handset_warnings(
    registration: ServiceClient, meeting: str, *, credentials: dict[str, str]
) -> int | None:
    """How many bound handsets are low, out of range or never heard (asked with
    the chair's own credentials); None if registration cannot say (the view
    shows the rest, it does not fail)."""
    try:
        body = await registration.get_json(
            url_path("/api/meetings/{}/handsets", meeting), headers=credentials
        )
        return len(body["warnings"])
    except (AlvError, KeyError, TypeError):
        return None


async def view(
    session: AsyncSession,
    *,
    ballot: ServiceClient,
    registration: ServiceClient,
    meeting: str,
    expanded: bool,
    credentials: dict[str, str],
) -> ControlView:
    lines = await agenda(ballot, meeting)
    decided = await meeting_outcomes(session, ballot=ballot, meeting=meeting)
    outcomes = {outcome.vote.id: outcome for outcome in decided}
    followed = {vote.follows_vote_id for vote, _ in lines if vote.follows_vote_id is not None}
    named = {vote.id: f"{vote.position} ({vote.title})" for vote, _ in lines}
    rows = [
        Row(
            vote=vote,
            depth=depth,
            outcome=outcomes.get(vote.id),
            runoff_between=(
                None if vote.id in followed else _runoff_between(outcomes.get(vote.id))
            ),
            followed=vote.id in followed,
            undecided=[named.get(i, str(i)) for i in vote.undecided_amendments],
        )
        for vote, depth in lines
    ]
    focus = _in_focus(lines)
    return ControlView(
        rows=rows,
        open_vote=next((vote for vote, _ in lines if vote.status == "open"), None),
        attendance=await attendance(registration, meeting),
        missing=(
            await missing(ballot, focus, expanded=expanded, credentials=credentials)
            if focus
            else None
        ),
        handset_warnings=await handset_warnings(registration, meeting, credentials=credentials),
        outcomes=outcomes,
    )


ChairAction = Literal["open", "close", "acclaim", "annul", "runoff", "again"]
_DONE = {
    "open": "is geopend",
    "close": "is gesloten",
    "annul": "is nietig verklaard",
    "runoff": "krijgt een herstemming tussen de beste twee; die staat op de agenda",
    "again": "wordt opnieuw in stemming gebracht; de nieuwe stemming staat op de agenda",
}


async def vote_of(ballot: ServiceClient, *, meeting: str, vote_id: int) -> BallotVote:
    """The vote, if it is one of this meeting's (a page acts on its own agenda only)."""
    vote = await fetch_vote(ballot, vote_id)
    if vote.meeting != meeting:
        raise VoteNotFound(f"Stemming {vote_id} hoort niet bij deze vergadering.")
    return vote


def action_body(action: ChairAction, fields: FormData) -> dict[str, Any] | None:
    """What ballot is sent for ``action``, from the page's form; refused in Dutch."""
    confirmed = fields.get("confirmed") == "1"
    if action == "open":
        return {"despite_undecided_amendments": confirmed}
    if action == "acclaim":
        adopted = fields.get("adopted")
        if adopted not in ("0", "1"):
            raise Invalid("Kies aangenomen of verworpen.")
        return {"despite_undecided_amendments": confirmed, "adopted": adopted == "1"}
    if action == "annul":
        reason = required_text(fields, "reason", label="de reden", max_length=1000)
        if len(reason) < 3:
            raise Invalid("Geef een reden van ten minste 3 tekens.")
        return {"reason": reason}
    return None


def done_message(action: ChairAction, vote: BallotVote, done: BallotVote) -> str:
    """What the chair reads after ``action`` on ``vote`` (``done``: ballot's answer)."""
    if action == "acclaim":
        what = f"is bij acclamatie {'aangenomen' if done.acclamation_adopted else 'verworpen'}"
    else:
        what = _DONE[action]
    return f"Stemming {vote.position} ({vote.title}) {what}."


def needs_confirmation(problem: UpstreamProblem) -> bool:
    """Ballot refused to open (or acclaim) a proposal before its amendments."""
    return problem.code == "undecided_amendments"
