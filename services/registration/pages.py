"""The stembalie page: one HTML page plus its script and style, no CDN.

The page itself holds no data and needs no token; it asks the desk officer for
the desk token once and keeps it in ``sessionStorage`` (gone when the tab
closes, never in a cookie the browser would send by itself), then talks to the
JSON API with it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.common.bounds import MeetingCode
from services.common.errors import problem_responses
from services.registration import service
from services.registration.deps import SessionDep
from services.registration.errors import MeetingNotFound

PACKAGE = Path(__file__).parent
STATIC = {"desk.js": "text/javascript", "desk.css": "text/css"}
_templates = Environment(
    loader=FileSystemLoader(PACKAGE / "templates"), autoescape=select_autoescape(["html"])
)

router = APIRouter(tags=["pages"])


@router.get("/desk/static/{name}", include_in_schema=False)
async def desk_static(name: str) -> FileResponse:
    if name not in STATIC:
        raise HTTPException(status_code=404)
    return FileResponse(PACKAGE / "static" / name, media_type=STATIC[name])


@router.get(
    "/desk/{meeting}", response_class=HTMLResponse, responses=problem_responses(MeetingNotFound)
)
async def desk_page(meeting: MeetingCode, session: SessionDep) -> HTMLResponse:
    found = await service.get_meeting(session, meeting)
    html = _templates.get_template("desk.html").render(meeting=found)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
