"""HTML pages: the chair's screen, the chair's controls and the published record.

The chair's screen and controls are static pages that call the API; the
record and the printable report are rendered here from the stored outcomes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from services.common.bounds import MeetingCode
from services.common.errors import AlvError, Invalid
from services.common.pages import templates_for
from services.results import export, publish, receipt
from services.results.charts import Scene, to_svg
from services.results.deps import (
    BallotClientDep,
    ClientDep,
    RegistrationClientDep,
    SessionDep,
    ThrottleDep,
)
from services.results.figures import chain_of, day_chart, result_chart
from services.results.models import utcnow
from services.results.report_pdf import render_report
from services.results.service import publication
from services.results.text import clock, counted, heading

templates = templates_for(Path(__file__).parent)

router = APIRouter()

templates.env.filters["heading"] = heading
templates.env.filters["clock"] = clock
templates.env.filters["counted"] = counted


def _svg(scene: Scene | None) -> Markup | None:
    """A picture inline in the page: ``to_svg`` escapes every text it draws."""
    return None if scene is None else Markup(to_svg(scene))


@router.get("/chair/{meeting}", response_class=HTMLResponse, tags=["chair"])
async def chair_screen(
    meeting: MeetingCode, request: Request, registration: RegistrationClientDep
) -> HTMLResponse:
    """The projector: the room sees the meeting's name, never its code."""
    info = await publish.meeting_info(registration, meeting)
    return templates.TemplateResponse(request, "chair.html", {"meeting": info})


@router.get("/chair/{meeting}/control", response_class=HTMLResponse, tags=["chair"])
async def chair_control(
    meeting: MeetingCode, request: Request, registration: RegistrationClientDep
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
        state = await publication(session, meeting)
        pairs = await publish.decided(session, ballot=ballot, meeting=meeting)
    except AlvError as exc:
        context["error"] = exc.detail
        status = exc.status_code
    else:
        public = state.stemgedrag_public
        votes = [export.stemgedrag_vote(row, rec, stemgedrag_public=public) for row, rec in pairs]
        points, note = await publish.attendance_points(registration, meeting)
        context["votes"] = votes
        context["charts"] = {v.vote.id: _svg(result_chart(v)) for v in votes}
        context["attendance_svg"] = _svg(day_chart(points, votes, now=utcnow()))
        context["attendance_note"] = note
        context["chain_svg"] = _svg(chain_of(votes))
        context["links"] = [row for row, _ in pairs]
        context["head"] = pairs[-1][0].hash if pairs else None
    return templates.TemplateResponse(request, "record.html", context, status_code=status)


@router.get("/record/{meeting}", response_class=HTMLResponse, tags=["record"])
async def record_page(
    meeting: MeetingCode,
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
    meeting: MeetingCode,
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


@router.get(
    "/record/{meeting}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    tags=["record"],
)
async def report_pdf(
    meeting: MeetingCode,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
) -> Response:
    """The report as PDF (A4) with charts, stemgedrag once published and a signature block."""
    report = await publish.report_input(
        session, ballot=ballot, registration=registration, meeting=meeting
    )
    # Seconds of CPU for a long meeting: off the event loop.
    content = await anyio.to_thread.run_sync(render_report, report)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{meeting}-verslag.pdf"'},
    )


RECEIPT_FORM_BYTES = 1024  # one card code and its field name, with room to spare


async def _card_code(request: Request) -> str:
    """The card code from the page's form (urlencoded), bounded before it is parsed."""
    body = await request.body()
    if len(body) > RECEIPT_FORM_BYTES:
        raise Invalid("Dit is geen stemkaartcode: veel te lang.")
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=4)
    code = (fields.get("card_code") or [""])[0].strip()
    if not code:
        raise Invalid("Vul de code van de stemkaart in.")
    return code


@router.get("/record/{meeting}/controle", response_class=HTMLResponse, tags=["record"])
async def receipt_page(
    meeting: MeetingCode, request: Request, registration: RegistrationClientDep
) -> HTMLResponse:
    """The receipt check: a form for the stemkaart's code."""
    info = await publish.meeting_info(registration, meeting)
    context = {"meeting": info, "receipt": None, "error": None}
    return templates.TemplateResponse(request, "receipt.html", context)


@router.post("/record/{meeting}/controle", response_class=HTMLResponse, tags=["record"])
async def receipt_check(
    meeting: MeetingCode,
    request: Request,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
    throttle: ThrottleDep,
    client: ClientDep,
) -> HTMLResponse:
    """Every press recorded for the card's municipality; errors in Dutch on the page."""
    info = await publish.meeting_info(registration, meeting)
    context: dict[str, Any] = {"meeting": info, "receipt": None, "error": None}
    status = 200
    try:
        context["receipt"] = await receipt.receipt(
            ballot=ballot,
            registration=registration,
            throttle=throttle,
            client=client,
            meeting=meeting,
            card_code=await _card_code(request),
        )
    except AlvError as exc:
        context["error"] = exc.detail
        status = exc.status_code
    return templates.TemplateResponse(request, "receipt.html", context, status_code=status)
