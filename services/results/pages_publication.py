"""The secretariat publishes the stemgedrag: a page on results, which owns the step.

One button on the page posts to a page route that calls the publication step
in-process (``publish.publish_stemgedrag``, the same as the API's), so the
console (registration) links here instead of keeping a second way to publish.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.common.bounds import MeetingCode
from services.common.pages import fragments, templates_for
from services.results import publish
from services.results.deps import RegistrationClientDep, SecretariatPage, SessionDep
from services.results.service import publication

templates = templates_for(Path(__file__).parent)

router = APIRouter()


@router.get(
    "/record/{meeting}/publicatie",
    response_class=HTMLResponse,
    tags=["record"],
)
async def publication_page(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    registration: RegistrationClientDep,
    _: SecretariatPage,
) -> HTMLResponse:
    """The secretariat publishes the stemgedrag here (the publication step of results)."""
    info = await publish.meeting_info(registration, meeting)
    state = publish.publication_read(await publication(session, meeting))
    context = {"meeting": info, "publication": state}
    return templates.TemplateResponse(
        request, "publication.html", context, headers={"Cache-Control": "no-store"}
    )


@router.post("/record/{meeting}/publicatie", response_class=HTMLResponse, include_in_schema=False)
async def publish_page(
    meeting: MeetingCode, request: Request, session: SessionDep, who: SecretariatPage
) -> HTMLResponse:
    """Publish now; audited once, and final."""
    state = await publish.publish_stemgedrag(session, meeting=meeting, actor=who.name)
    context = {"meeting": {"code": meeting}, "publication": state}
    return fragments(templates, request, ["_publication.html"], context)
