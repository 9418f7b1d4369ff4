"""The start page (the one portal of every service) and the stembalie page.

The page itself holds no data and needs no token; it asks the desk officer for
the desk token once and keeps it in ``sessionStorage`` (gone when the tab
closes, never in a cookie the browser would send by itself), then talks to the
JSON API with it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.common.bounds import MeetingCode
from services.common.errors import problem_responses
from services.common.pages import templates_for
from services.registration import repository, service
from services.registration.deps import SessionDep
from services.registration.errors import MeetingNotFound

templates = templates_for(Path(__file__).parent)

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
async def portal(request: Request, session: SessionDep) -> HTMLResponse:
    """Every meeting with the pages of each role; ballot and results send ``/`` here."""
    meetings = await repository.meetings(session)
    return templates.TemplateResponse(request, "portal.html", {"meetings": meetings})


@router.get(
    "/desk/{meeting}", response_class=HTMLResponse, responses=problem_responses(MeetingNotFound)
)
async def desk_page(meeting: MeetingCode, request: Request, session: SessionDep) -> HTMLResponse:
    found = await service.get_meeting(session, meeting)
    return templates.TemplateResponse(
        request, "desk.html", {"meeting": found}, headers={"Cache-Control": "no-store"}
    )
