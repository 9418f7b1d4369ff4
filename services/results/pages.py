"""HTML pages: the chair's screen, the chair's control view and the published record.

The chair's screen is a static page that follows the stream with its own
script. The control view is rendered here and kept current with htmx: the
``#live`` part polls, every action answers a message and asks ``#live`` to
fetch itself again (``HX-Trigger: control-changed``). The record and the
printable report are rendered from the stored outcomes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from services.common.bounds import MeetingCode
from services.common.errors import AlvError, Invalid
from services.common.forms import read_form, required_text
from services.common.http import UpstreamProblem
from services.common.pages import templates_for
from services.results import chair, control, export, publish, receipt
from services.results.charts import Scene, to_svg
from services.results.deps import (
    BallotClientDep,
    CallerCredentials,
    ChairPage,
    ClientDep,
    RegistrationClientDep,
    ScreenHubDep,
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
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
    _: ChairPage,
    credentials: CallerCredentials,
) -> HTMLResponse:
    """The chair's control view: the agenda, who is present, who has not voted."""
    context = await _control_context(
        session,
        ballot=ballot,
        registration=registration,
        meeting=meeting,
        expanded=False,
        credentials=credentials,
    )
    context["screen"] = await chair.screen(session, meeting)
    return templates.TemplateResponse(
        request, "control.html", context, headers={"Cache-Control": "no-store"}
    )


async def _control_context(
    session: SessionDep,
    *,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
    meeting: str,
    expanded: bool,
    credentials: dict[str, str],
) -> dict[str, Any]:
    view = await control.view(
        session,
        ballot=ballot,
        registration=registration,
        meeting=meeting,
        expanded=expanded,
        credentials=credentials,
    )
    info = await publish.meeting_info(registration, meeting)
    return {"meeting": info, "view": view, "expanded": expanded}


@router.get(
    "/chair/{meeting}/control/live",
    response_class=HTMLResponse,
    tags=["chair"],
    include_in_schema=False,
)
async def chair_control_live(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
    _: ChairPage,
    credentials: CallerCredentials,
    alles: bool = False,
) -> HTMLResponse:
    """The part of the control view that follows the meeting (``alles``: every
    member that has not voted, not only the heaviest)."""
    context = await _control_context(
        session,
        ballot=ballot,
        registration=registration,
        meeting=meeting,
        expanded=alles,
        credentials=credentials,
    )
    return templates.TemplateResponse(
        request, "_control_live.html", context, headers={"Cache-Control": "no-store"}
    )


def _done(request: Request, message: str) -> HTMLResponse:
    response = templates.TemplateResponse(request, "_control_done.html", {"message": message})
    response.headers["HX-Trigger"] = "control-changed"
    return response


@router.get(
    "/chair/{meeting}/control/votes/{vote_id}/annul",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def chair_annul_form(
    meeting: MeetingCode, vote_id: int, request: Request, ballot: BallotClientDep, _: ChairPage
) -> HTMLResponse:
    """The question before an annulment: its reason (for the record)."""
    vote = await control.vote_of(ballot, meeting=meeting, vote_id=vote_id)
    context = {"meeting": {"code": meeting}, "vote": vote, "question": "annul", "action": "annul"}
    return templates.TemplateResponse(request, "_control_dialog.html", context)


@router.get(
    "/chair/{meeting}/control/dialog-closed",
    response_class=HTMLResponse,
    tags=["chair"],
    include_in_schema=False,
)
async def chair_dialog_closed(meeting: MeetingCode, _: ChairPage) -> HTMLResponse:
    """The dialog area emptied: the chair thought better of it."""
    return HTMLResponse("")


@router.post(
    "/chair/{meeting}/control/votes/{vote_id}/{action}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def chair_act(
    meeting: MeetingCode,
    vote_id: int,
    action: control.ChairAction,
    request: Request,
    ballot: BallotClientDep,
    _: ChairPage,
    credentials: CallerCredentials,
) -> HTMLResponse:
    """Open, close, acclaim, annul, a runoff or a vote held again, as the chair.

    A proposal with undecided amendments is opened (or acclaimed) only after
    the chair confirms: ballot's refusal becomes that question."""
    fields = await read_form(request)
    vote = await control.vote_of(ballot, meeting=meeting, vote_id=vote_id)
    body = control.action_body(action, fields)
    try:
        done = await chair.act(
            ballot, vote_id=vote_id, action=action, credentials=credentials, body=body
        )
    except UpstreamProblem as problem:
        if not control.needs_confirmation(problem):
            raise
        context = {
            "meeting": {"code": meeting},
            "vote": vote,
            "question": "confirm",
            "action": action,
            "detail": problem.detail,
            "adopted": fields.get("adopted"),
        }
        response = templates.TemplateResponse(request, "_control_dialog.html", context)
        response.headers.update({"HX-Retarget": "#dialog", "HX-Reswap": "innerHTML"})
        return response
    return _done(request, control.done_message(action, vote, done))


@router.post(
    "/chair/{meeting}/control/screen",
    response_class=HTMLResponse,
    tags=["chair"],
    include_in_schema=False,
)
async def chair_screen_setting(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    hub: ScreenHubDep,
    background: BackgroundTasks,
    _: ChairPage,
) -> HTMLResponse:
    """Show or hide the running tally on the projector (the checkbox's change)."""
    on = (await read_form(request)).get("show_tally") == "1"
    await chair.set_screen(session, meeting, show_tally=on)
    # After the response, so after the commit: the screen stream reads it anew.
    background.add_task(hub.poke, meeting)
    message = (
        "De tussenstand staat aan op het scherm in de zaal."
        if on
        else "De tussenstand is verborgen op het scherm in de zaal."
    )
    return _done(request, message)


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
    """The card code from the page's form, bounded before it is parsed."""
    if len(await request.body()) > RECEIPT_FORM_BYTES:
        raise Invalid("Dit is geen stemkaartcode: veel te lang.")
    form = await read_form(request)
    return required_text(
        form, "card_code", label="de code van de stemkaart", max_length=RECEIPT_FORM_BYTES
    )


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
