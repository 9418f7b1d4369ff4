"""Settings shared by every service: its service token, public addresses, database, bind address.

Each service subclasses ``ServiceSettings`` with its own ``env_prefix``, so
each reads its own ``<SERVICE>_SERVICE_TOKEN``: the named machine token it
calls the other services with (made by ``alv run`` or ``alv tokens create``,
kept hashed by registration). Nothing is read at import time:
``create_app(settings)`` gets an instance, so tests build their own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "token", "password", "xxx"})
MIN_TOKEN_LENGTH = 16


class PublicUrls(BaseSettings):
    """Where a browser finds each part: the pages link to one another with these.

    Shared by every service, like the tokens. They are the addresses people
    type (a host name, a reverse proxy), not the links between the services:
    inside docker-compose ballot reaches ``http://registration:8001``, a
    laptop in the hall ``http://alv.local:8001``. Empty ``gateway``: not linked.
    """

    model_config = SettingsConfigDict(env_prefix="ALV_PUBLIC_URL_", extra="ignore")

    registration: str = "http://127.0.0.1:8001"
    ballot: str = "http://127.0.0.1:8002"
    results: str = "http://127.0.0.1:8003"
    gateway: str = ""

    @field_validator("registration", "ballot", "results", "gateway")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not an http:// or https:// address")
        return value


class ServiceSettings(BaseSettings):
    """What every service needs; subclasses set the env prefix and defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    # Empty means an SQLite file ``<data_dir>/<service>.db``: a whole meeting
    # runs on one machine with no setup. A ``postgresql://`` URL for production.
    database_url: str = ""
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    # uvicorn's line per HTTP request (``<SERVICE>_ACCESS_LOG=true``). Off by
    # default: a gateway's single presses cost a few percent of ballot's
    # CPU per press, and /metrics already counts every request by route and status.
    access_log: bool = False
    # This service's own machine token (role ``service``), for its calls to
    # the other services: ``<SERVICE>_SERVICE_TOKEN``.
    service_token: SecretStr = SecretStr("")
    # Read from ALV_PUBLIC_URL_*, the same for every service.
    public_urls: PublicUrls = Field(default_factory=PublicUrls)

    @field_validator("service_token")
    @classmethod
    def _not_placeholder(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and (secret.lower() in PLACEHOLDERS or len(secret) < MIN_TOKEN_LENGTH):
            raise ValueError(
                f"service token must be a random value of at least {MIN_TOKEN_LENGTH} characters"
                " (alv tokens create NAME --role service makes one)"
            )
        return value

    # Ballot and results ask registration who a session or token is
    # (introspection.py): an answer is reused this long, so a logout or a
    # revoked token takes effect everywhere within it ...
    auth_cache_seconds: float = 5.0
    # ... and while registration is unreachable, someone known this recently
    # is still admitted (the hall keeps voting); nobody new is.
    auth_stale_seconds: float = 600.0

    def resolved_database_url(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / f'{service}.db').resolve()}"
