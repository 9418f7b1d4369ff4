"""API shapes of the registration service (never the ORM classes)."""

from __future__ import annotations

import datetime

from pydantic import BaseModel, ConfigDict, Field

MEETING_CODE = r"^[a-z0-9][a-z0-9-]{1,31}$"


class MeetingCreate(BaseModel):
    code: str = Field(pattern=MEETING_CODE, examples=["alv-2023-12"])
    name: str = Field(min_length=1, max_length=200, examples=["ALV 1 december 2023"])
    date: datetime.date


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


class SkippedRow(BaseModel):
    line: int
    reason: str


class ImportReport(BaseModel):
    read: int
    created: int
    updated: int
    skipped: list[SkippedRow]


class CardRead(BaseModel):
    member: str
    name: str
    weight: int
    version: int
    code: str


class CardScan(BaseModel):
    card_code: str = Field(min_length=1, max_length=200)


class RegistrationCreate(BaseModel):
    card_code: str = Field(min_length=1, max_length=200)
    handset: str = Field(min_length=1, max_length=40)


class HandsetSwap(BaseModel):
    handset: str = Field(min_length=1, max_length=40)


class MemberStatus(BaseModel):
    """What the desk shows after a scan, and the stempas after a binding."""

    member: str
    name: str
    weight: int
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


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime.datetime
    actor: str
    action: str
    member_code: str | None
    details: dict[str, object]
