"""LISTEN/NOTIFY between the processes of a service (PostgreSQL only)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import anyio
import psycopg
import pytest
from sqlalchemy import text

from services.common.database import Database, is_sqlite
from services.common.notify import Listener, listening, notify_on_commit

pytestmark = [pytest.mark.anyio, pytest.mark.db]


@pytest.fixture
async def database(database_urls: dict[str, str]) -> AsyncIterator[Database]:
    url = database_urls["ballot"]
    if is_sqlite(url):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's (make test-postgres)")
    database = Database(url)
    yield database
    await database.dispose()


@pytest.fixture
def channel() -> str:
    return f"test_{secrets.token_hex(4)}"


async def notify_now(database: Database, channel: str, payload: str) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})


async def take_until(queue: asyncio.Queue[str], last: str) -> list[str]:
    taken: list[str] = []
    with anyio.fail_after(10):
        while not taken or taken[-1] != last:
            taken.append(await queue.get())
    return taken


async def started(listener: Listener | None) -> Listener:
    assert listener is not None
    with anyio.fail_after(10):
        await listener.listening.wait()
    return listener


async def test_a_commit_notifies_once_and_a_rollback_never(
    database: Database, channel: str
) -> None:
    received: asyncio.Queue[str] = asyncio.Queue()
    async with listening(
        database.url, channel, on_notify=received.put_nowait, on_connect=lambda: None
    ) as listener:
        await started(listener)
        async with database.sessionmaker() as session:
            notify_on_commit(session, channel, "rolled back")
            await session.execute(text("SELECT 1"))
            await session.rollback()
            notify_on_commit(session, channel, "GM0363")
            notify_on_commit(session, channel, "GM0363")
            notify_on_commit(session, channel, "GM0088")
            await session.execute(text("SELECT 1"))
            await session.commit()
        # Notifications arrive in commit order: the sentinel comes after all of ours.
        await notify_now(database, channel, "sentinel")
        assert await take_until(received, "sentinel") == ["GM0088", "GM0363", "sentinel"]


async def test_the_listener_reconnects_after_losing_its_connection(
    database: Database, channel: str
) -> None:
    received: asyncio.Queue[str] = asyncio.Queue()
    connects: asyncio.Queue[None] = asyncio.Queue()
    async with listening(
        database.url,
        channel,
        on_notify=received.put_nowait,
        on_connect=lambda: connects.put_nowait(None),
    ) as listener:
        await started(listener)
        await connects.get()
        async with await psycopg.AsyncConnection.connect(listener.url, autocommit=True) as admin:
            killed = await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query = %s",
                (f'LISTEN "{channel}"',),
            )
            assert await killed.fetchall() == [(True,)]
        # Told again after the reconnect, so that followers look for what they missed.
        with anyio.fail_after(15):
            await connects.get()
        await notify_now(database, channel, "after")
        assert await take_until(received, "after") == ["after"]
