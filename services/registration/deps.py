from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Role, require
from services.common.database import request_session

SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
AdminAuth = Annotated[Role, Depends(require(Role.ADMIN))]
DeskAuth = Annotated[Role, Depends(require(Role.DESK))]
ElectorateAuth = Annotated[Role, Depends(require(Role.GATEWAY, Role.CHAIR, Role.AUDITOR))]
AuditorAuth = Annotated[Role, Depends(require(Role.AUDITOR))]
