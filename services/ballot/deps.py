from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Role, require
from services.common.database import request_session
from services.common.http import ServiceClient


def _registration(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.registration
    return client


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
RegistrationClientDep = Annotated[ServiceClient, Depends(_registration)]
ChairAuth = Annotated[Role, Depends(require(Role.CHAIR))]
GatewayAuth = Annotated[Role, Depends(require(Role.GATEWAY))]
RecordAuth = Annotated[Role, Depends(require(Role.AUDITOR, Role.CHAIR))]
