"""API shapes of the ballot service."""

from __future__ import annotations

import datetime
import enum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from services.ballot.rules import PressStatus, Reason
from services.common.bounds import (
    MAX_ROW_ID,
    HandsetId,
    Key,
    MemberKey,
    MemberName,
    Seq,
    Text,
    Votes,
)
from services.domain.decision import (
    ROLE_NAMES,
    UnfitOptions,
    UnknownMajority,
    check_options,
    offered_rule,
)

RECEIVER = r"^[A-Z0-9]{1,8}$"


def _text_only(value: Any) -> Any:
    """A time on the wire is an ISO 8601 string; a number is not taken for one."""
    if not isinstance(value, str):
        raise ValueError("een tijdstip is een ISO 8601-tekst met tijdzone")
    return value


# A time the gateway sends: ISO 8601 text with a zone (``...Z``), nothing else.
WireTime = Annotated[AwareDatetime, BeforeValidator(_text_only)]


class VoteKind(enum.StrEnum):
    PROEFSTEMMING = "proefstemming"
    VOORSTEL = "voorstel"
    MOTIE = "motie"
    AMENDEMENT = "amendement"
    ORDEVOORSTEL = "ordevoorstel"
    VERKIEZING = "verkiezing"


class OptionRole(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    CHOICE = "choice"


class VoteStatus(enum.StrEnum):
    PREPARED = "prepared"
    OPEN = "open"
    CLOSED = "closed"
    ANNULLED = "annulled"


class Option(BaseModel):
    key: StrictInt = Field(ge=0, le=9)
    label: Text = Field(min_length=1, max_length=200)
    role: OptionRole


FOR_AGAINST_ABSTAIN = [
    Option(key=1, label="voor", role=OptionRole.FOR),
    Option(key=2, label="tegen", role=OptionRole.AGAINST),
    Option(key=3, label="onthouding", role=OptionRole.ABSTAIN),
]
# A proefstemming asks for any key: every key is valid and none means anything.
ANY_KEY = [Option(key=k, label=f"toets {k}", role=OptionRole.CHOICE) for k in range(10)]


class MajorityRead(BaseModel):
    """More than (or, inclusive, at least) numerator/denominator of the votes cast.

    As stored: a vote stored before ballot checked the rule is read as it is.
    """

    numerator: int
    denominator: int
    inclusive: bool


class Majority(MajorityRead):
    """One of the rules the decision module offers (``MAJORITY_RULES``), so
    every vote ballot accepts is one results can decide."""

    numerator: StrictInt = Field(default=1, ge=1, le=100)
    denominator: StrictInt = Field(default=2, ge=1, le=100)
    inclusive: StrictBool = False

    @model_validator(mode="after")
    def _offered(self) -> Self:
        try:
            offered_rule(self.numerator, self.denominator, inclusive=self.inclusive)
        except UnknownMajority as exc:
            raise PydanticCustomError("majority", str(exc)) from exc
        return self


class VoteCreate(BaseModel):
    kind: VoteKind
    title: Text = Field(min_length=1, max_length=300)
    agenda_item: Text | None = Field(default=None, max_length=100)
    # Only for a verkiezing: the office it fills, as the minutes name it.
    office: Text | None = Field(
        default=None, min_length=1, max_length=100, examples=["vicevoorzitter"]
    )
    # Omitted: voor/tegen/onthouding (keys 1-3); required for numbered options.
    options: list[Option] | None = Field(default=None, max_length=10)
    majority: Majority = Field(default_factory=Majority)
    # Whether abstentions count as cast; left out: the meeting's base.
    abstentions_cast: StrictBool | None = None
    named: StrictBool = True
    amends_vote_id: StrictInt | None = None
    part_of_vote_id: StrictInt | None = None
    follows_vote_id: StrictInt | None = None

    @model_validator(mode="after")
    def _options_fit_kind(self) -> Self:
        if self.office is not None and self.kind is not VoteKind.VERKIEZING:
            raise ValueError("alleen een verkiezing vervult een functie")
        if self.kind is VoteKind.PROEFSTEMMING:
            self.options = ANY_KEY
        elif self.options is None:
            if self.kind in (VoteKind.ORDEVOORSTEL, VoteKind.VERKIEZING):
                raise ValueError("een ordevoorstel of verkiezing heeft genummerde opties nodig")
            self.options = FOR_AGAINST_ABSTAIN
        keys = [option.key for option in self.options]
        if len(set(keys)) != len(keys) or not keys:
            raise ValueError("elke optie heeft een eigen toets nodig")
        try:
            check_options(self.kind.value, [ROLE_NAMES[o.role.value] for o in self.options])
        except UnfitOptions as exc:
            raise PydanticCustomError("options", str(exc)) from exc
        return self


class VoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    meeting: str
    position: int
    kind: VoteKind
    title: str
    agenda_item: str | None
    office: str | None = None
    options: list[Option]
    majority: MajorityRead
    abstentions_cast: bool
    # True while the vote follows the meeting's base (no base of its own).
    follows_meeting_base: bool = False
    named: bool
    status: VoteStatus
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    annulled_reason: str | None
    amends_vote_id: int | None
    part_of_vote_id: int | None
    follows_vote_id: int | None
    # A proefstemming never counts: lists for publication leave these out.
    is_test: bool = False
    decided_by: Literal["vote", "acclamation"] = "vote"
    # Who created, opened, closed (or acclaimed) and annulled it: a login or a
    # machine token's name; None for what was done before names were kept.
    created_by: str | None = None
    opened_by: str | None = None
    closed_by: str | None = None
    annulled_by: str | None = None
    # Set only for a decision bij acclamatie: adopted (True) or rejected.
    acclamation_adopted: bool | None = None


class AgendaNode(VoteRead):
    """A vote with the amendments and motion parts that hang under it (links.py)."""

    # For a voorstel or motie: its amendments (latest rounds) not yet decided;
    # opening it is refused until the chair confirms.
    undecided_amendments: list[int] = Field(default_factory=list)
    children: list[AgendaNode] = Field(default_factory=list)


class MeetingSettings(BaseModel):
    """What the votes of a meeting follow unless a vote says otherwise."""

    abstentions_cast: StrictBool = Field(
        description="whether abstentions count as cast (the base of the majority)"
    )


class VoteAgain(BaseModel):
    """Hold a vote again as a new prepared copy (a runoff has its own call;
    the copy can be edited while it is prepared)."""

    # Options typed by hand are refused, not ignored: a second round is /runoff.
    model_config = ConfigDict(extra="forbid")

    title: Text | None = Field(default=None, min_length=1, max_length=300)
    # E.g. a vote stored under a rule no longer offered.
    majority: Majority | None = None


class VoteOrder(BaseModel):
    """The prepared votes of a meeting in their new order (all of them, once each)."""

    vote_ids: list[StrictInt] = Field(max_length=1000)


class SkippedRow(BaseModel):
    row: int
    title: str | None
    reason: str


class AgendaReport(BaseModel):
    """What an agenda import read, created and skipped (and why)."""

    read: int
    created: list[VoteRead]
    skipped: list[SkippedRow]


class Acclamation(BaseModel):
    """The chair's record that an item was decided without a vote."""

    adopted: StrictBool = True
    # The chair confirmed deciding a proposal before one of its amendments.
    despite_undecided_amendments: StrictBool = False


class Opening(BaseModel):
    """Opening a vote; the body may be left out."""

    # The chair confirmed opening a proposal before one of its amendments.
    despite_undecided_amendments: StrictBool = False


class Annulment(BaseModel):
    reason: Text = Field(min_length=3, max_length=1000)


class PressIn(BaseModel):
    receiver: str = Field(pattern=RECEIVER)
    handset: HandsetId
    seq: Seq
    key: Key
    rssi: StrictInt = Field(ge=-120, le=0)
    battery: StrictInt = Field(ge=0, le=100)
    received_at: WireTime = Field(
        description="The gateway's clock when it first heard the press, computed as this"
        " attempt is sent: sent_at minus how long the gateway has held the press (measured"
        " on its monotonic clock). Only sent_at - received_at is used."
    )


class PressBatch(BaseModel):
    """One attempt of a gateway to deliver presses (docs/ARCHITECTURE.md)."""

    sent_at: WireTime = Field(
        description="The gateway's clock when it sent this attempt (every retry anew)."
        " With received_at it says how long each press was held, whatever the gateway's"
        " clock is set to; a press with received_at more than 1 s after sent_at is NOPOLL."
    )
    presses: list[PressIn] = Field(max_length=1000)


class PressResult(BaseModel):
    handset: str
    seq: int
    status: PressStatus


class BatchResult(BaseModel):
    results: list[PressResult]


class MeetingState(BaseModel):
    meeting: str
    state: Literal["OPEN", "CLOSED"]
    vote_id: int | None
    keys: int
    version: int


class ElectorRead(BaseModel):
    member: str
    name: str
    weight: int
    # The handset bound when the vote opened.
    handset: str
    # Every handset that voted for the member in this vote: the one above and
    # any swapped in at the desk while the vote was open.
    handsets: list[str] = Field(default_factory=list)


class CountedPress(BaseModel):
    member: str
    key: int
    handset: str
    seq: int
    stored_at: datetime.datetime


class VoteRecord(BaseModel):
    """What the results service needs to compute an outcome."""

    vote: VoteRead
    electorate: list[ElectorRead]
    counted: list[CountedPress]


class OutcomeInputs(BaseModel):
    """What the results service needs when it first reads a vote's outcome, in
    one answer: the meeting's votes (a decided vote is stored after every
    earlier one, in the order they closed) and the vote's record once it is
    closed or annulled, or while it is open if the running tally was asked for
    (``live``); else null."""

    votes: list[VoteRead]
    record: VoteRecord | None


class PressRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vote_id: int | None
    receiver: str
    handset: str
    seq: int
    key: int
    rssi: int
    battery: int
    # The gateway's clock: when it heard the press.
    received_at: datetime.datetime
    # Ours: when it was heard (None when its times contradicted each other),
    # and when it reached us.
    heard_at: datetime.datetime | None
    stored_at: datetime.datetime
    status: PressStatus
    # Why it does not count (every status but OK).
    reason: Reason | None
    member: str | None
    counted: bool


class BindingChangeIn(BaseModel):
    """A change the desk made, as registration reports it (idempotent by ``id``)."""

    id: StrictInt = Field(ge=1, le=MAX_ROW_ID)
    member: MemberKey
    handset: HandsetId
    bound: StrictBool
    at: WireTime


class BindingChanges(BaseModel):
    changes: list[BindingChangeIn] = Field(max_length=10_000)


class BindingsLearned(BaseModel):
    learned: int


class Progress(BaseModel):
    vote_id: int
    status: VoteStatus
    electorate_members: int
    electorate_weight: int
    voted_members: int
    voted_weight: int
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    # Since the open; until the close once closed.
    elapsed_seconds: float | None = None


class NotVoted(BaseModel):
    """Present members of the frozen electorate without a counted press yet."""

    vote_id: int
    kind: VoteKind
    status: VoteStatus
    members: list[ElectorRead]


# --- registration's contract ---------------------------------------------------------


class ElectorIn(TypedDict):
    """A member of registration's electorate (its ElectorMember). A dict, not
    a model: 100,000 of them open a vote at a congress. Bounded as registration
    bounds them, so what it stores ballot can store (common/bounds.py)."""

    code: MemberKey
    name: MemberName
    weight: Votes
    handset: HandsetId


class ElectorateIn(BaseModel):
    """Registration's ``GET /api/meetings/{m}/electorate``, validated straight from its bytes."""

    # Only the keys are worth pydantic's cache of the strings it makes: every
    # value of an electorate is new, and caching them all took half of the
    # validation's time (100,000 electors: 70 ms instead of 140).
    model_config = ConfigDict(cache_strings="keys")

    members: list[ElectorIn]
    # The last binding change the list reflects (bindings.py applies later ones).
    change_id: StrictInt | None = Field(default=None, ge=0, le=MAX_ROW_ID)
