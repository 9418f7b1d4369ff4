"""SQLite transactions: writers queue for the lock, readers read a snapshot."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from sqlalchemy import text

from services.common.database import Database, read_only

pytestmark = [pytest.mark.anyio]


@pytest.fixture
async def database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
        await connection.execute(text("INSERT INTO t VALUES (1)"))
    return database


async def test_a_read_only_session_reads_while_a_writer_holds_the_lock(
    database: Database,
) -> None:
    async with database.sessionmaker() as writer, database.sessionmaker() as reader:
        await writer.execute(text("UPDATE t SET n = 2"))  # BEGIN IMMEDIATE: holds the lock
        await read_only(reader)
        # Read while the writer still holds the lock: a reader queued behind it
        # would fail here, "database is locked", once busy_timeout (15 s) ran
        # out. No time limit of the test's own, which a loaded machine can miss.
        seen = await reader.scalar(text("SELECT n FROM t"))
        assert seen == 1  # the committed snapshot, not the writer's uncommitted 2
        await writer.commit()
    await database.dispose()


async def test_a_second_writer_waits_for_the_first(database: Database) -> None:
    async with database.sessionmaker() as first, database.sessionmaker() as second:
        await first.execute(text("UPDATE t SET n = 2"))
        done = anyio.Event()

        async def write_after() -> None:
            await second.execute(text("UPDATE t SET n = n + 10"))
            await second.commit()
            done.set()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(write_after)
            await anyio.wait_all_tasks_blocked()
            assert not done.is_set()  # queued for the lock, not failed
            await first.commit()
        async with database.sessionmaker() as check:
            assert await check.scalar(text("SELECT n FROM t")) == 12
    await database.dispose()


async def test_a_connection_back_in_the_pool_with_its_transaction_open_is_rolled_back(
    database: Database,
) -> None:
    async with database.engine.connect() as connection:
        # Straight to the driver: SQLAlchemy does not know of this transaction,
        # so only the pool's reset can end it.
        driver = (await connection.get_raw_connection()).driver_connection
        await driver.execute("BEGIN IMMEDIATE")
        await driver.execute("UPDATE t SET n = 5")
    async with database.sessionmaker() as session:
        await session.execute(text("UPDATE t SET n = n + 1"))  # its BEGIN would fail in one
        await session.commit()
        assert await session.scalar(text("SELECT n FROM t")) == 2
    await database.dispose()
