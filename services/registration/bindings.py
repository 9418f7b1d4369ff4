"""Telling ballot of every binding change: an outbox, delivered and retried.

A binding ends when the desk ends it. The desk's transaction writes a
``BindingChange`` row with the registration; once it has committed, and
before the desk gets its answer (``deps.DeskSessionDep``), ``deliver_pending``
sends every undelivered change to ballot (``POST /api/meetings/{m}/bindings``)
and marks what ballot took. Ballot stores a change once by its id, so two
deliveries of one change (two desks, a retry) are harmless.

When ballot cannot be reached the desk is answered anyway: ``run`` retries
every ``retry_seconds`` until ballot has taken everything. Ballot also asks
for the changes itself (``GET .../binding-changes``) at its start-up and for
any handset it does not know.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

import httpx

from services.common.database import Database
from services.common.errors import AlvError
from services.common.http import ServiceClient, url_path
from services.registration import repository
from services.registration.models import utcnow

log = logging.getLogger(__name__)

# Changes sent per request; a meeting's day has a few hundred.
PAGE = 1000
# The desk waits at most this long for ballot before it is answered anyway.
DELIVERY_TIMEOUT = httpx.Timeout(1.0, connect=0.5)


class BindingOutbox:
    def __init__(self, database: Database, ballot: ServiceClient, *, retry_seconds: float) -> None:
        self.database = database
        self.ballot = ballot
        self.retry_seconds = retry_seconds
        self._lock = asyncio.Lock()
        # Set while something is left to deliver (and at start: left from before).
        self._pending = asyncio.Event()
        self._pending.set()
        self._task: asyncio.Task[None] | None = None

    async def undelivered(self) -> int:
        async with self.database.sessionmaker() as session:
            return len(await repository.undelivered_changes(session, limit=PAGE))

    async def deliver_pending(self) -> bool:
        """Send what ballot has not taken; True when nothing is left."""
        async with self._lock:
            async with self.database.sessionmaker() as session:
                pending = await repository.undelivered_changes(session, limit=PAGE)
            by_meeting: dict[str, list[dict[str, object]]] = defaultdict(list)
            for change, meeting in pending:
                by_meeting[meeting].append(
                    {
                        "id": change.id,
                        "member": change.member_code,
                        "handset": change.handset,
                        "bound": change.bound,
                        "at": change.at.isoformat(),
                    }
                )
            delivered: list[int] = []
            for meeting, changes in by_meeting.items():
                try:
                    await self.ballot.request_json(
                        "POST",
                        url_path("/api/meetings/{}/bindings", meeting),
                        json={"changes": changes},
                        timeout=DELIVERY_TIMEOUT,
                    )
                except AlvError as exc:
                    log.warning(
                        "registration.binding.undelivered",
                        extra={"meeting": meeting, "changes": len(changes), "error": exc.detail},
                    )
                    continue
                delivered += [int(str(change["id"])) for change in changes]
            if delivered:
                async with self.database.sessionmaker.begin() as session:
                    await repository.mark_delivered(session, delivered, utcnow())
            done = len(delivered) == len(pending) and len(pending) < PAGE
            if done:
                self._pending.clear()
            else:
                self._pending.set()
            return done

    async def run(self) -> None:
        """Until cancelled: retry while anything is left to deliver."""
        while True:
            await self._pending.wait()
            try:
                if await self.deliver_pending():
                    continue
            except Exception:  # a database hiccup must not end the retries
                log.exception("registration.binding.delivery_failed")
            await asyncio.sleep(self.retry_seconds)

    async def __aenter__(self) -> BindingOutbox:
        self._task = asyncio.create_task(self.run(), name="binding-outbox")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
