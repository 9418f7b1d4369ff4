"""The registration service: members, weights, stemkaarten and the desk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.common.app import create_service_app, database_lifespan
from services.common.http import ServiceClient
from services.registration import (
    api,
    api_accounts,
    api_cards,
    api_desk,
    api_handsets,
    pages,
    pages_console,
)
from services.registration.accounts import LocalAuthenticator
from services.registration.bindings import BindingOutbox
from services.registration.config import RegistrationSettings, session_policy

SERVICE_DIR = Path(__file__).parent


def create_app(
    settings: RegistrationSettings, *, ballot_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            database_lifespan(app, service="registration", service_dir=SERVICE_DIR) as database,
            # A service token: the binding changes go to ballot from this
            # service; the proefstemming view passes the officer's own
            # credentials (desk.test_vote).
            ServiceClient(
                name="stemmingen",
                base_url=settings.ballot_url,
                token=settings.service_token.get_secret_value(),
                transport=ballot_transport,
            ) as ballot,
            BindingOutbox(database, ballot, retry_seconds=settings.binding_retry_seconds) as outbox,
        ):
            app.state.ballot = ballot
            app.state.binding_outbox = outbox
            app.state.authenticator = LocalAuthenticator(
                database.sessionmaker, session_policy(settings)
            )
            yield

    app = create_service_app(
        service="registration",
        service_dir=SERVICE_DIR,
        title="ALV Stemsysteem: registratie",
        description="Leden en stemgewichten, stemkaarten, de stembalie.",
        settings=settings,
        lifespan=lifespan,
        routers=[
            api.router,
            api_cards.router,
            api_desk.router,
            api_handsets.router,
            api_accounts.router,
            api_accounts.pages,
            pages.router,
            pages_console.router,
        ],
    )
    # The login and logout pages are here (pages.account_base).
    app.state.serves_login = True
    return app


def app_from_environment() -> FastAPI:
    """The app with its settings read from the environment, for uvicorn's
    ``factory=True``: each worker process of ``alv serve --workers`` builds its own."""
    return create_app(RegistrationSettings())
