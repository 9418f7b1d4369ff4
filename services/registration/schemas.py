"""API shapes of the registration service (never the ORM classes)."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel, StrictBool, StrictInt

from services.common.bounds import (
    HANDSET,
    MAX_ROW_ID,
    MEETING_CODE,
    MEMBER_CODE,
    HandsetId,
    IsoDate,
    MemberKey,
    MemberName,
    Text,
    Votes,
)
from services.registration.weights import MAX_POPULATION

MemberCodeField = Annotated[str, Field(pattern=MEMBER_CODE, examples=["GM0363"])]
RECEIVER = r"^[A-Z0-9]{1,8}$"


class MeetingCreate(BaseModel):
    code: str = Field(pattern=MEETING_CODE, examples=["alv-2023-12"])
    name: Text = Field(min_length=1, max_length=200, examples=["ALV 1 december 2023"])
    # Found by schemathesis: 0001-01-01 has no year before it for the figures.
    date: IsoDate = Field(ge=datetime.date(2000, 1, 1), le=datetime.date(2099, 12, 31))


class MeetingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    date: datetime.date
    population_date: datetime.date


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    population: int | None
    population_date: datetime.date | None
    population_source: str | None
    weight: int | None
    contact_name: str | None
    contact_email: str | None


class SkippedRow(BaseModel):
    line: int
    reason: str


class ImportedMember(BaseModel):
    """One member as the import leaves it: its weight and where the figure came from."""

    code: str
    name: str
    population: int | None
    weight: int | None
    population_date: datetime.date | None
    source: str | None
    change: Literal["new", "updated", "unchanged"]
    old_weight: int | None  # before this import; None for a new member


class ImportReport(BaseModel):
    # A preview (``dry_run``): what the import would do; nothing was stored.
    dry_run: bool = False
    read: int
    created: int
    updated: int
    skipped: list[SkippedRow]
    members: list[ImportedMember] = []
    # Members imported without a figure: cards stay blocked until staff supply it.
    without_population: list[str] = []
    period: str | None = Field(default=None, examples=["2023JJ00"])  # CBS imports only


class CbsImport(BaseModel):
    """The two documents of CBS table 03759ned as its OData API returns them."""

    observations: dict[str, object] = Field(description="Observations (measure M000352)")
    regions: dict[str, object] = Field(description="RegioSCodes: code -> Title")


class PopulationSupply(BaseModel):
    population: StrictInt = Field(ge=0, le=MAX_POPULATION, examples=[70_000])
    source: Text = Field(
        min_length=3,
        max_length=300,
        examples=["CBS StatLine 03759ned, op de grenzen van 2023, opgevraagd 2023-05-02"],
    )


class ContactImportReport(BaseModel):
    read: int
    updated: int
    skipped: list[SkippedRow]  # unreadable rows and invalid addresses
    unmatched: list[SkippedRow]  # rows whose code is not a member of the meeting
    without_contact: list[str]  # members that still have no address


class CardRead(BaseModel):
    member: str
    name: str
    # None when a later import left the member without a figure: the card
    # stays, but is neither rendered nor sent until staff supply one.
    weight: int | None
    version: int
    code: str


class CardReissue(BaseModel):
    reason: Text = Field(
        min_length=3, max_length=300, examples=["kwijt", "naar de griffier gemaild"]
    )


class CardScan(BaseModel):
    card_code: Text = Field(min_length=1, max_length=200)


class CardHolder(BaseModel):
    """Whose valid, current stemkaart a code is (the receipt check)."""

    member: str
    name: str


class RegistrationCreate(BaseModel):
    card_code: Text = Field(min_length=1, max_length=200)
    handset: Text = Field(min_length=1, max_length=40)


Admission = Literal["card", "forgotten_card", "authorisation_form"]


class RegistrationWithoutCard(BaseModel):
    """No barcode to scan: the officer found the municipality by name, checked
    who the representative is and says so by name. ``proof`` is what the
    representative brought: nothing (a forgotten stemkaart) or a signed
    machtigingsformulier without a barcode."""

    member: MemberCodeField
    handset: Text = Field(min_length=1, max_length=40)
    officer: Text = Field(max_length=100, examples=["J. de Vries"])
    confirmed: StrictBool
    proof: Literal["forgotten_card", "authorisation_form"] = "forgotten_card"


class HandsetSwap(BaseModel):
    handset: Text = Field(min_length=1, max_length=40)


class MemberStatus(BaseModel):
    """What the desk shows after a scan, and the stempas after a binding."""

    member: str
    name: str
    weight: int | None  # None only for a member still without a population figure
    present: bool
    handset: str | None
    registered_at: datetime.datetime | None


class RegistrationRead(BaseModel):
    """One registration at the desk, for its list of recent ones."""

    member: str
    name: str
    weight: int | None
    handset: str
    registered_at: datetime.datetime
    returned_at: datetime.datetime | None
    admitted_by: Admission
    officer: str | None


class Presence(BaseModel):
    present_members: int
    present_weight: int
    total_members: int
    total_weight: int


class ElectorMember(BaseModel):
    code: str
    name: str
    weight: int
    handset: str


class Electorate(BaseModel):
    meeting: str
    members: list[ElectorMember]
    # The last binding change this list reflects: ballot applies later ones on top.
    change_id: int = 0


class BindingChangeRead(BaseModel):
    """For ballot: the desk bound a handset to a member, or ended that binding."""

    id: int
    member: str
    handset: str
    bound: bool
    at: datetime.datetime


class BindingChanges(BaseModel):
    meeting: str
    changes: list[BindingChangeRead]


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime.datetime
    actor: str
    action: str
    member_code: str | None
    details: dict[str, object]


MailStatus = Literal["sent", "failed"]


class MailLogEntry(BaseModel):
    member: str
    name: str
    card_version: int
    recipient: str | None
    status: MailStatus
    smtp_code: int | None
    error: str | None
    attempted_at: datetime.datetime


class SendRequest(BaseModel):
    members: list[MemberCodeField] | None = Field(
        default=None,
        max_length=1000,
        description="only these members (CBS codes); all when left out",
    )
    only_failed: StrictBool = Field(
        default=False, description="only members whose latest attempt was not sent"
    )
    skip_sent: StrictBool = Field(
        default=False, description="leave out members whose current card was already sent"
    )
    # Sending a few hundred cards in short batches (the console shows progress):
    # each batch leaves out whom this run already tried.
    not_tried_since: AwareDatetime | None = Field(
        default=None, description="leave out members with an attempt at or after this moment"
    )
    limit: StrictInt | None = Field(
        default=None, ge=1, le=1000, description="at most this many members, by name"
    )
    # A run of batches names itself so that it keeps the meeting between them
    # and no other run can mail in between (mailing.py); without a name each
    # request is a run of its own.
    run: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]{1,40}$",
        description="the run this batch belongs to: it keeps the meeting until a batch"
        " leaves nothing remaining, or a minute after its last batch",
        examples=["cli-3f9a0c1d2b4e6f80"],
    )


class SendReport(BaseModel):
    sent: int
    failed: int
    attempts: list[MailLogEntry]
    # Members this request selected beyond its limit: the next batch's.
    remaining: int = 0
    # The server's clock before this batch's first attempt: a run's first
    # batch hands it on as ``not_tried_since`` of the next (no client clock).
    started: AwareDatetime


# --- ballot's contract: what the desk reads of an open proefstemming ----------------


class BallotVoteBrief(BaseModel):
    """A vote in ballot's list of a meeting's votes (the fields the desk reads)."""

    id: int = Field(ge=1, le=MAX_ROW_ID)
    kind: str
    status: str
    title: str


class BallotVotes(RootModel[list[BallotVoteBrief]]):
    pass


class BallotElector(BaseModel):
    """A member in ballot's list of who has not voted, bounded as we bound ours."""

    member: MemberKey
    name: MemberName
    weight: Votes
    handset: HandsetId


class BallotNotVoted(BaseModel):
    members: list[BallotElector]


class TestVoteStatus(BaseModel):
    """An open proefstemming and the present members whose handset has not
    responded yet, so the desk can check or swap those handsets."""

    vote_id: int | None
    title: str | None
    missing: list[ElectorMember]


HandsetProblem = Literal["never_seen", "out_of_range", "low_battery"]


class HandsetSeen(BaseModel):
    """What the gateway last heard of one handset (a press or a heartbeat)."""

    handset: str = Field(pattern=HANDSET, examples=["004711"])
    receiver: str = Field(pattern=RECEIVER, examples=["R01"])
    rssi: int = Field(ge=-120, le=0)
    battery: int = Field(ge=0, le=100)
    last_seen: AwareDatetime


class HandsetReport(BaseModel):
    """The handsets whose status changed since the gateway's previous report."""

    handsets: list[HandsetSeen] = Field(max_length=5000)


class HandsetReportResult(BaseModel):
    stored: int


class HandsetRead(BaseModel):
    """A handset heard by the gateway or bound at the desk, and how it is doing."""

    handset: str
    # The member it is bound to now; None for a handset nobody holds.
    member: str | None
    name: str | None
    weight: int | None
    receiver: str | None
    rssi: int | None
    battery: int | None
    last_seen: datetime.datetime | None
    in_range: bool  # heard within the last minute
    problems: list[HandsetProblem]  # only for a bound handset


class HandsetRegistry(BaseModel):
    meeting: str
    checked_at: datetime.datetime
    bound: int
    in_range: int
    # Bound handsets with a problem, the heaviest member first: check them before a vote.
    warnings: list[HandsetRead]
    # Every handset seen or bound, by number.
    handsets: list[HandsetRead]


# --- accounts, sessions and machine tokens (accounts.py) ------------------------------

LOGIN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
PersonRole = Literal["secretariat", "chair", "desk", "auditor"]
MachineRole = Literal["gateway", "service", "integrator"]
Password = Annotated[str, Field(min_length=10, max_length=200)]


class AccountCreate(BaseModel):
    login: str = Field(pattern=LOGIN, examples=["j.jansen"])
    display_name: Text = Field(min_length=1, max_length=200, examples=["Jan Jansen"])
    roles: list[PersonRole] = Field(min_length=1, max_length=4, examples=[["desk"]])
    password: Password


class AccountRead(BaseModel):
    login: str
    display_name: str
    roles: list[PersonRole]
    disabled: bool
    locked_until: AwareDatetime | None
    active_sessions: int


class PasswordReset(BaseModel):
    password: Password


class SessionsEnded(BaseModel):
    ended: int


class TokenCreate(BaseModel):
    name: str = Field(pattern=LOGIN, examples=["gateway-zaal-1"])
    roles: list[MachineRole] = Field(min_length=1, max_length=3, examples=[["gateway"]])


class TokenRead(BaseModel):
    name: str
    roles: list[MachineRole]
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="Shown once: only its hash is kept.")


class IntrospectRequest(BaseModel):
    session: str | None = Field(default=None, min_length=1, max_length=200)
    token: str | None = Field(default=None, min_length=1, max_length=200)


class PrincipalRead(BaseModel):
    kind: Literal["person", "machine"]
    name: str
    roles: list[PersonRole | MachineRole]


class IntrospectAnswer(BaseModel):
    active: bool
    principal: PrincipalRead | None
