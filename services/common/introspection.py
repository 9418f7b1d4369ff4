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

import asyncio
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
        self._pending: dict[tuple[str, str], asyncio.Future[Principal | None]] = {}

    async def by_session(self, session_id: str) -> Principal | None:
        return await self._ask("session", session_id)

    async def by_token(self, token: str) -> Principal | None:
        return await self._ask("token", token)

    async def _ask(self, kind: str, secret: str) -> Principal | None:
        key = (kind, secret)
        known = self._cache.get(key)
        if known is not None and self._clock() - known[0] < self._fresh:
            return known[1]
        # One question at a time per credential: a burst of presses arriving as
        # the gateway's answer expires asks registration once, not per request.
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(self._refresh(key, known))
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    async def _refresh(
        self, key: tuple[str, str], known: tuple[float, Principal | None] | None
    ) -> Principal | None:
        kind, secret = key
        now = self._clock()
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
