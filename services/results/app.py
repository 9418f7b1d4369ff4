"""The results service: outcomes computed once and kept, and the chair's screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.common.app import create_service_app, database_lifespan
from services.common.http import ServiceClient
from services.common.introspection import RemoteAuthenticator
from services.common.notify import listening
from services.common.pages import portal_redirect
from services.results.api import router
from services.results.api_audit import router as audit_router
from services.results.api_chair import router as chair_router
from services.results.api_record import router as record_router
from services.results.config import ResultsSettings
from services.results.pages import router as pages_router
from services.results.pages_audit import router as audit_pages_router
from services.results.pages_publication import router as publication_pages_router
from services.results.screen import CHANNEL, ScreenHub, StreamTiming
from services.results.throttle import MemoryThrottle

SERVICE_DIR = Path(__file__).parent


def create_app(
    settings: ResultsSettings,
    *,
    ballot_transport: httpx.AsyncBaseTransport | None = None,
    registration_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        token = settings.service_token.get_secret_value()
        async with (
            database_lifespan(app, service="results", service_dir=SERVICE_DIR) as database,
            ServiceClient(
                name="stemmingen",
                base_url=settings.ballot_url,
                token=token,
                transport=ballot_transport,
            ) as ballot,
            ServiceClient(
                name="registratie",
                base_url=settings.registration_url,
                token=token,
                transport=registration_transport,
            ) as registration,
        ):
            app.state.ballot = ballot
            app.state.registration = registration
            app.state.authenticator = RemoteAuthenticator(
                registration,
                fresh=settings.auth_cache_seconds,
                stale=settings.auth_stale_seconds,
            )
            # The screen follows ballot's event stream on a client of its own:
            # long reads, and no pool shared with the short requests.
            events = httpx.AsyncClient(
                base_url=settings.ballot_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=httpx.Timeout(5.0, connect=2.0, read=settings.stream_upstream_read_seconds),
                transport=ballot_transport,
            )
            hub = app.state.screen_hub = ScreenHub(
                sessions=database.sessionmaker,
                ballot=app.state.ballot,
                registration=app.state.registration,
                events=events,
                timing=StreamTiming(
                    coalesce=settings.stream_coalesce_seconds,
                    fallback=settings.stream_fallback_seconds,
                    refresh=settings.stream_refresh_seconds,
                    heartbeat=settings.stream_heartbeat_seconds,
                    linger=settings.stream_linger_seconds,
                ),
            )
            try:
                async with listening(
                    database.url, CHANNEL, on_notify=hub.poke, on_connect=hub.poke_all
                ):
                    yield
            finally:
                await hub.aclose()
                await events.aclose()

    app = create_service_app(
        service="results",
        service_dir=SERVICE_DIR,
        title="ALV Stemsysteem: uitslagen",
        description="Uitslagen van de stemmingen, vastgelegd in een keten, en het scherm van de"
        " voorzitter.",
        settings=settings,
        lifespan=lifespan,
        routers=[
            router,
            record_router,
            audit_router,
            chair_router,
            pages_router,
            publication_pages_router,
            audit_pages_router,
            portal_redirect(),
        ],
    )
    # Wrong stemkaart codes at the receipt check, per client (throttle.py).
    app.state.receipt_throttle = MemoryThrottle()
    return app


def app_from_environment() -> FastAPI:
    """The app with its settings read from the environment, for uvicorn's
    ``factory=True``: each worker process of ``alv serve --workers`` builds its own."""
    return create_app(ResultsSettings())
