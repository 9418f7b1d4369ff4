"""The ballot service: votes, their lifecycle, and every press kept."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.ballot import bindings, pages
from services.ballot.api import router
from services.ballot.api_agenda import router as agenda_router
from services.ballot.api_live import router as live_router
from services.ballot.config import BallotSettings
from services.ballot.events import CHANNEL, EventBus
from services.ballot.presses import PressPath
from services.common.app import create_service_app, database_lifespan
from services.common.http import ServiceClient
from services.common.introspection import RemoteAuthenticator
from services.common.notify import listening
from services.common.pages import portal_redirect

SERVICE_DIR = Path(__file__).parent


def create_app(
    settings: BallotSettings, *, registration_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = EventBus()
        async with (
            # No ping per request: it was a fifth of a one-press request's cost.
            # After a database restart one batch is answered 503; the gateway
            # retries it (and the pool is renewed).
            database_lifespan(
                app, service="ballot", service_dir=SERVICE_DIR, pre_ping=False
            ) as database,
            listening(database.url, CHANNEL, on_notify=bus.notify, on_connect=bus.notify_all),
            ServiceClient(
                name="registratie",
                base_url=settings.registration_url,
                token=settings.service_token.get_secret_value(),
                transport=registration_transport,
            ) as registration,
        ):
            app.state.events = bus
            app.state.registration = registration
            app.state.authenticator = RemoteAuthenticator(
                registration,
                fresh=settings.auth_cache_seconds,
                stale=settings.auth_stale_seconds,
            )
            app.state.presses = PressPath(registration)
            await bindings.catch_up(database.sessionmaker, registration)
            # What start-up built (modules, routes, compiled statements, about
            # 160,000 objects) lives as long as the process: out of the
            # collector's reach, so that the full collections the press path's
            # allocations trigger do not walk it every time (they took a
            # fifth of a batch's CPU; gc.freeze cut that to a quarter).
            gc.freeze()
            yield

    return create_service_app(
        service="ballot",
        service_dir=SERVICE_DIR,
        title="ALV Stemsysteem: stemmingen",
        description="Stemmingen, hun verloop, en elke druk op een stemkastje.",
        settings=settings,
        lifespan=lifespan,
        # The press path first: the router tries the routes in order, and a
        # gateway's batches are most of what ballot serves.
        routers=[live_router, router, agenda_router, pages.router, portal_redirect()],
    )


def app_from_environment() -> FastAPI:
    """The app with its settings read from the environment, for uvicorn's
    ``factory=True``: each worker process of ``alv serve --workers`` builds its own."""
    return create_app(BallotSettings())
