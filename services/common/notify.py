"""Waking the other processes of a service after a commit: PostgreSQL LISTEN/NOTIFY.

A change committed through one process (a second worker of ``alv serve
--workers``, a second ballot process) must reach the followers in every
process promptly, not at their next poll. On PostgreSQL:

* ``notify_on_commit(session, channel, payload)`` puts a NOTIFY in the
  session's transaction. PostgreSQL delivers it when, and only if, that
  transaction commits, so a woken listener always finds the rows.
* ``listening(url, channel, ...)`` holds one connection per process that
  LISTENs on the channel and hands each payload to a callback on the event
  loop. It reconnects with backoff; after every (re)connect it calls
  ``on_connect``, because notifications sent while it was away are lost.

On SQLite both do nothing: the followers of the one process that writes are
woken in-process, and they poll as ever. Followers keep polling on PostgreSQL
too, as the safety net for a listener that is down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import psycopg
from psycopg import sql
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.common.database import is_sqlite

log = logging.getLogger(__name__)

# The (channel, payload) pairs a session's transaction will notify at commit.
_PENDING = "alv.notify.pending"


def notify_on_commit(session: AsyncSession, channel: str, payload: str) -> None:
    """NOTIFY ``channel`` with ``payload`` when this transaction commits (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.info.setdefault(_PENDING, set()).add((channel, payload))


# One listener for every session (see services.common.database.after_commit).
@event.listens_for(Session, "before_commit")
def _send_pending(session: Session) -> None:
    # Runs inside the commit, on the transaction's connection.
    for channel, payload in sorted(session.info.pop(_PENDING, ())):
        session.execute(select(func.pg_notify(channel, payload)))


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """One LISTEN connection, kept open (reconnecting) until cancelled."""

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        on_notify: Callable[[str], None],
        on_connect: Callable[[], None],
        backoff_min: float = 0.5,
        backoff_max: float = 10.0,
    ) -> None:
        self.url = _libpq_url(url)
        self.channel = channel
        self.on_notify = on_notify
        self.on_connect = on_connect
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        # Set while LISTENing: a notification committed from now on arrives.
        self.listening = asyncio.Event()

    async def run(self) -> None:
        delay = self.backoff_min
        while True:
            try:
                # Keepalives, so a connection that died silently is noticed.
                async with await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, keepalives_idle=10, keepalives_interval=5
                ) as connection:
                    await connection.execute(
                        sql.SQL("LISTEN {}").format(sql.Identifier(self.channel))
                    )
                    self.listening.set()
                    delay = self.backoff_min
                    self.on_connect()
                    async for notification in connection.notifies():
                        self.on_notify(notification.payload)
            except (psycopg.Error, OSError) as exc:
                log.warning(
                    "common.notify.listener_lost",
                    extra={"channel": self.channel, "error": repr(exc)},
                )
            self.listening.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)


@asynccontextmanager
async def listening(
    url: str,
    channel: str,
    *,
    on_notify: Callable[[str], None],
    on_connect: Callable[[], None],
) -> AsyncIterator[Listener | None]:
    """A ``Listener`` running while the block runs; None on SQLite."""
    if is_sqlite(url):
        yield None
        return
    listener = Listener(url, channel, on_notify=on_notify, on_connect=on_connect)
    task = asyncio.create_task(listener.run(), name=f"notify.{channel}")
    try:
        yield listener
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
