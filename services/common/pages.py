"""One templating setup for the pages of every service.

    templates = templates_for(SERVICE_DIR)   # the service's templates, then the common ones
    return templates.TemplateResponse(request, "desk.html", {"meeting": meeting})

Every page extends ``base.html`` (``services/common/templates``): Dutch,
``lang="nl"``, one shared style sheet, and htmx served by the service itself
from ``/static/common`` (no CDN and no build step: a meeting hall is often
offline). Dutch words come from ``labels.py``, handed to every template as
``labels``.

Errors are shown in one place. A refused htmx request gets its problem as a
fragment swapped into the layout's ``#problem`` area (``HX-Retarget``; the
layout's htmx configuration swaps 4xx and 5xx answers); a page the browser
navigates to gets an error page in the layout; programs keep problem JSON.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from services.common import labels

COMMON_DIR = Path(__file__).parent
STATIC_URL = "/static/common"

# htmx leaves 4xx/5xx answers unswapped by default; ours carry a fragment for
# ``#problem`` (HX-Retarget), so they are swapped too, flagged as errors.
HTMX_CONFIG = {
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
    ],
    "includeIndicatorStyles": False,
    "allowEval": False,
}


def account_base(request: Request) -> str:
    """Where ``/login`` and ``/logout`` are: here on registration, which serves
    them (so it works at whatever address it is reached), else registration's
    public address."""
    if getattr(request.app.state, "serves_login", False):
        return ""
    settings = getattr(request.app.state, "settings", None)
    return str(settings.public_urls.registration) if settings is not None else ""


def _site(request: Request) -> dict[str, Any]:
    """What every page may link to: the public addresses of the parts, and
    where to log in and out."""
    settings = getattr(request.app.state, "settings", None)
    urls = settings.public_urls if settings is not None else None
    return {"urls": urls, "account_base": account_base(request)}


@functools.cache
def templates_for(service_dir: Path | None = None) -> Jinja2Templates:
    """The templates of a service (searched first) and the common ones, set up once."""
    folders = [COMMON_DIR / "templates"]
    if service_dir is not None:
        folders.insert(0, service_dir / "templates")
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        autoescape=select_autoescape(["html", "svg"]),
    )
    environment.filters.update(
        capitalised=labels.capitalised,
        number=labels.dutch_number,
        dutch_date=labels.dutch_date,
        label=labels.label,
    )
    environment.globals.update(
        labels=labels.ALL,
        static_common=STATIC_URL,
        htmx_config=json.dumps(HTMX_CONFIG, separators=(",", ":")),
    )
    return Jinja2Templates(env=environment, context_processors=[_site])


def fragments(
    templates: Jinja2Templates,
    request: Request,
    names: list[str],
    context: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Several templates as one htmx answer: the first for the request's target,
    the others swapped in place by their ``hx-swap-oob`` (the rest of the page
    an action changed)."""
    full = {**_site(request), **context, "request": request, "oob": True}
    body = "".join(templates.get_template(name).render(full) for name in names)
    # A success clears the problem an earlier refusal left in the layout.
    body += '<div id="problem" hx-swap-oob="innerHTML"></div>'
    return HTMLResponse(body, headers={"Cache-Control": "no-store", **(headers or {})})


def mount_static(app: FastAPI, *, service: str, service_dir: Path) -> None:
    """``/static/common`` on every service, and ``/static/<service>`` for its own files."""
    app.mount(STATIC_URL, StaticFiles(directory=COMMON_DIR / "static"), name="common-static")
    own = service_dir / "static"
    if own.is_dir():
        app.mount(f"/static/{service}", StaticFiles(directory=own), name=f"{service}-static")


def portal_redirect() -> APIRouter:
    """``/`` of a service without a start page of its own: to the one portal
    (registration's, which knows the meetings)."""
    router = APIRouter(tags=["pages"])

    @router.get("/", include_in_schema=False)
    async def start(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{request.app.state.settings.public_urls.registration}/")

    return router


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def wants_html(request: Request) -> bool:
    """Whether an error should be shown as a page (or fragment) rather than problem JSON."""
    if is_htmx(request):
        return True
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def problem_html(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A problem as the pages show it: a fragment for ``#problem``, or an error page."""
    context: dict[str, Any] = {"status": status, "title": title, "detail": detail}
    templates = templates_for()
    if is_htmx(request):
        fragment = templates.get_template("_problem.html").render(context)
        extra = {"HX-Retarget": "#problem", "HX-Reswap": "innerHTML"}
        return HTMLResponse(fragment, status_code=status, headers={**(headers or {}), **extra})
    return templates.TemplateResponse(
        request, "error.html", context, status_code=status, headers=headers
    )
