"""The commissie van stemopneming's page: the meeting's timeline, to read.

The same timeline as ``/api/audit/meetings/{meeting}/timeline``, rendered on the
server with no script, so the page saved or printed reads the same offline.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.common import labels
from services.common.bounds import MeetingCode
from services.common.pages import templates_for
from services.results import audit, publish
from services.results.deps import (
    AuditorPage,
    BallotClientDep,
    RegistrationClientDep,
    SessionDep,
)
from services.results.text import clock


def day(moment: datetime.datetime) -> datetime.date:
    """The day a line falls on, in local time as ``clock`` reads its time."""
    return moment.astimezone().date()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items()) or "–"
    return "–" if value is None or value == "" else str(value)


# Details whose values are API words too. A swap's old and new handset numbers
# are no publication mode, so they show as themselves.
_VALUES = {
    "kind": labels.VOTE_KINDS,
    "mode": labels.PUBLICATION_MODES,
    "old": labels.PUBLICATION_MODES,
    "new": labels.PUBLICATION_MODES,
}


def particulars(details: dict[str, Any]) -> str:
    """A line's details in Dutch: "stemkastje: 000363 · versie: 2"."""
    return " · ".join(
        f"{labels.label(labels.AUDIT_DETAILS, name)}: "
        + (labels.label(_VALUES[name], value) if name in _VALUES else _value(value))
        for name, value in details.items()
    )


templates = templates_for(Path(__file__).parent)
templates.env.filters.update(clock=clock, day=day, particulars=particulars)

router = APIRouter()


@router.get("/audit/{meeting}/tijdlijn", response_class=HTMLResponse, tags=["audit"])
async def timeline_page(
    meeting: MeetingCode,
    request: Request,
    session: SessionDep,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
    _: AuditorPage,
) -> HTMLResponse:
    """The meeting by time: registration, the votes, the stored and published outcomes."""
    info = await publish.meeting_info(registration, meeting)
    timeline = await audit.timeline(
        session, ballot=ballot, registration=registration, meeting=meeting
    )
    return templates.TemplateResponse(
        request,
        "audit_timeline.html",
        {"meeting": info, "timeline": timeline},
        headers={"Cache-Control": "no-store"},
    )
