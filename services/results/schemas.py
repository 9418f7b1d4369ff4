"""API shapes of the results service.

Two groups: what we read from ballot (its contract, declared here on the
consumer's side so the services stay separate packages), and what we publish.
"""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from services.common.bounds import (
    MAX_ROW_ID,
    MEETING_CODE,
    HandsetId,
    Key,
    MemberKey,
    MemberName,
    Seq,
    Votes,
)

VoteStatus = Literal["prepared", "open", "closed", "annulled"]
OptionRole = Literal["for", "against", "abstain", "choice"]

# --- ballot's contract --------------------------------------------------------------


class BallotOption(BaseModel):
    key: int
    label: str
    role: OptionRole


class BallotMajority(BaseModel):
    numerator: int
    denominator: int
    inclusive: bool


class BallotVote(BaseModel):
    # Both stored in our rows (common/bounds.py).
    id: int = Field(ge=1, le=MAX_ROW_ID)
    meeting: str = Field(pattern=MEETING_CODE)
    position: int
    kind: str
    title: str
    agenda_item: str | None = None
    # The office an election fills; hashed only when set (see compute.hashed_inputs).
    office: str | None = None
    options: list[BallotOption]
    majority: BallotMajority
    abstentions_cast: bool
    named: bool
    status: VoteStatus
    opened_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    annulled_reason: str | None = None
    amends_vote_id: int | None = None
    part_of_vote_id: int | None = None
    follows_vote_id: int | None = None
    # Decided bij acclamatie (never opened) or by a weighted vote.
    decided_by: Literal["vote", "acclamation"] = "vote"
    acclamation_adopted: bool | None = None

    @property
    def is_test(self) -> bool:
        return self.kind == "proefstemming"


# An elector and a counted press are plain dicts, not models: a record holds
# one of each per member (100,000 at a party congress), and validating,
# reading and hashing dicts costs a fraction of what models cost. Bounded as
# ballot and registration bound them (common/bounds.py): a weight of 0 or
# 10**9 would decide a vote.
class BallotElector(TypedDict):
    member: MemberKey
    name: MemberName
    weight: Votes
    handset: HandsetId


class BallotCounted(TypedDict):
    member: MemberKey
    key: Key
    handset: HandsetId
    seq: Seq
    stored_at: datetime.datetime


class BallotNotVoted(BaseModel):
    """Ballot's present members without a counted press (its ``NotVoted``)."""

    members: list[BallotElector]


class BallotRecord(BaseModel):
    vote: BallotVote
    electorate: list[BallotElector]
    counted: list[BallotCounted]


class BallotOutcomeInputs(BaseModel):
    """Ballot's OutcomeInputs: the meeting's votes and the asked vote's record
    once it is closed or annulled (or open, if the running tally was asked for)."""

    votes: list[BallotVote]
    record: BallotRecord | None


class BallotProgress(BaseModel):
    vote_id: int
    status: VoteStatus
    electorate_members: int
    electorate_weight: int
    voted_members: int
    voted_weight: int
    opened_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None


# --- what we publish ----------------------------------------------------------------


class VoteDefinition(BaseModel):
    """What was put to the vote; never changes once the vote has closed."""

    id: int
    meeting: str
    position: int
    kind: str
    title: str
    agenda_item: str | None
    office: str | None = None
    named: bool
    majority: BallotMajority
    abstentions_cast: bool
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    decided_by: Literal["vote", "acclamation"] = "vote"


class Count(BaseModel):
    members: int
    weight: int


class NonVoters(Count):
    # Member codes for a named vote; None for a secret vote.
    codes: list[str] | None


class TallyRead(BaseModel):
    key: int
    label: str
    role: OptionRole
    weight: int
    members: int
    in_base: bool
    # Share of the base, "98,68%"; None for an option outside the base or an empty base.
    percentage: str | None
    # Who chose this option, for a named vote; None for a secret vote.
    codes: list[str] | None


class BaseRead(BaseModel):
    description: str  # "voor + tegen" or "voor + tegen + onthouding"
    weight: int
    keys: list[int]


class RequiredRead(BaseModel):
    description: str  # "meer dan de helft"
    weight: str  # "meer dan 38", exact ("meer dan 75 1/2"); "" when nothing was cast


class DecisionRead(BaseModel):
    adopted: bool | None  # voor/tegen votes
    winner: int | None  # choice votes: the key of the winning option
    runoff: list[int] | None  # choice votes without a majority: the best two
    runoff_ambiguous: bool
    sentence_2023: str  # "het voorstel is aangenomen met 98,68% van de stemmen"
    sentence_2022: str  # "het voorstel wordt aangenomen met een meerderheid van 98,68%"


class ComputedOutcome(BaseModel):
    """The outcome as computed from the record: what is stored, byte for byte."""

    vote: VoteDefinition
    electorate: Count
    voted: Count
    non_voters: NonVoters
    tallies: list[TallyRead]
    base: BaseRead
    required: RequiredRead
    # None when the outcome cannot be computed; ``not_computable`` says why.
    decision: DecisionRead | None
    explanation: list[str]
    # Left out of the stored JSON when None, so every decided outcome keeps the
    # bytes (and the hash) it had before this field existed.
    not_computable: str | None = Field(default=None, exclude_if=lambda reason: reason is None)


class ChainLink(BaseModel):
    """Where a stored outcome sits in its meeting's hash chain."""

    sequence: int
    inputs_hash: str
    outcome_hash: str
    previous_hash: str | None
    hash: str
    stored_at: datetime.datetime


class OutcomeRead(BaseModel):
    vote: VoteDefinition
    status: VoteStatus
    # True while the vote is open: computed from the presses so far, not stored.
    live: bool
    annulled_reason: str | None
    electorate: Count
    voted: Count
    non_voters: NonVoters
    tallies: list[TallyRead]
    base: BaseRead
    required: RequiredRead
    # None for an annulled vote (it decided nothing) and when not computable.
    decision: DecisionRead | None
    explanation: list[str]
    record: ChainLink | None
    # The fewest whole votes that meet the rule (92 for "meer dan de helft" of
    # 183); None when nothing was cast. Read from the rule, never stored.
    required_votes: int | None = None
    # "uitslag niet te berekenen": why (e.g. a rule no longer offered); else None.
    not_computable: str | None = None


class ProgressRead(BaseModel):
    electorate: Count
    voted: Count
    opened_at: datetime.datetime | None
    elapsed_seconds: int


class Attendance(BaseModel):
    """Who is in the room (registered at the desk) out of all members."""

    present: Count
    total: Count


class CurrentRead(BaseModel):
    """What the chair's screen shows now.

    ``state``: ``open`` (a vote is open: ``vote`` and ``progress``, no tally),
    ``closed`` (the latest closed vote: ``vote`` and ``outcome``), ``annulled``
    (the latest vote was declared void: ``vote`` and ``outcome`` without a
    decision), ``test`` (the latest was a proefstemming: ``vote`` and
    ``progress``, never a result) or ``idle`` (nothing voted yet: with the
    ``attendance``, when registration can say). With ``show_tally`` an
    ``open`` vote also has its running tally in ``outcome``.
    """

    meeting: str
    state: Literal["idle", "open", "closed", "annulled", "test"]
    vote: VoteDefinition | None
    progress: ProgressRead | None
    outcome: OutcomeRead | None
    server_time: datetime.datetime
    # The chair switched on the running tally: ``outcome`` is live while open.
    show_tally: bool = False
    attendance: Attendance | None = None
