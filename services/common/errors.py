"""The one error root of every service, rendered as problem JSON (RFC 9457).

    AlvError                      (status_code, code, Dutch detail)
     ├── NotFound            404
     ├── Conflict            409
     ├── Invalid             422
     ├── Unauthorized        401
     ├── Forbidden           403
     └── UpstreamUnavailable 503   another service cannot be reached
         UpstreamFailed      502   another service answered with nonsense

Each service's ``errors.py`` subclasses these with its own domain errors.
``detail`` is Dutch because the desk and the chair show it as it is; ``code``
is stable for programs.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.pages import problem_html, wants_html

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class AlvError(Exception):
    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(AlvError):
    status_code = 404
    code = "not_found"


class Conflict(AlvError):
    status_code = 409
    code = "conflict"


class Invalid(AlvError):
    status_code = 422
    code = "invalid"


class Unauthorized(AlvError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AlvError):
    status_code = 403
    code = "forbidden"


class UpstreamUnavailable(AlvError):
    status_code = 503
    code = "upstream_unavailable"


class UpstreamFailed(AlvError):
    status_code = 502
    code = "upstream_failed"


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# Documented in every route's ``responses=`` so the OpenAPI docs show the shape.
PROBLEM_RESPONSE: dict[str, Any] = {
    "content": {
        PROBLEM_JSON: {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
            }
        }
    }
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"description": _TITLES.get(status, "Error"), **PROBLEM_RESPONSE}
        for status in statuses
    }


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{location}: {error.get('msg', 'ongeldig')}" if location else error["msg"])
    return "Ongeldige invoer: " + "; ".join(parts)


def problem_for(request: Request, status: int, code: str, detail: str, **extra: Any) -> Response:
    """The problem as the caller reads it: JSON for programs, Dutch HTML for the pages."""
    if wants_html(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        title = _TITLES.get(status, "Error")
        return problem_html(request, status=status, title=title, detail=detail, headers=headers)
    return problem(status, code, detail, **extra)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AlvError)
    async def _alv_error(request: Request, exc: AlvError) -> Response:
        return problem_for(request, exc.status_code, exc.code, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        return problem_for(request, 422, "invalid", _validation_detail(exc), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "Fout in het verzoek."
        if exc.status_code == 404:
            detail = "Deze pagina of dit adres bestaat niet."
        elif exc.status_code == 405:
            detail = "Deze methode is hier niet toegestaan."
        return problem_for(request, exc.status_code, "http_error", detail)

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> Response:
        # A database that is unreachable or locked is a temporary condition:
        # the caller (a gateway, a desk) retries; nothing was stored.
        log.error("database.unavailable", exc_info=exc)
        detail = "De database is tijdelijk niet bereikbaar."
        return problem_for(request, 503, "database_unavailable", detail)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        log.error("database.error", exc_info=exc)
        detail = "De database gaf een fout; niets is opgeslagen."
        return problem_for(request, 503, "database_error", detail)
