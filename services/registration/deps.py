from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role, forwarded_credentials, require, require_page
from services.common.database import Database, request_session
from services.common.errors import DatabaseError, DatabaseUnavailable, raises
from services.common.http import ServiceClient, upstream
from services.registration.bindings import BindingOutbox
from services.registration.config import RegistrationSettings


@raises(DatabaseUnavailable, DatabaseError)
def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _settings(request: Request) -> RegistrationSettings:
    settings: RegistrationSettings = request.app.state.settings
    return settings


@upstream
def _ballot(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.ballot
    return client


async def _tell_ballot(request: Request) -> AsyncIterator[None]:
    """After the desk's transaction committed: the binding changes to ballot."""
    yield
    outbox: BindingOutbox = request.app.state.binding_outbox
    await outbox.deliver_pending()


async def _desk_session(
    _: Annotated[None, Depends(_tell_ballot, scope="function")],
    session: Annotated[AsyncSession, Depends(request_session, scope="function")],
) -> AsyncSession:
    # Entered after _tell_ballot, so left before it: the commit comes first.
    return session


def _caller_credentials(request: Request) -> dict[str, str]:
    """The caller's own credentials, passed on to ballot, which decides."""
    return forwarded_credentials(request)


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
# For a desk action that binds or ends a binding: ballot is told of it after
# the commit and before the desk is answered (bindings.py).
DeskSessionDep = Annotated[AsyncSession, Depends(_desk_session, scope="function")]
# Only for a flow that must not hold one transaction for the whole request
# (sending mail); everything else takes SessionDep.
DatabaseDep = Annotated[Database, Depends(_database)]
SettingsDep = Annotated[RegistrationSettings, Depends(_settings)]
BallotClientDep = Annotated[ServiceClient, Depends(_ballot)]
CallerCredentials = Annotated[dict[str, str], Depends(_caller_credentials)]
SecretariatAuth = Annotated[Principal, Depends(require(Role.SECRETARIAT))]
DeskAuth = Annotated[Principal, Depends(require(Role.DESK))]
DeskPage = Annotated[Principal, Depends(require_page(Role.DESK))]
SecretariatPage = Annotated[Principal, Depends(require_page(Role.SECRETARIAT))]
# Ballot reads the electorate with its service token.
ElectorateAuth = Annotated[
    Principal, Depends(require(Role.GATEWAY, Role.SERVICE, Role.CHAIR, Role.AUDITOR))
]
# Results reads the audit log and checks receipt card codes with its service token.
AuditorAuth = Annotated[Principal, Depends(require(Role.AUDITOR, Role.SERVICE))]
# The accounts' audit log: the auditors and the secretariat who manages them.
AccountsAuditAuth = Annotated[Principal, Depends(require(Role.AUDITOR, Role.SECRETARIAT))]
GatewayAuth = Annotated[Principal, Depends(require(Role.GATEWAY))]
# Staff who look after the handsets: the desk swaps them, the chair checks before a vote.
StaffAuth = Annotated[Principal, Depends(require(Role.DESK, Role.CHAIR, Role.AUDITOR))]
# Anyone logged in or any machine: who am I.
AnyAuth = Annotated[Principal, Depends(require(*Role))]
# Ballot and results asking who a session or token is.
ServiceAuth = Annotated[Principal, Depends(require(Role.SERVICE))]
# The handset registry page: staff who look after the handsets.
StaffPage = Annotated[Principal, Depends(require_page(Role.DESK, Role.CHAIR, Role.AUDITOR))]
