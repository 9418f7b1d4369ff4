"""The meeting's event log and its server-sent event stream.

Durable and ordered: every event is a row of ``events`` written in the same
transaction as the change it describes, and always after the meeting row is
locked (``emit`` asks for the locked row as proof). Writers of one meeting are
serialised by that lock, so their event ids are handed out in commit order: a
reader that has seen id ``n`` of a meeting will never later see a smaller one
appear. The id is therefore the cursor (``Last-Event-ID`` / ``?after=``) and a
client that reconnects with it misses nothing and sees nothing twice.

Prompt: the request commits in its session dependency after the handler has
returned, so ``emit`` asks for a callback after the commit and wakes the
streams of this process only once the rows are visible. On PostgreSQL it also
puts a NOTIFY on ``CHANNEL`` in the transaction, and every ballot process (a
second worker, a second ballot process) LISTENs and wakes its own streams
(``services.common.notify``). The stream also polls the table every ``poll``
seconds: the only way on SQLite to see another process's events, and the
safety net on PostgreSQL. A comment line every ``heartbeat`` seconds keeps
proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.ballot import repository, repository_presses
from services.ballot.models import Event
from services.common.database import after_commit
from services.common.notify import notify_on_commit

# Where the request's session carries this app's bus (set in deps.py).
BUS_KEY = "ballot.events.bus"
# The PostgreSQL channel on which ballot processes wake each other's streams;
# the payload is the meeting.
CHANNEL = "ballot_events"
# Rows per read; a client far behind catches up in pages of this size.
PAGE = 500


class EventBus:
    """Wakes the streams of one meeting after a commit that wrote its events.

    One ``asyncio.Event`` per meeting, replaced at every notification: a
    waiter takes the current one *before* it reads the table, so a commit that
    lands between its read and its wait still wakes it.
    """

    def __init__(self) -> None:
        self._changed: dict[str, asyncio.Event] = {}

    def waiter(self, meeting: str) -> asyncio.Event:
        return self._changed.setdefault(meeting, asyncio.Event())

    def notify(self, meeting: str) -> None:
        changed = self._changed.pop(meeting, None)
        if changed is not None:
            changed.set()

    def notify_all(self) -> None:
        """Wake every stream (notifications from other processes may have been missed)."""
        changed, self._changed = self._changed, {}
        for each in changed.values():
            each.set()


class Locked(Protocol):
    """The meeting row, held locked by this transaction."""

    @property
    def code(self) -> str: ...


async def emit(
    session: AsyncSession,
    locked: Locked,
    kind: str,
    *,
    vote_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write an event in the transaction; ``locked`` is the meeting row held locked."""
    await repository_presses.add_event(
        session, meeting=locked.code, kind=kind, vote_id=vote_id, data=data or {}
    )
    announce(session, locked.code)


def announce(session: AsyncSession, meeting: str, *, notified: bool = False) -> None:
    """Wake the meeting's streams (of every process) once this transaction,
    which wrote events of the meeting, commits. ``notified``: the transaction
    sent the other processes' NOTIFY itself (the press path's one statement)."""
    if not notified:
        notify_on_commit(session, CHANNEL, meeting)  # the other processes
    bus = session.info.get(BUS_KEY)
    if isinstance(bus, EventBus):
        # On the event loop's thread (inside the greenlet of the commit).
        after_commit(session, functools.partial(bus.notify, meeting))


def sse(row: Event) -> str:
    payload = {"id": row.id, "vote_id": row.vote_id, "at": row.created_at.isoformat(), **row.data}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"id: {row.id}\nevent: {row.kind}\ndata: {body}\n\n"


async def stream(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    *,
    meeting: str,
    after: int,
    poll: float,
    heartbeat: float,
) -> AsyncIterator[str]:
    """Every event of ``meeting`` with an id above ``after``, then new ones as they come."""
    yield "retry: 1000\n\n"
    cursor = after
    quiet_since = time.monotonic()
    while True:
        changed = bus.waiter(meeting)
        # A short session per read: on SQLite every transaction takes the
        # write lock, so a stream must never sit in one.
        async with sessions() as session:
            rows = await repository.events_after(session, meeting, cursor, limit=PAGE)
        for row in rows:
            yield sse(row)
            cursor = row.id
        if rows:
            quiet_since = time.monotonic()
            if len(rows) == PAGE:
                continue
        quiet = time.monotonic() - quiet_since
        if quiet >= heartbeat:
            yield ": keepalive\n\n"
            quiet_since = time.monotonic()
            continue
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancel
        # that comes as the event is set, and the stream would never end.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(poll, heartbeat - quiet)):
                await changed.wait()
