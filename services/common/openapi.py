"""OpenAPI documents that say every error a route can answer, one schema per error.

A route declares its domain errors itself (``problem_responses(VoteNotFound)``).
What follows from how it is built is added here, so it cannot be forgotten:

* a dependency marked with ``errors.raises`` (a role's token: 401 and 403; the
  database: 503; another service: 502 and 503) adds its errors to every route
  that uses it, however deep;
* a route with parameters or a body can answer 422 ``invalid`` (FastAPI's own
  422 schema, which our problem JSON does not follow, is replaced);
* a route whose dependency asks for a token (``asks_token``) states so as
  ``security`` (bearer; optional where a token is only checked when sent),
  and the roles it admits as ``x-alv-roles`` (a session of a person with one
  of them, or a machine token with one of them);
* a page (a path outside ``/api/``) answers its errors as an HTML page to a
  browser (``pages.wants_html``), so ``text/html`` is listed beside problem JSON;
* a route with a body can answer 413 ``request_too_large`` and 400
  ``bad_content_length``, and its operation states its limit in bytes as
  ``x-max-body-bytes`` (limits.py).

Each error class is one schema under ``components/schemas`` with its status
and ``code`` as constants; a status with several possible errors lists them
with ``anyOf``, so a client can tell which codes to expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import RouteContext

from services.common.errors import (
    RAISES,
    AlvError,
    BadContentLength,
    Dependency,
    ProblemResponse,
    RequestInvalid,
    RequestTooLarge,
    UnreadableBody,
    problem_responses,
)
from services.common.limits import api_routes, limit_of

MAX_BODY_KEY = "x-max-body-bytes"
BEARER = "__alv_bearer__"
ROLES = "__alv_roles__"
ROLES_KEY = "x-alv-roles"
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer"}}


def asks_token(
    *, optional: bool = False, roles: Iterable[str] = ()
) -> Callable[[Dependency], Dependency]:
    """Mark a dependency that reads the bearer token or session (``optional``:
    only when sent), admitting ``roles``."""

    def mark(dependency: Dependency) -> Dependency:
        setattr(dependency, BEARER, "optional" if optional else "required")
        setattr(dependency, ROLES, frozenset((*getattr(dependency, ROLES, ()), *roles)))
        return dependency

    return mark


def _roles(route: RouteContext) -> list[str]:
    found: set[str] = set()
    for dependant in _dependants(route.dependant):
        found |= getattr(dependant.call, ROLES, frozenset())
    return sorted(found)


def _security(route: RouteContext) -> list[dict[str, list[str]]] | None:
    found = {getattr(d.call, BEARER, None) for d in _dependants(route.dependant)}
    if "required" in found:
        return [{"bearer": []}]
    if "optional" in found:
        return [{"bearer": []}, {}]
    return None


_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def derived_errors(route: RouteContext) -> list[type[AlvError]]:
    """What ``route`` can answer by the way it is built (see the module docstring)."""
    found: list[type[AlvError]] = []
    has_parameters = False
    for dependant in _dependants(route.dependant):
        found.extend(getattr(dependant.call, RAISES, ()))
        has_parameters = has_parameters or any(
            (
                dependant.path_params,
                dependant.query_params,
                dependant.header_params,
                dependant.cookie_params,
                dependant.body_params,
            )
        )
    if has_parameters:
        found.append(RequestInvalid)
    return found


def _declared(route: RouteContext) -> list[type[AlvError]]:
    return [
        error
        for response in route.responses.values()
        if isinstance(response, ProblemResponse)
        for error in response.errors
    ]


def _document_errors(
    operation: dict[str, Any], errors: list[type[AlvError]], *, page: bool
) -> None:
    responses = operation.setdefault("responses", {})
    validation = responses.get("422", {}).get("content", {}).get("application/json", {})
    if "HTTPValidationError" in str(validation.get("schema", "")):
        del responses["422"]
    for status, response in problem_responses(*errors).items():
        # Keep what a route declared besides problem JSON (a page shows some errors).
        content = {**responses.get(str(status), {}).get("content", {}), **response["content"]}
        if page:  # a browser asking for HTML gets the error as a page (pages.wants_html)
            content["text/html"] = {"schema": {"type": "string"}}
        responses[str(status)] = {**response, "content": content}


def _schemas(errors: list[type[AlvError]]) -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    for error in errors:
        schema = error.schema()
        if schemas.setdefault(error.__name__, schema) != schema:
            raise TypeError(f"two different errors are both called {error.__name__}")
    return schemas


def install_problem_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` by one that documents every error (module docstring)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        used: list[type[AlvError]] = []
        for route in api_routes(app):
            if not route.include_in_schema:
                continue
            path_format = str(route.path_format)
            path = document["paths"][path_format]
            page = not path_format.startswith("/api/")
            for method in route.methods or ():
                operation = path[method.lower()]
                errors = [*_declared(route), *derived_errors(route)]
                security = _security(route)
                if security is not None:
                    operation["security"] = security
                    operation[ROLES_KEY] = _roles(route)
                if "requestBody" in operation:
                    operation[MAX_BODY_KEY] = limit_of(route)
                    errors += [RequestTooLarge, BadContentLength, UnreadableBody]
                _document_errors(operation, errors, page=page)
                used += errors
        document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        components = document["components"].setdefault("schemas", {})
        for name in _FASTAPI_VALIDATION:
            components.pop(name, None)
        components.update(_schemas(used))
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
