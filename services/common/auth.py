"""Who is calling: people with a session, machines with a bearer token.

People (roles ``secretariat``, ``chair``, ``desk``, ``auditor``) log in at
registration's ``/login`` and carry the session cookie ``alv_session``; the
browser sends it to all three services (same host: cookies ignore ports).
Machines (``gateway``, ``service``, ``integrator``) send
``Authorization: Bearer <token>``. Either way a request becomes a
``Principal``; a route states which roles it admits with ``require`` (an API
route) or ``require_page`` (a page: a browser without a session is sent to the
login page). ``secretariat`` is admitted wherever a person is admitted.

Who a session or a token belongs to is known by registration (accounts.py);
each app holds an ``Authenticator`` on ``app.state.authenticator``: registration
asks its own database, ballot and results ask registration (introspection.py).
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal, Protocol
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from services.common.errors import AlvError, Forbidden, Unauthorized, raises
from services.common.openapi import asks_token
from services.common.settings import TokenSettings

SESSION_COOKIE = "alv_session"


class Role(enum.StrEnum):
    # People: a named account with a password.
    SECRETARIAT = "secretariat"
    CHAIR = "chair"
    DESK = "desk"
    AUDITOR = "auditor"
    # Machines: a named, revocable token.
    GATEWAY = "gateway"
    SERVICE = "service"
    INTEGRATOR = "integrator"


PEOPLE_ROLES = frozenset({Role.SECRETARIAT, Role.CHAIR, Role.DESK, Role.AUDITOR})
MACHINE_ROLES = frozenset({Role.GATEWAY, Role.SERVICE, Role.INTEGRATOR})

Kind = Literal["person", "machine"]


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who a request is from: what audit entries record is ``name``."""

    kind: Kind
    name: str
    roles: frozenset[Role]

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "roles": sorted(self.roles)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Principal:
        kind = data["kind"]
        if kind not in ("person", "machine"):
            raise ValueError(f"unknown principal kind {kind!r}")
        roles = data["roles"]
        if not isinstance(roles, list):
            raise ValueError("roles must be a list")
        return cls(kind=kind, name=str(data["name"]), roles=frozenset(Role(r) for r in roles))


class Authenticator(Protocol):
    """Who a session id or a bearer token belongs to (None: nobody, or ended)."""

    async def by_session(self, session_id: str) -> Principal | None: ...

    async def by_token(self, token: str) -> Principal | None: ...


# --- the shared settings tokens (until every machine has a named token) -----------

# Each settings token stands for the role it was named after; ``admin`` is now
# the secretariat. The tokens the services call each other with (gateway for
# ballot and registration, auditor for results) also carry ``service``, so
# they may ask registration who a session is and tell ballot of bindings.
_LEGACY_ROLES = {
    "desk": frozenset({Role.DESK}),
    "chair": frozenset({Role.CHAIR}),
    "gateway": frozenset({Role.GATEWAY, Role.SERVICE}),
    "auditor": frozenset({Role.AUDITOR, Role.SERVICE}),
    "admin": frozenset({Role.SECRETARIAT}),
}


def principal_for_settings_token(tokens: TokenSettings, presented: str) -> Principal | None:
    found = None
    for field, roles in _LEGACY_ROLES.items():
        expected = getattr(tokens, field).get_secret_value()
        # Compare against every token, always, so timing tells nothing.
        if expected and hmac.compare_digest(expected.encode(), presented.encode()):
            found = Principal(kind="machine", name=field, roles=roles)
    return found


def generate_tokens() -> dict[str, str]:
    return {field: secrets.token_urlsafe(24) for field in _LEGACY_ROLES}


# --- checking a request ---------------------------------------------------------


def bearer_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return None
    return presented.strip()


async def authenticate(request: Request) -> Principal | None:
    """The request's principal: its bearer token if it sent one, else its session."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    authenticator: Authenticator = request.app.state.authenticator
    token = bearer_of(request)
    principal: Principal | None = None
    if token is not None:
        settings_tokens: TokenSettings = request.app.state.settings.tokens
        principal = principal_for_settings_token(settings_tokens, token)
        if principal is None:
            principal = await authenticator.by_token(token)
    else:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            principal = await authenticator.by_session(session_id)
    if principal is not None:
        request.state.principal = principal
    return principal


def forwarded_credentials(request: Request) -> dict[str, str]:
    """Headers that let another service see the caller as it is (not as us).

    A bearer token is passed on as it came. A session goes as its cookie,
    without our own service token (an empty Authorization header is none), and
    with a CSRF pair of its own: the browser's request was checked here.
    """
    header = request.headers.get("authorization", "")
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if header or not session_id:
        return {"Authorization": header}
    pair = secrets.token_urlsafe(32)
    return {
        "Authorization": "",
        "Cookie": f"{SESSION_COOKIE}={session_id}; alv_csrf={pair}",
        "X-CSRF-Token": pair,
    }


def admitted_roles(roles: Iterable[Role]) -> frozenset[Role]:
    """The roles a route admits: those named, and the secretariat wherever a person is."""
    named = frozenset(roles)
    return named | {Role.SECRETARIAT} if named & PEOPLE_ROLES or not named else named


class LoginRequired(AlvError):
    """A page for a browser without a session: to the login page (``Location``)."""

    status_code = 303
    code = "login_required"


def install_login_redirect(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(str(exc.extra["location"]), status_code=303)


def _refuse(principal: Principal | None, admitted: frozenset[Role]) -> None:
    if principal is None:
        raise Unauthorized("Inloggen vereist: log in of geef een geldig toegangstoken mee.")
    if not principal.roles & admitted:
        names = ", ".join(sorted(admitted))
        raise Forbidden(f"'{principal.name}' mag dit niet; nodig is een van de rollen: {names}.")


def require(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting ``roles`` (and the secretariat); returns the Principal.

    401 without valid credentials, 403 for a principal without an admitted role.
    """
    admitted = admitted_roles(roles)

    @raises(Unauthorized, Forbidden)
    @asks_token(roles=admitted)
    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        _refuse(principal, admitted)
        assert principal is not None
        return principal

    return dependency


def login_url(request: Request) -> str:
    """Registration's login page, coming back to this very page afterwards."""
    registration = request.app.state.settings.public_urls.registration
    here = str(request.url)
    return f"{registration}/login?next={quote(here, safe='')}"


def require_page(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """Like ``require``, but a browser without a session is sent to log in (303)."""
    admitted = admitted_roles(roles)

    @raises(Unauthorized, Forbidden)
    @asks_token(roles=admitted)
    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if principal is None and bearer_of(request) is None:
            raise LoginRequired("Log eerst in.", location=login_url(request))
        _refuse(principal, admitted)
        assert principal is not None
        return principal

    return dependency
