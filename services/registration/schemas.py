"""API shapes of the registration service (never the ORM classes)."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from services.common.bounds import MEETING_CODE, MEMBER_CODE, IsoDate, Text
from services.registration.weights import MAX_POPULATION

MemberCodeField = Annotated[str, Field(pattern=MEMBER_CODE, examples=["GM0363"])]


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


class ImportReport(BaseModel):
    read: int
    created: int
    updated: int
    skipped: list[SkippedRow]
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


class RegistrationWithoutCard(BaseModel):
    """A forgotten card: the officer checked who it is and says so by name."""

    member: MemberCodeField
    handset: Text = Field(min_length=1, max_length=40)
    officer: Text = Field(max_length=100, examples=["J. de Vries"])
    confirmed: StrictBool


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


class SendReport(BaseModel):
    sent: int
    failed: int
    attempts: list[MailLogEntry]


class TestVoteStatus(BaseModel):
    """An open proefstemming and the present members whose handset has not
    responded yet, so the desk can check or swap those handsets."""

    vote_id: int | None
    title: str | None
    missing: list[ElectorMember]
