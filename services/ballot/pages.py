"""The agenda editor: prepare the votes of a meeting in the browser.

Server-rendered, with htmx: every form posts to a page route here that calls
the service layer in-process (``service``, ``prepare``, ``agenda_import``) and
answers with the parts of the page that changed, swapped in place
(``hx-swap-oob``): the agenda as a tree, the form, the meeting's base. A
refusal is the service's own error, shown in Dutch in the layout's problem
area; the request owns the transaction, so a refused change changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import agenda_form, agenda_import, prepare, repository, service
from services.ballot.deps import AgendaPage, RegistrationClientDep, SessionDep
from services.ballot.errors import MeetingNotFound, VoteNotFound
from services.ballot.models import Vote
from services.ballot.schemas import MeetingSettings, VoteCreate, VoteKind, VoteStatus
from services.common.bounds import MeetingCode
from services.common.errors import Invalid, problem_responses
from services.common.forms import checked, file_field, read_form, text_field, validated
from services.common.http import ServiceClient, url_path
from services.common.limits import CSV_UPLOAD_LIMIT
from services.common.pages import fragments, templates_for
from services.domain.decision import MAJORITY_RULES, rule_words

templates = templates_for(Path(__file__).parent)
templates.env.filters["majority"] = lambda m: rule_words(
    m.numerator, m.denominator, inclusive=m.inclusive
)

router = APIRouter(tags=["pages"])
HINTS = {
    "kind": "kies een soort stemming",
    "title": "geef een titel (ten hoogste 300 tekens)",
    "agenda_item": "het agendapunt is ten hoogste 100 tekens",
    "office": "de functie is ten hoogste 100 tekens",
    "options": "elke optie is 1 tot 200 tekens",
}
# The parts of the editor an action changes, sent out of band.
REFRESHED = ["agenda/_tree.html", "agenda/_vote_form.html", "agenda/_base.html"]


async def _meeting(registration: ServiceClient, meeting: str) -> dict[str, Any]:
    """The meeting as registration knows it (its name; a 404 if there is none)."""
    found: dict[str, Any] = await registration.get_json(url_path("/api/meetings/{}", meeting))
    return found


async def _context(
    session: AsyncSession, meeting: str, form: agenda_form.VoteForm | None = None, **more: Any
) -> dict[str, Any]:
    votes = [service.vote_read(v) for v in await repository.votes(session, meeting)]
    return {
        "code": meeting,
        "tree": await prepare.agenda(session, meeting=meeting),
        "votes": votes,
        "by_id": {v.id: v for v in votes},
        "prepared": [v.id for v in votes if v.status is VoteStatus.PREPARED],
        "settings": await service.meeting_settings(session, meeting=meeting),
        "form": form or agenda_form.VoteForm(),
        "editing": None,
        "rules": MAJORITY_RULES,
        "kinds": list(VoteKind),
        "choice_kinds": agenda_form.CHOICE_KINDS,
        **more,
    }


@router.get(
    "/agenda/{meeting}",
    response_class=HTMLResponse,
    responses=problem_responses(MeetingNotFound),
)
async def agenda_page(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    registration: RegistrationClientDep,
    _: AgendaPage,
) -> HTMLResponse:
    """The agenda as a tree, a form for a vote, the meeting's base, the import."""
    context = await _context(session, meeting, info=await _meeting(registration, meeting))
    return templates.TemplateResponse(
        request, "agenda/page.html", context, headers={"Cache-Control": "no-store"}
    )


async def _posted_vote(request: Request) -> VoteCreate:
    form = await read_form(request)
    posted = agenda_form.VoteForm(
        **{
            name: text_field(form, name)
            for name in (
                *("kind", "title", "agenda_item", "office", "options"),
                *("majority", "base", "amends", "part_of"),
            )
        },
        with_abstain=checked(form, "with_abstain"),
        named=text_field(form, "named") != "false",
    )
    try:
        values = agenda_form.to_vote(posted)
    except agenda_form.FormError as exc:
        raise Invalid(f"Niet goed ingevuld: {exc}.") from exc
    return validated(VoteCreate, values, HINTS)


async def _vote_of(session: AsyncSession, meeting: str, vote_id: int) -> Vote:
    vote = await service.get_vote(session, vote_id)
    if vote.meeting != meeting:
        raise VoteNotFound(f"Stemming {vote_id} bestaat niet in deze vergadering.")
    return vote


def _answer(request: Request, context: dict[str, Any], first: list[str]) -> HTMLResponse:
    return fragments(templates, request, [*first, *REFRESHED], context)


@router.post("/agenda/{meeting}/votes", response_class=HTMLResponse, include_in_schema=False)
async def create_vote(
    meeting: MeetingCode, request: Request, session: SessionDep, _: AgendaPage
) -> HTMLResponse:
    data = await _posted_vote(request)
    vote = await service.create_vote(session, meeting=meeting, data=data)
    context = await _context(session, meeting, done=f"Stemming {vote.id} is toegevoegd.")
    return _answer(request, context, ["agenda/_done.html"])


@router.get(
    "/agenda/{meeting}/votes/{vote_id}/edit",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def edit_form(
    meeting: MeetingCode, vote_id: int, request: Request, session: SessionDep, _: AgendaPage
) -> HTMLResponse:
    """The form filled in as the vote is."""
    vote = service.vote_read(await _vote_of(session, meeting, vote_id))
    context = await _context(session, meeting, agenda_form.from_vote(vote), editing=vote)
    return fragments(templates, request, ["agenda/_vote_form.html"], context)


@router.post(
    "/agenda/{meeting}/votes/{vote_id}", response_class=HTMLResponse, include_in_schema=False
)
async def edit_vote(
    meeting: MeetingCode, vote_id: int, request: Request, session: SessionDep, _: AgendaPage
) -> HTMLResponse:
    await _vote_of(session, meeting, vote_id)
    data = await _posted_vote(request)
    await prepare.edit_vote(session, vote_id=vote_id, data=data)
    context = await _context(session, meeting, done=f"Stemming {vote_id} is gewijzigd.")
    return _answer(request, context, ["agenda/_done.html"])


@router.post(
    "/agenda/{meeting}/votes/{vote_id}/remove",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def remove_vote(
    meeting: MeetingCode, vote_id: int, request: Request, session: SessionDep, _: AgendaPage
) -> HTMLResponse:
    await _vote_of(session, meeting, vote_id)
    await prepare.remove_vote(session, vote_id=vote_id)
    context = await _context(session, meeting, done=f"Stemming {vote_id} is verwijderd.")
    return _answer(request, context, ["agenda/_done.html"])


@router.post(
    "/agenda/{meeting}/votes/{vote_id}/move",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def move_vote(
    meeting: MeetingCode, vote_id: int, request: Request, session: SessionDep, _: AgendaPage
) -> HTMLResponse:
    """One place earlier or later among the prepared votes."""
    await _vote_of(session, meeting, vote_id)
    direction = text_field(await read_form(request), "direction")
    if direction not in ("up", "down"):
        raise Invalid("Kies omhoog of omlaag.")
    prepared = [v.id for v in await repository.votes(session, meeting, status="prepared")]
    if vote_id not in prepared:
        raise Invalid(f"Stemming {vote_id} is al geopend geweest: haar plaats ligt vast.")
    at = prepared.index(vote_id)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(prepared):
        prepared[at], prepared[to] = prepared[to], prepared[at]
        await service.reorder(session, meeting=meeting, vote_ids=prepared)
    context = await _context(session, meeting, done=None)
    return _answer(request, context, ["agenda/_done.html"])


@router.post("/agenda/{meeting}/base", response_class=HTMLResponse, include_in_schema=False)
async def change_base(
    meeting: MeetingCode, request: Request, session: SessionDep, _: AgendaPage
) -> HTMLResponse:
    """The meeting's base; prepared votes that follow it change with it."""
    chosen = text_field(await read_form(request), "abstentions_cast")
    if chosen not in ("true", "false"):
        raise Invalid("Kies of onthoudingen meetellen.")
    data = MeetingSettings(abstentions_cast=chosen == "true")
    await service.change_settings(session, meeting=meeting, data=data)
    context = await _context(session, meeting, done="De grondslag van de vergadering is gewijzigd.")
    return _answer(request, context, ["agenda/_done.html"])


@router.post(
    "/agenda/{meeting}/import",
    response_class=HTMLResponse,
    include_in_schema=False,
    max_body_size=CSV_UPLOAD_LIMIT,
)
async def import_agenda(
    meeting: MeetingCode, request: Request, session: SessionDep, _: AgendaPage
) -> HTMLResponse:
    """An agenda file (CSV or JSON, by its name) prepared after the votes there are."""
    upload = await file_field(await read_form(request), "agenda")
    if upload is None:
        raise Invalid("Kies een agendabestand (CSV of JSON).")
    name, text = upload
    read = agenda_import.read_agenda(text, is_json=name.lower().endswith(".json"))
    report = await agenda_import.import_agenda(session, meeting=meeting, agenda=read)
    context = await _context(session, meeting, report=report, done=None)
    return _answer(request, context, ["agenda/_import_report.html"])
