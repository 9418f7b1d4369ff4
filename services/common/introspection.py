"""Ballot and results ask registration who a session or a token belongs to.

Registration holds the accounts, the sessions and the machine tokens; the other
two services ask ``POST /api/auth/introspect`` with their own service token.
Answers are cached for ``fresh`` seconds (5 s): a logout, a disabled account
or a revoked token takes effect on every service within that time.

While registration cannot be reached, the hall must keep voting: a principal
that was known within the last ``stale`` seconds (10 minutes) is still
admitted, and the outage is logged. Nobody new is admitted then (a session or
token never seen answers 503: registration is unavailable), and a refusal is
never kept past ``fresh``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from services.common.auth import Principal
from services.common.errors import UpstreamUnavailable
from services.common.http import ServiceClient

log = logging.getLogger(__name__)

# Bounded, so a flood of made-up tokens cannot grow the cache without end.
MAX_ENTRIES = 10_000


class RemoteAuthenticator:
    def __init__(
        self,
        registration: ServiceClient,
        *,
        fresh: float = 5.0,
        stale: float = 600.0,
        clock: Any = time.monotonic,
    ) -> None:
        self._registration = registration
        self._fresh = fresh
        self._stale = stale
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, Principal | None]] = {}

    async def by_session(self, session_id: str) -> Principal | None:
        return await self._ask("session", session_id)

    async def by_token(self, token: str) -> Principal | None:
        return await self._ask("token", token)

    def forget(self) -> None:
        self._cache.clear()

    async def _ask(self, kind: str, secret: str) -> Principal | None:
        key = (kind, secret)
        now = self._clock()
        known = self._cache.get(key)
        if known is not None and now - known[0] < self._fresh:
            return known[1]
        try:
            answer = await self._registration.request_json(
                "POST", "/api/auth/introspect", json={kind: secret}
            )
        except UpstreamUnavailable:
            if known is not None and known[1] is not None and now - known[0] < self._stale:
                log.warning("auth.stale", extra={"principal": known[1].name})
                return known[1]
            raise
        principal = Principal.from_json(answer["principal"]) if answer.get("active") else None
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[key] = (now, principal)
        return principal
