"""What every service application has: settings on the state, the error
handlers, ``/healthz``, ``/metrics``, and a database built and migrated in
the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import text

from services.common.auth import install_login_redirect
from services.common.csrf import CsrfMiddleware
from services.common.database import Database
from services.common.errors import (
    DatabaseUnavailable,
    error_response,
    install_error_handlers,
    problem_responses,
)
from services.common.limits import BodySizeLimit
from services.common.metrics import RequestMetrics, metrics_router, process_stopped
from services.common.migrations import upgrade
from services.common.openapi import install_problem_openapi
from services.common.pages import mount_static
from services.common.settings import ServiceSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def database_lifespan(
    app: FastAPI, *, service: str, service_dir: Path, pre_ping: bool = True
) -> AsyncIterator[Database]:
    """Migrate the service's database to head, then hold its engine open
    (``pre_ping``: see services.common.database.create_engine_for)."""
    settings: ServiceSettings = app.state.settings
    url = settings.resolved_database_url(service)
    await anyio.to_thread.run_sync(upgrade, service_dir, url)
    database = Database(url, pre_ping=pre_ping)
    app.state.database = database
    try:
        yield database
    finally:
        await database.dispose()
        process_stopped()


def _health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", responses=problem_responses(DatabaseUnavailable))
    async def healthz(request: Request) -> Any:
        database: Database = request.app.state.database
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means unhealthy
            return error_response(DatabaseUnavailable("De database is niet bereikbaar."))
        return JSONResponse({"status": "ok", "service": service})

    return router


def create_service_app(
    *,
    service: str,
    service_dir: Path,
    title: str,
    description: str,
    settings: ServiceSettings,
    lifespan: Lifespan,
    routers: Sequence[APIRouter],
) -> FastAPI:
    # /docs and /redoc with their scripts served by the service itself: a
    # meeting hall is often offline, and the default pages load from a CDN.
    app = FastAPIOffline(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_login_redirect(app)
    app.include_router(_health_router(service))
    app.include_router(metrics_router())
    # Inside the metrics, so a request refused for its size is counted too.
    # Inside the body limit: a form searched for its CSRF token is already bounded.
    secure = settings.public_urls.registration.startswith("https://")
    app.add_middleware(CsrfMiddleware, secure=secure)
    app.add_middleware(BodySizeLimit, service=app)
    app.add_middleware(RequestMetrics, service=service)
    for router in routers:
        app.include_router(router)
    mount_static(app, service=service, service_dir=service_dir)
    install_problem_openapi(app)
    return app
