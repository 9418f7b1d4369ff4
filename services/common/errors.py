"""The one error root of every service, rendered as problem JSON (RFC 9457).

    AlvError                      (status_code, code, Dutch detail)     400 bad_request
     ├── BadContentLength    400   a Content-Length that is no number
     ├── UnreadableBody      400   a body that cannot be decoded at all
     ├── NotFound            404
     ├── Conflict            409
     ├── RequestTooLarge     413   a body over the route's limit (limits.py)
     ├── Invalid             422
     │    └── RequestInvalid 422   the request does not match its schema (``errors``)
     ├── Unauthorized        401
     ├── Forbidden           403
     ├── TooManyAttempts     429   wrong guesses in a row: wait (lockout.py)
     ├── UpstreamUnavailable 503   another service cannot be reached
     ├── UpstreamFailed      502   another service answered with nonsense
     ├── DatabaseUnavailable 503   the database cannot be reached or is locked
     └── DatabaseError       503   the database refused; nothing was stored

Each service's ``errors.py`` subclasses these with its own domain errors.
``detail`` is Dutch because the desk and the chair show it as it is; ``code``
is stable for programs.

Every class is also a schema in the OpenAPI documents (``schema()``: its
status and its ``code`` as constants), and a route declares what it can answer
with ``responses=problem_responses(VoteNotFound, WrongVoteState)``; what every
route with a token, a database or a body can answer is added from its
dependencies (``openapi.py``), so no route promises less than it does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.pages import problem_html, wants_html

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

TITLES = {
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


class AlvError(Exception):
    status_code: int = 400
    code: str = "bad_request"
    # JSON schemas of the extra members this error's problem JSON may carry.
    extra_properties: ClassVar[Mapping[str, dict[str, Any]]] = {}

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    @classmethod
    def schema(cls) -> dict[str, Any]:
        """The problem JSON this error is answered with, its status and code constant."""
        return {
            "title": cls.__name__,
            "description": (cls.__doc__ or "").strip().split("\n")[0],
            "type": "object",
            "properties": {
                "type": {"type": "string", "const": "about:blank"},
                "title": {"type": "string", "const": TITLES.get(cls.status_code, "Error")},
                "status": {"type": "integer", "const": cls.status_code},
                "code": {"type": "string", "const": cls.code},
                "detail": {"type": "string", "description": "In het Nederlands, om te tonen."},
                **cls.extra_properties,
            },
            "required": ["type", "title", "status", "code", "detail"],
        }


_UPSTREAM = {"upstream": {"type": "string", "description": "de dienst die het betreft"}}


class BadContentLength(AlvError):
    """The Content-Length header is not a whole number of bytes."""

    code = "bad_content_length"


class UnreadableBody(AlvError):
    """The body cannot be read at all (not UTF-8, not JSON where JSON is asked)."""

    code = "unreadable_body"


class NotFound(AlvError):
    status_code = 404
    code = "not_found"


class Conflict(AlvError):
    status_code = 409
    code = "conflict"


class RequestTooLarge(AlvError):
    """The body is larger than this route takes (its ``x-max-body-bytes``)."""

    status_code = 413
    code = "request_too_large"


class Invalid(AlvError):
    status_code = 422
    code = "invalid"


class RequestInvalid(Invalid):
    """The request does not match its schema; ``errors`` says where."""

    extra_properties: ClassVar[Mapping[str, dict[str, Any]]] = {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        }
    }


class Unauthorized(AlvError):
    """No token, or a token no role has."""

    status_code = 401
    code = "unauthorized"


class Forbidden(AlvError):
    """The token's role may not do this."""

    status_code = 403
    code = "forbidden"


class TooManyAttempts(AlvError):
    """Too many wrong guesses (a password, a card code); ``retry_after`` seconds."""

    status_code = 429
    code = "too_many_attempts"
    extra_properties: ClassVar[Mapping[str, dict[str, Any]]] = {
        "retry_after": {"type": "integer", "description": "seconden wachten"}
    }


class UpstreamUnavailable(AlvError):
    """Another service cannot be reached, or failed; try again shortly."""

    status_code = 503
    code = "upstream_unavailable"
    extra_properties: ClassVar[Mapping[str, dict[str, Any]]] = _UPSTREAM


class UpstreamFailed(AlvError):
    """Another service gave an answer that does not fit its contract."""

    status_code = 502
    code = "upstream_failed"
    extra_properties: ClassVar[Mapping[str, dict[str, Any]]] = _UPSTREAM


class DatabaseUnavailable(AlvError):
    """The database cannot be reached or is locked; nothing was stored, try again."""

    status_code = 503
    code = "database_unavailable"


class DatabaseError(AlvError):
    """The database refused the request; nothing was stored."""

    status_code = 503
    code = "database_error"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    sent = dict(headers or {})
    if status == 401:
        sent.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=sent or None)


def error_response(error: AlvError) -> JSONResponse:
    return problem(error.status_code, error.code, error.detail, **error.extra)


# --- documenting what a route can answer ------------------------------------------


class ProblemResponse(dict[str, Any]):
    """An OpenAPI response entry that remembers the error classes it documents,
    so ``openapi.py`` can merge them with those a route's dependencies add."""

    def __init__(self, errors: tuple[type[AlvError], ...]) -> None:
        self.errors = errors
        status = errors[0].status_code
        refs = [{"$ref": f"#/components/schemas/{error.__name__}"} for error in errors]
        super().__init__(
            description=TITLES.get(status, "Error"),
            content={PROBLEM_JSON: {"schema": refs[0] if len(refs) == 1 else {"anyOf": refs}}},
        )


def problem_responses(*errors: type[AlvError]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the errors it can answer then."""
    by_status: dict[int, list[type[AlvError]]] = {}
    for error in errors:
        listed = by_status.setdefault(error.status_code, [])
        if error not in listed:
            listed.append(error)
    return {status: ProblemResponse(tuple(listed)) for status, listed in sorted(by_status.items())}


Dependency = TypeVar("Dependency", bound=Callable[..., Any])
RAISES = "__alv_raises__"


def raises(*errors: type[AlvError]) -> Callable[[Dependency], Dependency]:
    """Mark a dependency with the errors it can answer: every route that uses
    it, directly or through another dependency, documents them."""

    def mark(dependency: Dependency) -> Dependency:
        setattr(dependency, RAISES, (*getattr(dependency, RAISES, ()), *errors))
        return dependency

    return mark


# --- rendering ---------------------------------------------------------------------


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{location}: {error.get('msg', 'ongeldig')}" if location else error["msg"])
    return "Ongeldige invoer: " + "; ".join(parts)


def problem_for(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The problem as the caller reads it: JSON for programs, Dutch HTML for the pages."""
    if wants_html(request):
        sent = dict(headers or {})
        if status == 401:
            sent.setdefault("WWW-Authenticate", "Bearer")
        title = TITLES.get(status, "Error")
        return problem_html(
            request, status=status, title=title, detail=detail, headers=sent or None
        )
    return problem(status, code, detail, headers=headers, **extra)


def error_for(request: Request, error: AlvError) -> Response:
    return problem_for(request, error.status_code, error.code, error.detail, **error.extra)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AlvError)
    async def _alv_error(request: Request, exc: AlvError) -> Response:
        return error_for(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        return error_for(request, RequestInvalid(_validation_detail(exc), errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "Fout in het verzoek."
        if exc.status_code == 413:  # FastAPI's own body limit, behind ours (limits.py)
            return error_for(request, RequestTooLarge("Het verzoek is te groot voor dit adres."))
        if exc.status_code == 400:  # FastAPI could not decode the body
            unreadable = UnreadableBody("Het verzoek is niet te lezen: geen geldige tekst.")
            return error_for(request, unreadable)
        if exc.status_code == 404:
            detail = "Deze pagina of dit adres bestaat niet."
        elif exc.status_code == 405:
            detail = "Deze methode is hier niet toegestaan."
        # Starlette names the allowed methods of a 405 in ``Allow`` (RFC 9110).
        return problem_for(request, exc.status_code, "http_error", detail, headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> Response:
        # A database that is unreachable or locked is a temporary condition:
        # the caller (a gateway, a desk) retries; nothing was stored.
        log.error("database.unavailable", exc_info=exc)
        unavailable = DatabaseUnavailable("De database is tijdelijk niet bereikbaar.")
        return error_for(request, unavailable)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        log.error("database.error", exc_info=exc)
        return error_for(request, DatabaseError("De database gaf een fout; niets is opgeslagen."))
