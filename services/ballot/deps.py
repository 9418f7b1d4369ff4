from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

# Every dependency is ``async def``: a plain ``def`` runs in a worker thread,
# which costs more than the whole of recording one press.
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.ballot.config import BallotSettings
from services.ballot.events import BUS_KEY, EventBus
from services.ballot.presses import PressPath
from services.common.auth import ACTOR_KEY, Principal, Role, require, require_page
from services.common.database import Database, read_only, transaction
from services.common.errors import DatabaseError, DatabaseUnavailable, raises
from services.common.http import ServiceClient, upstream


@upstream
async def _registration(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.registration
    return client


@raises(DatabaseUnavailable, DatabaseError)
async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction (``request_session``'s, in one dependency
    rather than two: FastAPI's resolving of each costs more than a statement)."""
    async with transaction(request.app.state.database) as session:
        # So events written in this request wake this app's streams after the commit.
        session.info[BUS_KEY] = request.app.state.events
        if request.method == "GET":
            # No GET route of ballot writes: the gateway's state polls and the
            # results service's reads need not queue behind press batches.
            await read_only(session)
        yield session


@raises(DatabaseUnavailable, DatabaseError)
async def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """Short sessions of their own, for work that must not sit in the request's
    transaction (which on SQLite holds the write lock from its first query)."""
    database: Database = request.app.state.database
    return database.sessionmaker


async def _events(request: Request) -> EventBus:
    bus: EventBus = request.app.state.events
    return bus


@upstream  # it asks registration about handsets it does not know
async def _press_path(request: Request) -> PressPath:
    path: PressPath = request.app.state.presses
    return path


async def _settings(request: Request) -> BallotSettings:
    settings: BallotSettings = request.app.state.settings
    return settings


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
EventBusDep = Annotated[EventBus, Depends(_events)]
SettingsDep = Annotated[BallotSettings, Depends(_settings)]
PressPathDep = Annotated[PressPath, Depends(_press_path)]
RegistrationClientDep = Annotated[ServiceClient, Depends(_registration)]


async def _chair_acting(
    session: Annotated[AsyncSession, Depends(_session, scope="function")],
    principal: Annotated[Principal, Depends(require(Role.CHAIR))],
) -> Principal:
    """The chair, who is also whom the request's transaction acts for: the
    votes it creates, opens, closes or annuls record the name (service.actor)."""
    session.info[ACTOR_KEY] = principal.name
    return principal


ChairAuth = Annotated[Principal, Depends(_chair_acting)]
GatewayAuth = Annotated[Principal, Depends(require(Role.GATEWAY))]
# Registration reports the desk's binding changes with its service token.
BindingsAuth = Annotated[Principal, Depends(require(Role.SERVICE))]
# Results reads the record with its service token.
RecordAuth = Annotated[Principal, Depends(require(Role.AUDITOR, Role.CHAIR, Role.SERVICE))]
# The desk swaps handsets that did not answer in the proefstemming.
MissingAuth = Annotated[Principal, Depends(require(Role.AUDITOR, Role.CHAIR, Role.DESK))]
# The agenda editor: the chair and the secretariat (people, with a session).
AgendaPage = Annotated[Principal, Depends(require_page(Role.CHAIR))]
