from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Role, require
from services.common.database import Database, request_session
from services.common.errors import DatabaseError, DatabaseUnavailable, raises
from services.common.http import ServiceClient, upstream
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


def _authorization(request: Request) -> str:
    return request.headers.get("authorization", "")


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
# Only for a flow that must not hold one transaction for the whole request
# (sending mail); everything else takes SessionDep.
DatabaseDep = Annotated[Database, Depends(_database)]
SettingsDep = Annotated[RegistrationSettings, Depends(_settings)]
BallotClientDep = Annotated[ServiceClient, Depends(_ballot)]
CallerAuthorization = Annotated[str, Depends(_authorization)]
AdminAuth = Annotated[Role, Depends(require(Role.ADMIN))]
DeskAuth = Annotated[Role, Depends(require(Role.DESK))]
ElectorateAuth = Annotated[Role, Depends(require(Role.GATEWAY, Role.CHAIR, Role.AUDITOR))]
AuditorAuth = Annotated[Role, Depends(require(Role.AUDITOR))]
GatewayAuth = Annotated[Role, Depends(require(Role.GATEWAY))]
# Staff who look after the handsets: the desk swaps them, the chair checks before a vote.
StaffAuth = Annotated[Role, Depends(require(Role.DESK, Role.CHAIR, Role.AUDITOR))]
