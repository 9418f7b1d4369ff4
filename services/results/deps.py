from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Role, require
from services.common.database import request_session
from services.common.errors import Forbidden, Unauthorized, raises
from services.common.http import ServiceClient, upstream
from services.common.openapi import asks_token
from services.common.page_auth import Staff, page_access
from services.results.screen import ScreenHub
from services.results.throttle import GuessThrottle

_live_auth = require(Role.CHAIR, Role.AUDITOR)


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


@raises(Unauthorized, Forbidden)
@asks_token(optional=True)
async def _optional_live_auth(request: Request) -> Role | None:
    """The caller's role if it sent a token (checked as usual), else None.

    The public may read every closed outcome; only the chair and the auditors
    may see the running tally of an open vote.
    """
    if "authorization" not in request.headers:
        return None
    return await _live_auth(request)


def _caller_authorization(request: Request) -> str:
    """The caller's own Authorization header, forwarded as is to ballot.

    Ballot decides whether the caller may open or close a vote; results only
    checked that it is a chair (or admin) token before forwarding.
    """
    return request.headers.get("authorization", "")


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
BallotClientDep = Annotated[ServiceClient, Depends(_ballot)]
ScreenHubDep = Annotated[ScreenHub, Depends(_screen_hub)]
RegistrationClientDep = Annotated[ServiceClient, Depends(_registration)]
OptionalLiveAuth = Annotated[Role | None, Depends(_optional_live_auth)]
AuditorAuth = Annotated[Role, Depends(require(Role.AUDITOR))]
ChairAuth = Annotated[Role, Depends(require(Role.CHAIR))]
# The secretariat publishes the stemgedrag (today the admin role).
SecretariatAuth = Annotated[Role, Depends(require(Role.ADMIN))]
CallerAuthorization = Annotated[str, Depends(_caller_authorization)]
ThrottleDep = Annotated[GuessThrottle, Depends(_throttle)]
ClientDep = Annotated[str, Depends(_client)]
# The secretariat's publication page (page_auth.py decides how people log in).
SecretariatPage = Annotated[Staff, Depends(page_access(Role.ADMIN))]
