"""HTTP routes for meetings, members, weights and contacts: parse, call, return.

The card routes are in ``api_cards.py``, the desk's in ``api_desk.py``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, status
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bounds import MeetingCode, MemberCode, Text, upload_text
from services.common.errors import problem_responses
from services.common.limits import CSV_UPLOAD_LIMIT, MEMBER_IMPORT_LIMIT
from services.registration import repository, service
from services.registration.deps import AuditorAuth, SecretariatAuth, SessionDep
from services.registration.errors import (
    BadImport,
    MeetingExists,
    MeetingNotFound,
    MemberNotFound,
)
from services.registration.models import Meeting
from services.registration.schemas import (
    AuditRead,
    CbsImport,
    ContactImportReport,
    ImportReport,
    MeetingCreate,
    MeetingRead,
    MemberRead,
    PopulationSupply,
)

router = APIRouter(prefix="/api")
CSV_BODY = {
    "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
}
# Where a file came from, for the audit log: "upload", a file name, a URL.
Source = Annotated[Text, Query(min_length=1, max_length=300)]


@router.post(
    "/meetings",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(MeetingExists),
    tags=["meetings"],
)
async def create_meeting(
    data: MeetingCreate, session: SessionDep, role: SecretariatAuth
) -> MeetingRead:
    meeting = await service.create_meeting(session, data=data, actor=role.name)
    return MeetingRead.model_validate(meeting)


@router.get("/meetings", tags=["meetings"])
async def list_meetings(session: SessionDep) -> list[MeetingRead]:
    """Every meeting, the latest first (public: the start page lists them)."""
    return [MeetingRead.model_validate(m) for m in await repository.meetings(session)]


@router.get("/meetings/{meeting}", responses=problem_responses(MeetingNotFound), tags=["meetings"])
async def read_meeting(meeting: MeetingCode, session: SessionDep) -> MeetingRead:
    return MeetingRead.model_validate(await service.get_meeting(session, meeting))


def _text(body: bytes) -> str:
    try:
        return upload_text(body)
    except ValueError as exc:
        raise BadImport(f"Het bestand is niet te lezen: {exc}.") from exc


@router.post(
    "/meetings/{meeting}/members/import",
    responses=problem_responses(MeetingNotFound, BadImport),
    tags=["members"],
    max_body_size=MEMBER_IMPORT_LIMIT,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": CbsImport.model_json_schema()},
            },
            "required": True,
        },
    },
)
async def import_members(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    role: SecretariatAuth,
    source: Source = "upload",
    dry_run: bool = False,
) -> ImportReport:
    """The simple CSV (``text/csv``), or CBS's OData documents (``application/json``).

    ``dry_run``: the report of what the import would do (every member with its
    weight and where its figure came from, every skipped row with its reason),
    and nothing is stored."""
    found = await service.get_meeting(session, meeting)
    body = await request.body()

    is_json = request.headers.get("content-type", "").startswith("application/json")

    async def work() -> ImportReport:
        return await _import_members(
            session, meeting=found, body=body, is_json=is_json, source=source, actor=role.name
        )

    return await (service.preview(session, work) if dry_run else work())


async def _import_members(
    session: AsyncSession, *, meeting: Meeting, body: bytes, is_json: bool, source: str, actor: str
) -> ImportReport:
    if is_json:
        try:
            cbs = CbsImport.model_validate_json(body)
        except ValidationError as exc:
            raise BadImport(
                "Verwacht JSON met 'observations' (Observations.json) en 'regions'"
                " (RegioSCodes.json) van CBS-tabel 03759ned."
            ) from exc
        return await service.import_members_cbs(
            session,
            meeting=meeting,
            observations=cbs.observations,
            regions=cbs.regions,
            source=source,
            actor=actor,
        )
    return await service.import_members(
        session, meeting=meeting, text=_text(body), source=source, actor=actor
    )


@router.get(
    "/meetings/{meeting}/members", responses=problem_responses(MeetingNotFound), tags=["members"]
)
async def list_members(meeting: MeetingCode, session: SessionDep) -> list[MemberRead]:
    found = await service.get_meeting(session, meeting)
    return [MemberRead.model_validate(m) for m in await repository.members(session, found)]


@router.put(
    "/meetings/{meeting}/members/{member}/population",
    responses=problem_responses(MeetingNotFound, MemberNotFound),
    tags=["members"],
)
async def supply_population(
    meeting: MeetingCode,
    member: MemberCode,
    data: PopulationSupply,
    session: SessionDep,
    role: SecretariatAuth,
) -> MemberRead:
    """Staff supply a figure the import lacked; the weight is recomputed."""
    found = await service.get_meeting(session, meeting)
    updated = await service.supply_population(
        session, meeting=found, member_code=member, data=data, actor=role.name
    )
    return MemberRead.model_validate(updated)


@router.post(
    "/meetings/{meeting}/contacts/import",
    responses=problem_responses(MeetingNotFound, BadImport),
    tags=["members"],
    max_body_size=CSV_UPLOAD_LIMIT,
    openapi_extra=CSV_BODY,
)
async def import_contacts(
    meeting: MeetingCode,
    session: SessionDep,
    role: SecretariatAuth,
    body: bytes = Body(media_type="text/csv"),
    source: Source = "upload",
) -> ContactImportReport:
    """Per municipality the gemeentesecretaris: ``code,name,email``."""
    found = await service.get_meeting(session, meeting)
    return await service.import_contacts(
        session, meeting=found, text=_text(body), source=source, actor=role.name
    )


@router.get(
    "/meetings/{meeting}/audit", responses=problem_responses(MeetingNotFound), tags=["audit"]
)
async def audit_log(meeting: MeetingCode, session: SessionDep, _: AuditorAuth) -> list[AuditRead]:
    found = await service.get_meeting(session, meeting)
    return [AuditRead.model_validate(e) for e in await repository.audit_entries(session, found)]
