"""HTTP routes of the handset registry: the gateway reports, staff read."""

from __future__ import annotations

from fastapi import APIRouter

from services.common.bounds import MeetingCode
from services.common.errors import problem_responses
from services.registration import handsets, service
from services.registration.deps import GatewayAuth, SessionDep, StaffAuth
from services.registration.errors import MeetingNotFound
from services.registration.schemas import HandsetRegistry, HandsetReport, HandsetReportResult

router = APIRouter(prefix="/api", tags=["handsets"])


@router.post("/meetings/{meeting}/handsets/sightings", responses=problem_responses(MeetingNotFound))
async def report_sightings(
    meeting: MeetingCode, report: HandsetReport, session: SessionDep, _: GatewayAuth
) -> HandsetReportResult:
    """The gateway's latest sighting (press or heartbeat) of handsets that changed."""
    found = await service.get_meeting(session, meeting)
    return HandsetReportResult(
        stored=await handsets.record_sightings(session, meeting=found, report=report)
    )


@router.get("/meetings/{meeting}/handsets", responses=problem_responses(MeetingNotFound))
async def handset_registry(
    meeting: MeetingCode, session: SessionDep, _: StaffAuth
) -> HandsetRegistry:
    """Every handset seen or bound: its member, last seen, battery, in range (heard
    within a minute); and the bound ones to check before a vote (low battery,
    out of range, never heard)."""
    found = await service.get_meeting(session, meeting)
    return await handsets.registry(session, meeting=found)
