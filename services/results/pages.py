"""HTML pages: the chair's screen, the chair's controls and the published record.

The chair's screen and controls are static pages that call the API; the
record and the printable report are rendered here from the stored outcomes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.common.errors import AlvError
from services.common.labels import VOTE_KINDS
from services.common.pages import templates_for
from services.results import export, publish
from services.results.deps import BallotClientDep, RegistrationClientDep, SessionDep
from services.results.schemas import VoteDefinition

templates = templates_for(Path(__file__).parent)

router = APIRouter()


def _heading(vote: VoteDefinition) -> str:
    """ "Motie: Armoedebeleid", but "Motie 3: armoedebeleid" as it is."""
    kind = VOTE_KINDS.get(vote.kind, vote.kind)
    return vote.title if vote.title.lower().startswith(kind.lower()) else f"{kind}: {vote.title}"


templates.env.filters["heading"] = _heading


@router.get("/chair/{meeting}", response_class=HTMLResponse, tags=["chair"])
async def chair_screen(
    meeting: str, request: Request, registration: RegistrationClientDep
) -> HTMLResponse:
    """The projector: the room sees the meeting's name, never its code."""
    info = await publish.meeting_info(registration, meeting)
    return templates.TemplateResponse(request, "chair.html", {"meeting": info})


@router.get("/chair/{meeting}/control", response_class=HTMLResponse, tags=["chair"])
async def chair_control(
    meeting: str, request: Request, registration: RegistrationClientDep
) -> HTMLResponse:
    info = await publish.meeting_info(registration, meeting)
    return templates.TemplateResponse(request, "control.html", {"meeting": info})


async def _record_page(
    request: Request,
    *,
    meeting: str,
    report: bool,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
) -> HTMLResponse:
    info = await publish.meeting_info(registration, meeting)
    context: dict[str, Any] = {"meeting": info, "report": report, "error": None, "votes": []}
    status = 200
    try:
        pairs = await publish.decided(session, ballot=ballot, meeting=meeting)
    except AlvError as exc:
        context["error"] = exc.detail
        status = exc.status_code
    else:
        context["votes"] = [export.stemgedrag_vote(row, rec) for row, rec in pairs]
        context["links"] = [row for row, _ in pairs]
        context["head"] = pairs[-1][0].hash if pairs else None
    return templates.TemplateResponse(request, "record.html", context, status_code=status)


@router.get("/record/{meeting}", response_class=HTMLResponse, tags=["record"])
async def record_page(
    meeting: str,
    request: Request,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
) -> HTMLResponse:
    """Every decided vote with its outcome and, for named votes, the stemgedrag."""
    return await _record_page(
        request,
        meeting=meeting,
        report=False,
        session=session,
        ballot=ballot,
        registration=registration,
    )


@router.get("/record/{meeting}/report", response_class=HTMLResponse, tags=["record"])
async def report_page(
    meeting: str,
    request: Request,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
) -> HTMLResponse:
    """The printable report: everything expanded, with the hash chain at the end."""
    return await _record_page(
        request,
        meeting=meeting,
        report=True,
        session=session,
        ballot=ballot,
        registration=registration,
    )
