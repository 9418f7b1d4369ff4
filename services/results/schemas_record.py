"""API shapes of the published record, the auditors' view and the chair's controls.

The shapes of outcomes themselves are in ``schemas.py``; the export format is
described in ``verify/README.md`` (it is raw data, see ``export.py``).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool

from services.common.bounds import Text
from services.results.publication import PublicationMode
from services.results.schemas import (
    BallotCounted,
    BallotElector,
    BallotVote,
    BaseRead,
    Count,
    DecisionRead,
    OptionRole,
    OutcomeRead,
    RequiredRead,
    VoteDefinition,
    VoteStatus,
)

# --- ballot's contract, continued ----------------------------------------------------


class BallotPress(BaseModel):
    """One press as ballot received it, counted or not."""

    id: int
    vote_id: int | None
    receiver: str
    handset: str
    seq: int
    key: int
    rssi: int
    battery: int
    received_at: datetime.datetime
    stored_at: datetime.datetime
    status: str  # OK, NOPOLL, LATE, BADKEY, DENY
    member: str | None
    counted: bool


class BallotVoteTimes(BaseModel):
    """Lifecycle times of a vote, where ballot publishes them.

    Read separately from ``BallotVote`` on purpose: ``BallotVote`` is hashed
    into every stored outcome, so a field ballot adds later must not enter it.
    """

    id: int
    created_at: datetime.datetime | None = None
    opened_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    annulled_at: datetime.datetime | None = None
    annulled_reason: str | None = None
    # Who did each step (a login or a machine token's name).
    created_by: str | None = None
    opened_by: str | None = None
    closed_by: str | None = None
    annulled_by: str | None = None


class RegistrationAuditEntry(BaseModel):
    at: datetime.datetime
    actor: str
    action: str
    member_code: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


# --- the published record ------------------------------------------------------------


class OptionTotal(BaseModel):
    key: int
    label: str
    role: OptionRole
    weight: int
    members: int
    percentage: str | None


class MemberChoice(BaseModel):
    """What one municipality voted in a named vote."""

    member: str
    name: str
    weight: int
    key: int | None  # None: present, did not vote
    choice: str  # the option's label, or "niet gestemd"


class StemgedragVote(BaseModel):
    sequence: int
    vote: VoteDefinition
    status: VoteStatus
    annulled_reason: str | None
    # The sentence of the minutes; None for an annulled vote and when not computable.
    sentence: str | None
    decision: DecisionRead | None = None
    # "uitslag niet te berekenen": why; else None.
    not_computable: str | None = None
    totals: list[OptionTotal]
    base: BaseRead
    required: RequiredRead
    electorate: Count
    non_voters: Count
    # Per municipality for a named vote; None for a secret vote (totals only)
    # and for a named vote whose stemgedrag is not published yet.
    members: list[MemberChoice] | None
    # A named vote whose stemgedrag waits for publication (``/publication``).
    stemgedrag_withheld: bool = False
    # Whether ballot's record today still hashes to the stored inputs_hash.
    inputs_verified: bool
    # The fewest whole votes that met the rule; None when nothing was cast.
    required_votes: int | None = None
    opened_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    # An amendment of, a part of, or a new vote after another vote (ballot's ids).
    amends_vote_id: int | None = None
    part_of_vote_id: int | None = None
    follows_vote_id: int | None = None
    # This vote's link in the meeting's hash chain.
    hash: str | None = None


class PublicationRead(BaseModel):
    meeting: str
    # after_meeting: the secretariat publishes the stemgedrag; at_once: public on close.
    mode: PublicationMode
    stemgedrag_public: bool
    published_at: datetime.datetime | None
    published_by: str | None


class PublicationUpdate(BaseModel):
    mode: PublicationMode


class StemgedragRead(BaseModel):
    meeting: str
    publication: PublicationRead
    votes: list[StemgedragVote]


# --- the auditors --------------------------------------------------------------------

PressVerdict = Literal["geteld", "vervangen", "geweigerd"]


class AuditPress(BallotPress):
    # geteld: the member's counted press; vervangen: accepted, then replaced
    # by a later press of the same member; geweigerd: not accepted (status).
    verdict: PressVerdict


class AuditVoteRead(BaseModel):
    vote: BallotVote
    electorate: list[BallotElector]
    counted: list[BallotCounted]
    presses: list[AuditPress]
    # Member codes of the electorate without a counted press.
    not_voted: list[str]
    # The stored outcome (closed, annulled), the running tally (open), or None.
    outcome: OutcomeRead | None
    # The computation step by step, with member codes even for a secret vote.
    explanation: list[str]
    # sha256 of ballot's record now, and whether it equals the stored one.
    inputs_hash: str | None
    inputs_verified: bool | None


TimelineSource = Literal["registratie", "stemmingen", "uitslagen"]


class TimelineEntry(BaseModel):
    at: datetime.datetime | None
    source: TimelineSource
    action: str
    actor: str | None = None
    member: str | None = None
    vote_id: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class TimelineRead(BaseModel):
    meeting: str
    entries: list[TimelineEntry]
    # What the timeline could not show (a service unreachable, unknown times).
    notes: list[str]


# --- the receipt check -------------------------------------------------------------


class ReceiptRequest(BaseModel):
    card_code: Text = Field(min_length=1, max_length=200)


class ReceiptPress(BaseModel):
    stored_at: datetime.datetime
    handset: str
    answer: str  # what ballot answered, in Dutch ("geteld", "te laat", ...)
    counted: bool
    # The option chosen, for a named vote only; None for a secret vote, always.
    choice: str | None


class ReceiptVote(BaseModel):
    vote_id: int
    title: str
    kind: str
    named: bool
    status: VoteStatus
    # Whether one of the presses counted (the last accepted one does).
    counted: bool
    presses: list[ReceiptPress]


class ReceiptRead(BaseModel):
    meeting: str
    member: str
    name: str
    votes: list[ReceiptVote]


# --- the chair -----------------------------------------------------------------------


class ScreenRead(BaseModel):
    meeting: str
    show_tally: bool
    changed_at: datetime.datetime | None


class ScreenUpdate(BaseModel):
    show_tally: StrictBool


class AcclaimRequest(BaseModel):
    adopted: StrictBool
    # The chair confirmed deciding a proposal before one of its amendments.
    despite_undecided_amendments: StrictBool = False


class OpenRequest(BaseModel):
    # The chair confirmed opening a proposal before one of its amendments.
    despite_undecided_amendments: StrictBool = False


class AnnulRequest(BaseModel):
    reason: Text = Field(min_length=3, max_length=1000)
