"""The chair's screen: one HTML page that polls ``/api/meetings/{m}/current``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

router = APIRouter(tags=["chair"])


@router.get("/chair/{meeting}", response_class=HTMLResponse)
async def chair_screen(meeting: str, request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "chair.html", {"meeting": meeting})
