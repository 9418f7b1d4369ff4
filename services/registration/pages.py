"""The start page (the one portal of every service), the stembalie and the
handset registry.

The stembalie is one input at a time, as a USB barcode scanner types a code
and Enter: every step is a small form posted with htmx whose answer is the
next step (``#step``), its input focused (``autofocus``). A refused step is
rolled back and answered with the same step afresh and the Dutch reason in
``#problem``, so the officer simply scans again. What changed makes the
polled side panel (presence, proefstemming, recent registrations) fetch itself
anew (``HX-Trigger: desk-changed``). The stempas prints on A6 from its page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from services.common.bounds import MeetingCode, MemberCode
from services.common.errors import AlvError, Invalid, problem_responses
from services.common.forms import read_form, required_text, text_field
from services.common.pages import templates_for
from services.registration import desk, handsets, repository, service
from services.registration.deps import (
    BallotClientDep,
    CallerCredentials,
    DeskPage,
    DeskSessionDep,
    SessionDep,
    StaffPage,
)
from services.registration.errors import MeetingNotFound
from services.registration.models import Meeting
from services.registration.schemas import MemberStatus

templates = templates_for(Path(__file__).parent)

# The start page and the desk page are in the OpenAPI documents, as before; the
# fragments and forms htmx asks for are not an API.
router = APIRouter(tags=["pages"])

templates.env.filters["clock"] = desk.format_time

NO_STORE = {"Cache-Control": "no-store"}
# The bounds of the desk API's own schemas (schemas.py), for the same fields.
CODE_LENGTH, HANDSET_LENGTH, OFFICER_LENGTH, QUERY_LENGTH = 200, 40, 100, 100
Task = Literal["aanmelden", "zonder-kaart", "ruilen", "innemen"]
FIRST_STEP: dict[str, str] = {
    "aanmelden": "card",
    "zonder-kaart": "search",
    "ruilen": "swap-old",
    "innemen": "return",
}


@router.get("/", response_class=HTMLResponse)
async def portal(request: Request, session: SessionDep) -> HTMLResponse:
    """Every meeting with the pages of each role; ballot and results send ``/`` here."""
    meetings = await repository.meetings(session)
    return templates.TemplateResponse(request, "portal.html", {"meetings": meetings})


@router.get(
    "/desk/{meeting}",
    response_class=HTMLResponse,
    responses=problem_responses(MeetingNotFound),
)
async def desk_page(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    _: DeskPage,
    taak: Task = "aanmelden",
) -> HTMLResponse:
    """The stembalie: one task at a time (``taak``), the side panel beside it."""
    found = await service.get_meeting(session, meeting)
    context = {"meeting": found, "task": taak, "step": FIRST_STEP[taak]}
    return templates.TemplateResponse(request, "desk.html", context, headers=NO_STORE)


@router.get("/desk/{meeting}/live", response_class=HTMLResponse, include_in_schema=False)
async def desk_live(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    ballot: BallotClientDep,
    _: DeskPage,
    credentials: CallerCredentials,
) -> HTMLResponse:
    """The side panel: presence, the proefstemming's non-responders, the latest
    registrations (each with its stempas)."""
    found = await service.get_meeting(session, meeting)
    context: dict[str, Any] = {
        "meeting": {"code": found.code, "name": found.name},
        "presence": await desk.presence(session, meeting=found),
        "recent": await desk.recent(session, meeting=found, limit=10),
        "test_vote": None,
    }
    try:
        context["test_vote"] = await desk.test_vote(
            ballot, meeting=meeting, credentials=credentials
        )
    except AlvError as exc:  # the desk keeps working while ballot is away
        context["test_vote_problem"] = exc.detail
    return templates.TemplateResponse(request, "_desk_live.html", context, headers=NO_STORE)


Step = dict[str, Any]
Fields = FormData
# One step of the desk: the form's fields and the meeting in, the next step out.
Act = Callable[[Fields, Meeting], Awaitable[Step]]
Retry = Step | Callable[[Fields, Meeting], Awaitable[Step]]


async def _step(
    request: Request, session: AsyncSession, meeting: str, act: Act, *, retry: Retry
) -> HTMLResponse:
    """The next step, or (refused: rolled back, nothing changed) ``retry`` with
    the Dutch reason in ``#problem``."""
    found = await service.get_meeting(session, meeting)
    shown = {"code": found.code, "name": found.name}  # plain: still readable after a rollback
    fields = await read_form(request)
    try:
        step = await act(fields, found)
    except AlvError as exc:
        await session.rollback()
        again = retry if isinstance(retry, dict) else await retry(fields, found)
        context = {
            "meeting": shown,
            **again,
            "answered": True,
            "problem": exc.detail,
            "problem_status": exc.status_code,
        }
        return templates.TemplateResponse(
            request, "_desk_step.html", context, status_code=exc.status_code
        )
    context = {"meeting": shown, **step, "answered": True}
    response = templates.TemplateResponse(request, "_desk_step.html", context)
    if step.get("changed"):
        response.headers["HX-Trigger"] = "desk-changed"
    return response


def _bound(status: MemberStatus, message: str) -> Step:
    """After a handset was bound: the stempas to hand out, and the next card."""
    return {"step": "card", "stempas": status, "message": message, "changed": True}


def _card(fields: Fields) -> str:
    return required_text(
        fields, "card_code", label="de code van de stemkaart", max_length=CODE_LENGTH
    )


def _handset(fields: Fields) -> str:
    return required_text(fields, "handset", label="het stemkastje", max_length=HANDSET_LENGTH)


def _scanned(fields: Fields) -> str:
    """A handset's label or a stemkaart: either identifies who is registered."""
    return required_text(fields, "scanned", label="het stemkastje", max_length=CODE_LENGTH)


@router.post("/desk/{meeting}/scan", response_class=HTMLResponse, include_in_schema=False)
async def desk_scan(
    meeting: MeetingCode, request: Request, session: SessionDep, _: DeskPage
) -> HTMLResponse:
    """Step 1: the stemkaart (or the machtigingsformulier's barcode) is scanned."""

    async def scanned(fields: Fields, found: Meeting) -> Step:
        code = _card(fields)
        status = await desk.scan(session, meeting=found, code=code)
        if status.present:
            at = desk.format_time(status.registered_at) if status.registered_at else ""
            raise Invalid(f"{status.name} is al aangemeld om {at} met stemkastje {status.handset}.")
        return {"step": "handset", "member": status, "card_code": code}

    return await _step(request, session, meeting, scanned, retry={"step": "card"})


@router.post("/desk/{meeting}/register", response_class=HTMLResponse, include_in_schema=False)
async def desk_register(
    meeting: MeetingCode, request: Request, session: DeskSessionDep, role: DeskPage
) -> HTMLResponse:
    """Step 2: the handset's label is scanned; bound, the stempas is handed out."""

    async def bound(fields: Fields, found: Meeting) -> Step:
        status = await desk.register(
            session, meeting=found, code=_card(fields), handset=_handset(fields), actor=role.name
        )
        return _bound(status, f"{status.name} is aangemeld met stemkastje {status.handset}.")

    async def again(fields: Fields, found: Meeting) -> Step:
        """A refused handset: the same card is still in hand, so ask for another
        handset; a refused card: the next card."""
        code = text_field(fields, "card_code")
        try:
            status = await desk.scan(
                session, meeting=await service.get_meeting(session, meeting), code=code
            )
        except AlvError:
            return {"step": "card"}
        if status.present:
            return {"step": "card"}
        return {"step": "handset", "member": status, "card_code": code}

    return await _step(request, session, meeting, bound, retry=again)


@router.post("/desk/{meeting}/search", response_class=HTMLResponse, include_in_schema=False)
async def desk_search(
    meeting: MeetingCode, request: Request, session: SessionDep, _: DeskPage
) -> HTMLResponse:
    """Without a barcode: find the municipality by (part of) its name."""

    async def found(fields: Fields, meeting: Meeting) -> Step:
        query = required_text(fields, "q", label="(een deel van) de naam", max_length=QUERY_LENGTH)
        if len(query) < 2:
            raise Invalid("Typ ten minste 2 letters van de naam van de gemeente.")
        candidates = await desk.search(session, meeting=meeting, query=query)
        if not candidates:
            raise Invalid(f"Geen gemeente gevonden met '{query}'.")
        return {"step": "choose", "candidates": candidates, "query": query}

    return await _step(request, session, meeting, found, retry={"step": "search"})


@router.post("/desk/{meeting}/without-card", response_class=HTMLResponse, include_in_schema=False)
async def desk_without_card(
    meeting: MeetingCode, request: Request, session: DeskSessionDep, role: DeskPage
) -> HTMLResponse:
    """A forgotten stemkaart or a machtigingsformulier without a barcode: bound on
    the officer's named confirmation (audited)."""

    async def bound(fields: Fields, found: Meeting) -> Step:
        proof = text_field(fields, "proof") or "forgotten_card"
        if proof not in ("forgotten_card", "authorisation_form"):
            raise Invalid("Kies: stemkaart vergeten, of machtigingsformulier.")
        status = await desk.register_without_card(
            session,
            meeting=found,
            member_code=required_text(fields, "member", label="de gemeente", max_length=6),
            handset=_handset(fields),
            officer=required_text(fields, "officer", label="uw naam", max_length=OFFICER_LENGTH),
            confirmed=fields.get("confirmed") == "1",
            actor=role.name,
            proof="authorisation_form" if proof == "authorisation_form" else "forgotten_card",
        )
        how = "met machtigingsformulier" if proof == "authorisation_form" else "zonder stemkaart"
        return _bound(status, f"{status.name} is {how} aangemeld met stemkastje {status.handset}.")

    return await _step(request, session, meeting, bound, retry={"step": "search"})


@router.post("/desk/{meeting}/return", response_class=HTMLResponse, include_in_schema=False)
async def desk_return(
    meeting: MeetingCode, request: Request, session: DeskSessionDep, role: DeskPage
) -> HTMLResponse:
    """A delegate leaves: the handset (or the stemkaart) is scanned, the binding ends."""

    async def returned(fields: Fields, found: Meeting) -> Step:
        holder = await desk.holder(session, meeting=found, scanned=_scanned(fields))
        status = await desk.return_handset(
            session, meeting=found, member_code=holder.member, actor=role.name
        )
        message = f"Stemkastje {holder.handset} van {status.name} is ingenomen."
        return {"step": "return", "member": status, "message": message, "changed": True}

    return await _step(request, session, meeting, returned, retry={"step": "return"})


@router.post("/desk/{meeting}/swap/find", response_class=HTMLResponse, include_in_schema=False)
async def desk_swap_find(
    meeting: MeetingCode, request: Request, session: SessionDep, _: DeskPage
) -> HTMLResponse:
    """A broken handset: scanned (or the stemkaart), then the new one."""

    async def found(fields: Fields, meeting: Meeting) -> Step:
        holder = await desk.holder(session, meeting=meeting, scanned=_scanned(fields))
        if not holder.present:
            raise Invalid(f"{holder.name} is niet aangemeld en heeft geen stemkastje.")
        return {"step": "swap-new", "member": holder}

    return await _step(request, session, meeting, found, retry={"step": "swap-old"})


@router.post("/desk/{meeting}/swap", response_class=HTMLResponse, include_in_schema=False)
async def desk_swap(
    meeting: MeetingCode, request: Request, session: DeskSessionDep, role: DeskPage
) -> HTMLResponse:
    async def swapped(fields: Fields, found: Meeting) -> Step:
        status = await desk.swap_handset(
            session,
            meeting=found,
            member_code=required_text(fields, "member", label="de gemeente", max_length=6),
            handset=_handset(fields),
            actor=role.name,
        )
        message = f"{status.name} stemt nu met stemkastje {status.handset}."
        return {"step": "swap-old", "stempas": status, "message": message, "changed": True}

    return await _step(request, session, meeting, swapped, retry={"step": "swap-old"})


@router.get(
    "/desk/{meeting}/stempas/{member}", response_class=HTMLResponse, include_in_schema=False
)
async def stempas_page(
    meeting: MeetingCode, member: MemberCode, request: Request, session: SessionDep, _: DeskPage
) -> HTMLResponse:
    """The stempas on paper (A6 or a receipt printer): whom the handset votes for."""
    found = await service.get_meeting(session, meeting)
    status = await desk.stempas(session, meeting=found, member_code=member)
    context = {"meeting": found, "status": status}
    return templates.TemplateResponse(request, "stempas.html", context, headers=NO_STORE)


@router.get("/handsets/{meeting}", response_class=HTMLResponse, include_in_schema=False)
async def handset_page(
    meeting: MeetingCode, request: Request, session: SessionDep, _: StaffPage, live: bool = False
) -> HTMLResponse:
    """The handset registry for staff: every handset seen, and what to fix
    before a vote (``live``: the polled part only)."""
    found = await service.get_meeting(session, meeting)
    context = {"meeting": found, "registry": await handsets.registry(session, meeting=found)}
    name = "_handsets_live.html" if live else "handsets.html"
    return templates.TemplateResponse(request, name, context, headers=NO_STORE)
