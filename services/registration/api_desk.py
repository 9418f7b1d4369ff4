"""HTTP routes of the stembalie and of who is present: parse, call, return."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from services.common.errors import problem_responses
from services.registration import desk, service
from services.registration.deps import (
    BallotClientDep,
    CallerAuthorization,
    DeskAuth,
    ElectorateAuth,
    SessionDep,
)
from services.registration.schemas import (
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
CARD_REFUSALS = problem_responses(404, 409, 422)


@router.post("/meetings/{meeting}/desk/scan", responses=CARD_REFUSALS, tags=["desk"])
async def scan_card(meeting: str, data: CardScan, session: SessionDep, _: DeskAuth) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.scan(session, meeting=found, code=data.card_code)


@router.post(
    "/meetings/{meeting}/registrations",
    status_code=status.HTTP_201_CREATED,
    responses=CARD_REFUSALS,
    tags=["desk"],
)
async def register(
    meeting: str, data: RegistrationCreate, session: SessionDep, role: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.register(
        session, meeting=found, code=data.card_code, handset=data.handset, actor=role.value
    )


@router.post(
    "/meetings/{meeting}/registrations/without-card",
    status_code=status.HTTP_201_CREATED,
    responses=CARD_REFUSALS,
    tags=["desk"],
)
async def register_without_card(
    meeting: str, data: RegistrationWithoutCard, session: SessionDep, role: DeskAuth
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
        actor=role.value,
        proof=data.proof,
    )


@router.get("/meetings/{meeting}/registrations", responses=problem_responses(404), tags=["desk"])
async def recent_registrations(
    meeting: str,
    session: SessionDep,
    _: DeskAuth,
    limit: int = Query(default=20, ge=1, le=500),
) -> list[RegistrationRead]:
    """The latest registrations, newest first: what the desk just did."""
    found = await service.get_meeting(session, meeting)
    return await desk.recent(session, meeting=found, limit=limit)


@router.post(
    "/meetings/{meeting}/registrations/{member}/return",
    responses=problem_responses(404),
    tags=["desk"],
)
async def return_handset(
    meeting: str, member: str, session: SessionDep, role: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.return_handset(session, meeting=found, member_code=member, actor=role.value)


@router.post(
    "/meetings/{meeting}/registrations/{member}/swap", responses=CARD_REFUSALS, tags=["desk"]
)
async def swap_handset(
    meeting: str, member: str, data: HandsetSwap, session: SessionDep, role: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await desk.swap_handset(
        session, meeting=found, member_code=member, handset=data.handset, actor=role.value
    )


@router.get(
    "/meetings/{meeting}/handsets/{handset}",
    responses=problem_responses(404, 422),
    tags=["desk"],
)
async def handset_holder(
    meeting: str, handset: str, session: SessionDep, _: DeskAuth
) -> MemberStatus:
    """Which municipality a handset is bound to (a returned or broken handset)."""
    found = await service.get_meeting(session, meeting)
    return await desk.holder_of_handset(session, meeting=found, handset=handset)


@router.get("/meetings/{meeting}/members/search", responses=problem_responses(404), tags=["desk"])
async def search_members(
    meeting: str,
    session: SessionDep,
    _: DeskAuth,
    q: str = Query(min_length=2, max_length=100, description="part of the municipality's name"),
) -> list[MemberStatus]:
    found = await service.get_meeting(session, meeting)
    return await desk.search(session, meeting=found, query=q)


@router.get("/meetings/{meeting}/presence", responses=problem_responses(404), tags=["desk"])
async def presence(meeting: str, session: SessionDep) -> Presence:
    found = await service.get_meeting(session, meeting)
    return await desk.presence(session, meeting=found)


@router.get("/meetings/{meeting}/electorate", responses=problem_responses(404), tags=["electorate"])
async def electorate(meeting: str, session: SessionDep, _: ElectorateAuth) -> Electorate:
    found = await service.get_meeting(session, meeting)
    return await desk.electorate(session, meeting=found)


@router.get("/meetings/{meeting}/test-vote", responses=problem_responses(503), tags=["desk"])
async def test_vote(
    meeting: str, ballot: BallotClientDep, _: DeskAuth, authorization: CallerAuthorization
) -> TestVoteStatus:
    """During a proefstemming: present members whose handset has not responded."""
    return await desk.test_vote(ballot, meeting=meeting, authorization=authorization)
