"""The secretariat's console: prepare a meeting in the browser.

Rendered here; its forms post to page routes that call the service layer
in-process and answer with HTML fragments for htmx: the action's result, and
the parts of the page it changed (``hx-swap-oob``). Refusals are the
services' own errors, shown in the layout's problem area in Dutch; a refused
action changes nothing (the request owns the transaction).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bounds import MeetingCode, MemberCode
from services.common.errors import Invalid, problem_responses
from services.common.forms import file_field, read_form, text_field, validated
from services.common.limits import CSV_UPLOAD_LIMIT, MEMBER_IMPORT_LIMIT
from services.common.pages import fragments, templates_for
from services.registration import cards, console, mailing, repository, service
from services.registration.deps import (
    DatabaseDep,
    SecretariatPage,
    SessionDep,
    SettingsDep,
)
from services.registration.errors import BadImport, MeetingNotFound
from services.registration.models import Meeting
from services.registration.schemas import (
    CardReissue,
    ImportReport,
    MeetingCreate,
    PopulationSupply,
    SendRequest,
)
from services.registration.weights import population_reference_date

templates = templates_for(Path(__file__).parent)

router = APIRouter(tags=["pages"])
NO_STORE = {"Cache-Control": "no-store"}
# What the console's forms refuse, per field, in the words of the form.
HINTS = {
    "code": "de code is 2 tot 32 tekens: kleine letters a-z, cijfers 0-9 en '-'",
    "name": "vul een naam in (ten hoogste 200 tekens)",
    "date": "vul een datum in (JJJJ-MM-DD) tussen 2000 en 2099",
    "population": "het inwonertal is een geheel getal van cijfers 0-9",
    "source": "zeg waar het inwonertal vandaan komt (3 tot 300 tekens)",
    "reason": "geef een reden (3 tot 300 tekens)",
    "members": "kies een gemeente (GM gevolgd door 4 cijfers)",
}


# --- the console: meetings ----------------------------------------------------------


@router.get("/console", response_class=HTMLResponse)
async def console_index(request: Request, session: SessionDep, _: SecretariatPage) -> HTMLResponse:
    """Every meeting, and a form to create one."""
    meetings = await repository.meetings(session)
    return templates.TemplateResponse(
        request, "console/index.html", {"meetings": meetings}, headers=NO_STORE
    )


@router.get("/console/peildatum", response_class=HTMLResponse, include_in_schema=False)
async def reference_date(
    request: Request, _: SecretariatPage, date: Annotated[str, Query(max_length=10)] = ""
) -> HTMLResponse:
    """The CBS reference date a meeting date implies, shown while the date is typed."""
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        day = None
    context = {"population_date": population_reference_date(day) if day else None}
    return fragments(templates, request, ["console/_reference_date.html"], context)


@router.post("/console/meetings", response_class=HTMLResponse, include_in_schema=False)
async def create_meeting(
    request: Request, session: SessionDep, who: SecretariatPage
) -> HTMLResponse:
    form = await read_form(request)
    values = {key: text_field(form, key) for key in ("code", "name", "date")}
    data = validated(MeetingCreate, values, HINTS)
    meeting = await service.create_meeting(session, data=data, actor=who.name)
    # htmx goes to the new meeting's console once this answer (and the commit) is in.
    return fragments(
        templates,
        request,
        ["console/_created.html"],
        {"meeting": meeting},
        headers={"HX-Redirect": f"/console/{meeting.code}"},
    )


# --- the console of one meeting ------------------------------------------------------


async def _context(session: AsyncSession, meeting: Meeting, **more: Any) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "overview": await console.overview(session, meeting),
        "batch": console.SEND_BATCH,
        **more,
    }


# The parts of the console page an action can change, re-rendered out of band.
REFRESHED = ["console/_status.html", "console/_populations.html", "console/_send_log.html"]


@router.get(
    "/console/{meeting}",
    response_class=HTMLResponse,
    responses=problem_responses(MeetingNotFound),
)
async def console_page(
    meeting: MeetingCode, request: Request, session: SessionDep, _: SecretariatPage
) -> HTMLResponse:
    found = await service.get_meeting(session, meeting)
    context = await _context(session, found)
    return templates.TemplateResponse(request, "console/meeting.html", context, headers=NO_STORE)


async def _member_import(
    request: Request, session: AsyncSession, meeting: Meeting, who: str
) -> ImportReport:
    """The CSV, or CBS's two OData documents, from the import form."""
    form = await read_form(request)
    csv_file = await file_field(form, "csv")
    observations = await file_field(form, "observations")
    regions = await file_field(form, "regions")
    if csv_file is not None:
        name, text = csv_file
        return await service.import_members(
            session, meeting=meeting, text=text, source=name, actor=who
        )
    if observations is None or regions is None:
        raise Invalid(
            "Kies een CSV-bestand met de leden, of beide CBS-bestanden"
            " (Observations.json en RegioSCodes.json)."
        )
    documents = []
    for name, text in (observations, regions):
        try:
            documents.append(console.json_document(text))
        except ValueError as exc:
            raise BadImport(f"'{name}' is geen JSON-document van CBS: {exc}.") from exc
    return await service.import_members_cbs(
        session,
        meeting=meeting,
        observations=documents[0],
        regions=documents[1],
        source=f"{observations[0]}, {regions[0]}",
        actor=who,
    )


@router.post(
    "/console/{meeting}/members/preview",
    response_class=HTMLResponse,
    include_in_schema=False,
    max_body_size=MEMBER_IMPORT_LIMIT,
)
async def preview_members(
    meeting: MeetingCode, request: Request, session: SessionDep, who: SecretariatPage
) -> HTMLResponse:
    """What the import would do, with nothing stored (the import itself, rolled back)."""
    found = await service.get_meeting(session, meeting)

    async def work() -> ImportReport:
        return await _member_import(request, session, found, who.name)

    report = await service.preview(session, work)
    context = {"meeting": found, "report": report}
    return fragments(templates, request, ["console/_member_report.html"], context)


@router.post(
    "/console/{meeting}/members/import",
    response_class=HTMLResponse,
    include_in_schema=False,
    max_body_size=MEMBER_IMPORT_LIMIT,
)
async def import_members(
    meeting: MeetingCode, request: Request, session: SessionDep, who: SecretariatPage
) -> HTMLResponse:
    found = await service.get_meeting(session, meeting)
    report = await _member_import(request, session, found, who.name)
    context = await _context(session, found, report=report)
    return fragments(templates, request, ["console/_member_report.html", *REFRESHED], context)


@router.post(
    "/console/{meeting}/members/{member}/population",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def supply_population(
    meeting: MeetingCode,
    member: MemberCode,
    request: Request,
    session: SessionDep,
    who: SecretariatPage,
) -> HTMLResponse:
    """The figure of a municipality the import had none for (a merger)."""
    found = await service.get_meeting(session, meeting)
    form = await read_form(request)
    # People write 70.000: the points between thousands are not part of the number.
    population = text_field(form, "population").replace(".", "").replace(" ", "")
    if not population or not console.is_digits(population):
        raise Invalid(f"Niet goed ingevuld: {HINTS['population']}.")
    data = validated(
        PopulationSupply,
        {"population": int(population), "source": text_field(form, "source")},
        HINTS,
    )
    updated = await service.supply_population(
        session, meeting=found, member_code=member, data=data, actor=who.name
    )
    context = await _context(session, found, supplied=updated)
    return fragments(templates, request, REFRESHED, context)


@router.post(
    "/console/{meeting}/contacts",
    response_class=HTMLResponse,
    include_in_schema=False,
    max_body_size=CSV_UPLOAD_LIMIT,
)
async def import_contacts(
    meeting: MeetingCode, request: Request, session: SessionDep, who: SecretariatPage
) -> HTMLResponse:
    found = await service.get_meeting(session, meeting)
    upload = await file_field(await read_form(request), "contacts")
    if upload is None:
        raise Invalid("Kies het CSV-bestand met de contactpersonen (code,name,email).")
    name, text = upload
    report = await service.import_contacts(
        session, meeting=found, text=text, source=name, actor=who.name
    )
    context = await _context(session, found, contacts=report)
    return fragments(templates, request, ["console/_contact_report.html", *REFRESHED], context)


@router.post("/console/{meeting}/cards", response_class=HTMLResponse, include_in_schema=False)
async def issue_cards(
    meeting: MeetingCode, request: Request, session: SessionDep, who: SecretariatPage
) -> HTMLResponse:
    """A stemkaart for every member that has none (refused while a figure is missing)."""
    found = await service.get_meeting(session, meeting)
    before = (await console.overview(session, found)).cards
    issued = await cards.issue_cards(session, meeting=found, actor=who.name)
    context = await _context(session, found, issued=len(issued) - before)
    return fragments(templates, request, ["console/_cards_issued.html", *REFRESHED], context)


@router.post("/console/{meeting}/cards/send", response_class=HTMLResponse, include_in_schema=False)
async def send_cards(
    meeting: MeetingCode,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    who: SecretariatPage,
) -> HTMLResponse:
    """One batch of a run of sending; the answer asks for the next while any remain.

    ``mode``: ``unsent`` (every current card not yet mailed), ``failed`` (the
    members whose latest attempt failed) or ``member`` (one municipality's card,
    after a re-issue). ``started`` ties the batches of one run together: each
    leaves out whom the run already tried."""
    form = await read_form(request)
    mode = text_field(form, "mode")
    if mode not in ("unsent", "failed", "member"):
        raise Invalid("Kies wat er verstuurd moet worden.")
    started = console.run_start(text_field(form, "started"))
    selection: dict[str, Any] = {"not_tried_since": started, "limit": console.SEND_BATCH}
    if mode == "member":
        selection["members"] = [text_field(form, "member")]
    selection["skip_sent"] = mode == "unsent"
    selection["only_failed"] = mode == "failed"
    request_data = validated(SendRequest, selection, HINTS)
    report = await mailing.send_cards(
        database,
        settings,
        meeting_code=meeting,
        request=request_data,
        actor=who.name,
        run=f"console-{started.isoformat()}",
    )
    run, overview = await console.send_run(
        database, meeting_code=meeting, started=started, remaining=report.remaining
    )
    context = {
        "meeting": overview.meeting,
        "overview": overview,
        "run": run,
        "mode": mode,
        "batch": console.SEND_BATCH,
    }
    return fragments(templates, request, ["console/_send_progress.html", *REFRESHED], context)


@router.post(
    "/console/{meeting}/cards/reissue", response_class=HTMLResponse, include_in_schema=False
)
async def reissue_card(
    meeting: MeetingCode, request: Request, session: SessionDep, who: SecretariatPage
) -> HTMLResponse:
    """A new stemkaart for one municipality; its old one stops working at once."""
    found = await service.get_meeting(session, meeting)
    form = await read_form(request)
    member = text_field(form, "member").upper()
    data = validated(CardReissue, {"reason": text_field(form, "reason")}, HINTS)
    card = await cards.reissue_card(
        session, meeting=found, member_code=member, reason=data.reason, actor=who.name
    )
    context = await _context(session, found, card=card)
    return fragments(templates, request, ["console/_card_reissued.html", *REFRESHED], context)
