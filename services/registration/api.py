"""HTTP routes of the registration service: parse, call the service, return."""

from __future__ import annotations

from fastapi import APIRouter, Body, status

from services.common.errors import problem_responses
from services.registration import repository, service
from services.registration.deps import AdminAuth, AuditorAuth, DeskAuth, ElectorateAuth, SessionDep
from services.registration.schemas import (
    AuditRead,
    CardRead,
    CardScan,
    Electorate,
    HandsetSwap,
    ImportReport,
    MeetingCreate,
    MeetingRead,
    MemberRead,
    MemberStatus,
    Presence,
    RegistrationCreate,
)

router = APIRouter(prefix="/api")
CARD_REFUSALS = problem_responses(404, 409, 422)


@router.post(
    "/meetings",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
    tags=["meetings"],
)
async def create_meeting(data: MeetingCreate, session: SessionDep, role: AdminAuth) -> MeetingRead:
    meeting = await service.create_meeting(session, data=data, actor=role.value)
    return MeetingRead.model_validate(meeting)


@router.get("/meetings/{meeting}", responses=problem_responses(404), tags=["meetings"])
async def read_meeting(meeting: str, session: SessionDep) -> MeetingRead:
    return MeetingRead.model_validate(await service.get_meeting(session, meeting))


@router.post(
    "/meetings/{meeting}/members/import",
    responses=problem_responses(404, 422),
    tags=["members"],
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_members(
    meeting: str,
    session: SessionDep,
    role: AdminAuth,
    body: bytes = Body(media_type="text/csv"),
    source: str = "upload",
) -> ImportReport:
    found = await service.get_meeting(session, meeting)
    return await service.import_members(
        session,
        meeting=found,
        text=body.decode("utf-8-sig", errors="replace"),
        source=source,
        actor=role.value,
    )


@router.get("/meetings/{meeting}/members", responses=problem_responses(404), tags=["members"])
async def list_members(meeting: str, session: SessionDep) -> list[MemberRead]:
    found = await service.get_meeting(session, meeting)
    return [MemberRead.model_validate(m) for m in await repository.members(session, found)]


@router.post("/meetings/{meeting}/cards", responses=problem_responses(404, 409), tags=["cards"])
async def issue_cards(meeting: str, session: SessionDep, role: AdminAuth) -> list[CardRead]:
    found = await service.get_meeting(session, meeting)
    return await service.issue_cards(session, meeting=found, actor=role.value)


@router.get("/meetings/{meeting}/cards", responses=problem_responses(404), tags=["cards"])
async def list_cards(meeting: str, session: SessionDep, _: AdminAuth) -> list[CardRead]:
    found = await service.get_meeting(session, meeting)
    return await service.list_cards(session, meeting=found)


@router.post("/meetings/{meeting}/desk/scan", responses=CARD_REFUSALS, tags=["desk"])
async def scan_card(meeting: str, data: CardScan, session: SessionDep, _: DeskAuth) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await service.scan(session, meeting=found, code=data.card_code)


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
    return await service.register(
        session, meeting=found, code=data.card_code, handset=data.handset, actor=role.value
    )


@router.post(
    "/meetings/{meeting}/registrations/{member}/return",
    responses=problem_responses(404),
    tags=["desk"],
)
async def return_handset(
    meeting: str, member: str, session: SessionDep, role: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await service.return_handset(
        session, meeting=found, member_code=member, actor=role.value
    )


@router.post(
    "/meetings/{meeting}/registrations/{member}/swap", responses=CARD_REFUSALS, tags=["desk"]
)
async def swap_handset(
    meeting: str, member: str, data: HandsetSwap, session: SessionDep, role: DeskAuth
) -> MemberStatus:
    found = await service.get_meeting(session, meeting)
    return await service.swap_handset(
        session, meeting=found, member_code=member, handset=data.handset, actor=role.value
    )


@router.get("/meetings/{meeting}/presence", responses=problem_responses(404), tags=["desk"])
async def presence(meeting: str, session: SessionDep) -> Presence:
    found = await service.get_meeting(session, meeting)
    return await service.presence(session, meeting=found)


@router.get("/meetings/{meeting}/electorate", responses=problem_responses(404), tags=["electorate"])
async def electorate(meeting: str, session: SessionDep, _: ElectorateAuth) -> Electorate:
    found = await service.get_meeting(session, meeting)
    return await service.electorate(session, meeting=found)


@router.get("/meetings/{meeting}/audit", responses=problem_responses(404), tags=["audit"])
async def audit_log(meeting: str, session: SessionDep, _: AuditorAuth) -> list[AuditRead]:
    found = await service.get_meeting(session, meeting)
    return [AuditRead.model_validate(e) for e in await repository.audit_entries(session, found)]
