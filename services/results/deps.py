from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import (
    SESSION_COOKIE,
    Principal,
    Role,
    admitted_roles,
    authenticate,
    forwarded_credentials,
    require,
    require_page,
)
from services.common.database import request_session
from services.common.errors import Forbidden, Unauthorized, UpstreamUnavailable, raises
from services.common.http import ServiceClient, upstream
from services.common.openapi import asks_token
from services.results.screen import ScreenHub
from services.results.throttle import GuessThrottle

_LIVE_ROLES = admitted_roles([Role.CHAIR, Role.AUDITOR])
_live_auth = require(*_LIVE_ROLES)


@upstream
def _ballot(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.ballot
    return client


def _screen_hub(request: Request) -> ScreenHub:
    hub: ScreenHub = request.app.state.screen_hub
    return hub


def _throttle(request: Request) -> GuessThrottle:
    throttle: GuessThrottle = request.app.state.receipt_throttle
    return throttle


def _client(request: Request) -> str:
    """Who is guessing: the client's address (the throttle's key)."""
    return request.client.host if request.client else "unknown"


@upstream
def _registration(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.registration
    return client


@raises(Unauthorized, Forbidden, UpstreamUnavailable)
@asks_token(optional=True, roles=_LIVE_ROLES)
async def _optional_live_auth(request: Request) -> Principal | None:
    """The caller if it sent a token (checked as usual) or has a session of a
    live role, else None (the public view).

    The public may read every closed outcome; only the chair and the auditors
    may see the running tally of an open vote. A desk officer's session reads
    as the public does.
    """
    if "authorization" in request.headers:
        return await _live_auth(request)
    if SESSION_COOKIE not in request.cookies:
        return None
    principal = await authenticate(request)
    return principal if principal is not None and principal.roles & _LIVE_ROLES else None


def _caller_credentials(request: Request) -> dict[str, str]:
    """The caller's own credentials, passed on to ballot, which decides."""
    return forwarded_credentials(request)


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
BallotClientDep = Annotated[ServiceClient, Depends(_ballot)]
ScreenHubDep = Annotated[ScreenHub, Depends(_screen_hub)]
RegistrationClientDep = Annotated[ServiceClient, Depends(_registration)]
OptionalLiveAuth = Annotated[Principal | None, Depends(_optional_live_auth)]
# The auditors' API: the commissie's own sessions and an integrator's read-only token.
AuditorAuth = Annotated[Principal, Depends(require(Role.AUDITOR, Role.INTEGRATOR))]
ChairAuth = Annotated[Principal, Depends(require(Role.CHAIR))]
ChairPage = Annotated[Principal, Depends(require_page(Role.CHAIR))]
# The secretariat publishes the stemgedrag.
SecretariatAuth = Annotated[Principal, Depends(require(Role.SECRETARIAT))]
CallerCredentials = Annotated[dict[str, str], Depends(_caller_credentials)]
ThrottleDep = Annotated[GuessThrottle, Depends(_throttle)]
ClientDep = Annotated[str, Depends(_client)]
# The secretariat's publication page (people, with a session).
SecretariatPage = Annotated[Principal, Depends(require_page(Role.SECRETARIAT))]
# The commissie van stemopneming's timeline page (people, with a session).
AuditorPage = Annotated[Principal, Depends(require_page(Role.AUDITOR))]
