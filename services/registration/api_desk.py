"""HTTP routes of the stembalie and of who is present: parse, call, return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import StringConstraints

from services.common.bounds import HANDSET, MAX_ROW_ID, MeetingCode, MemberCode, Text
from services.common.errors import problem_responses
from services.registration import desk, service
from services.registration.deps import (
    BallotClientDep,
    CallerCredentials,
    DeskAuth,
    DeskSessionDep,
    ElectorateAuth,
    SessionDep,
)
from services.registration.errors import (
    AlreadyRegistered,
    CardRevoked,
    ForgedCard,
    HandsetInUse,
    HandsetNotBound,
    MalformedCode,
    MalformedHandset,
    MeetingNotFound,
    MemberNotFound,
    NotConfirmed,
    NotRegistered,
    OtherMeetingCard,
    PopulationMissing,
    UnknownCard,
)
from services.registration.schemas import (
    BindingChanges,
    CardScan,
    Electorate,
    HandsetSwap,
    MemberStatus,
    Presence,
    RegistrationCreate,
    RegistrationRead,
    RegistrationWithoutCard,
    TestVoteStatus,
)

router = APIRouter(prefix="/api")
# Why a scanned stemkaart is refused.
CARD = (MalformedCode, ForgedCard, OtherMeetingCard, UnknownCard, CardRevoked)
# Why a handset is not bound.
BINDING = (MalformedHandset, PopulationMissing, AlreadyRegistered, HandsetInUse)
HandsetLabel = Annotated[str, Path(min_length=1, max_length=40)]


@router.post(
    "/meetings/{meeting}/desk/scan",
    responses=problem_responses(MeetingNotFound, *CARD),
    tags=["desk"],
)
async def scan_card(
    meeting: MeetingCode, data: CardScan, session: SessionDep, _: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.scan(session, meeting=found, code=data.card_code)


@router.post(
    "/meetings/{meeting}/registrations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(MeetingNotFound, *CARD, *BINDING),
    tags=["desk"],
)
async def register(
    meeting: MeetingCode, data: RegistrationCreate, session: DeskSessionDep, role: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.register(
        session, meeting=found, code=data.card_code, handset=data.handset, actor=role.name
    )


@router.post(
    "/meetings/{meeting}/registrations/without-card",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(MeetingNotFound, MemberNotFound, NotConfirmed, *BINDING),
    tags=["desk"],
)
async def register_without_card(
    meeting: MeetingCode, data: RegistrationWithoutCard, session: DeskSessionDep, role: DeskAuth
) -> MemberStatus:
    """No barcode (a forgotten stemkaart, or a machtigingsformulier without one):
    bound on the officer's named confirmation (audited)."""
    found = await service.get_meeting(session, meeting)
    return await desk.register_without_card(
        session,
        meeting=found,
        member_code=data.member,
        handset=data.handset,
        officer=data.officer,
        confirmed=data.confirmed,
        actor=role.name,
        proof=data.proof,
    )


@router.get(
    "/meetings/{meeting}/registrations", responses=problem_responses(MeetingNotFound), tags=["desk"]
)
async def recent_registrations(
    meeting: MeetingCode,
    session: SessionDep,
    _: DeskAuth,
    limit: int = Query(default=20, ge=1, le=500),
) -> list[RegistrationRead]:
    """The latest registrations, newest first: what the desk just did."""
    found = await service.get_meeting(session, meeting)
    return await desk.recent(session, meeting=found, limit=limit)


@router.post(
    "/meetings/{meeting}/registrations/{member}/return",
    responses=problem_responses(MeetingNotFound, MemberNotFound, NotRegistered),
    tags=["desk"],
)
async def return_handset(
    meeting: MeetingCode, member: MemberCode, session: DeskSessionDep, role: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.return_handset(session, meeting=found, member_code=member, actor=role.name)


@router.post(
    "/meetings/{meeting}/registrations/{member}/swap",
    responses=problem_responses(
        MeetingNotFound, MemberNotFound, NotRegistered, MalformedHandset, HandsetInUse
    ),
    tags=["desk"],
)
async def swap_handset(
    meeting: MeetingCode,
    member: MemberCode,
    data: HandsetSwap,
    session: DeskSessionDep,
    role: DeskAuth,
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.swap_handset(
        session, meeting=found, member_code=member, handset=data.handset, actor=role.name
    )


@router.get(
    "/meetings/{meeting}/handsets/{handset}",
    responses=problem_responses(MeetingNotFound, MalformedHandset, HandsetNotBound),
    tags=["desk"],
)
async def handset_holder(
    meeting: MeetingCode, handset: HandsetLabel, session: SessionDep, _: DeskAuth
) -> MemberStatus:
    """Which municipality a handset is bound to (a returned or broken handset)."""
    found = await service.get_meeting(session, meeting)
    return await desk.holder_of_handset(session, meeting=found, handset=handset)


@router.get(
    "/meetings/{meeting}/members/search",
    responses=problem_responses(MeetingNotFound),
    tags=["desk"],
)
async def search_members(
    meeting: MeetingCode,
    session: SessionDep,
    _: DeskAuth,
    q: Text = Query(min_length=2, max_length=100, description="part of the municipality's name"),
) -> list[MemberStatus]:
    found = await service.get_meeting(session, meeting)
    return await desk.search(session, meeting=found, query=q)


@router.get(
    "/meetings/{meeting}/presence", responses=problem_responses(MeetingNotFound), tags=["desk"]
)
async def presence(meeting: MeetingCode, session: SessionDep) -> Presence:
    found = await service.get_meeting(session, meeting)
    return await desk.presence(session, meeting=found)


@router.get(
    "/meetings/{meeting}/electorate",
    responses=problem_responses(MeetingNotFound, PopulationMissing),
    tags=["electorate"],
)
async def electorate(meeting: MeetingCode, session: SessionDep, _: ElectorateAuth) -> Electorate:
    found = await service.get_meeting(session, meeting)
    return await desk.electorate(session, meeting=found)


@router.get(
    "/meetings/{meeting}/binding-changes",
    responses=problem_responses(MeetingNotFound),
    tags=["electorate"],
)
async def binding_changes(
    meeting: MeetingCode,
    session: SessionDep,
    _: ElectorateAuth,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    handset: Annotated[
        list[Annotated[str, StringConstraints(pattern=HANDSET)]],
        Query(max_length=1000, description="only these handsets"),
    ] = [],  # noqa: B006 (FastAPI copies a list default per request)
) -> BindingChanges:
    """The desk's binding changes after change ``after``, oldest first: what
    ballot asks for at its start-up and for a handset it does not know."""
    found = await service.get_meeting(session, meeting)
    return await desk.binding_changes(
        session, meeting=found, after=after, limit=limit, handsets=handset
    )


@router.get("/meetings/{meeting}/test-vote", tags=["desk"])
async def test_vote(
    meeting: MeetingCode, ballot: BallotClientDep, _: DeskAuth, credentials: CallerCredentials
) -> TestVoteStatus:
    """During a proefstemming: present members whose handset has not responded."""
    return await desk.test_vote(ballot, meeting=meeting, credentials=credentials)
