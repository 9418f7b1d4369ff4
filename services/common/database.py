"""Database engines for SQLite (embedded default) and PostgreSQL (production).

One URL in the configuration (``sqlite:///path`` or ``postgresql://...``) is
turned into the async driver URL the services use and the sync driver URL
Alembic uses.

SQLite is made to behave like a careful server: WAL with ``synchronous=FULL``
so a committed press survives a crash of the process or of the machine, and
every transaction starts with ``BEGIN IMMEDIATE`` so writers queue for the lock
instead of failing on an upgrade from read to write.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import aiosqlite
import psycopg
from fastapi import Request
from sqlalchemy import DateTime, Dialect, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolResetState
from sqlalchemy.types import TypeDecorator

from services.common.errors import DatabaseError, DatabaseUnavailable, raises


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class UtcDateTime(TypeDecorator[datetime.datetime]):
    """Aware UTC datetimes on both databases (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every time we store is in UTC")
        return value.astimezone(datetime.UTC)

    def process_result_value(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def async_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database: {parsed.get_backend_name()}")


def sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return async_url(url)  # psycopg 3 serves both


# Execution option naming how an SQLite transaction begins (see read_only).
SQLITE_BEGIN = "alv_sqlite_begin"


@contextmanager
def driver_errors(statement: str, parameters: Any, dialect: Dialect) -> Iterator[None]:
    """A driver's error raised as SQLAlchemy raises it from a statement it ran
    itself, for statements that go to the driver directly: the error handlers
    answer it as any database error (503 for a locked or unreachable one)."""
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            statement, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error


def _configure_sqlite(engine: Any) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
        # Straight to aiosqlite: one hop to its thread, not the three (cursor,
        # execute, close) of a statement through SQLAlchemy, on every request.
        with driver_errors(f"BEGIN {mode}", (), connection.dialect):
            connection.connection.dbapi_connection.run_async(
                lambda sqlite: sqlite.execute_fetchall(f"BEGIN {mode}")
            )


def _in_transaction(driver: Any) -> bool:
    """Whether the driver connection has a transaction open (or, on
    PostgreSQL, cannot tell): read locally, no round trip, no thread hop."""
    if isinstance(driver, aiosqlite.Connection):
        return bool(driver.in_transaction)
    return bool(driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)


def _roll_back_only_open_transactions(engine: Any) -> None:
    """A connection goes back to the pool rolled back, as SQLAlchemy's default
    reset does, but only when a transaction is still open: after a commit
    (every request that wrote) the default's ROLLBACK changes nothing and
    costs a hop to aiosqlite's thread, or psycopg's machinery, per request."""

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
        # Not asyncio-safe: a connection dropped by the garbage collector is
        # only closed (the default reset does no more either).
        if state.asyncio_safe and _in_transaction(record.driver_connection):
            dbapi_connection.rollback()


def create_engine_for(url: str, *, pre_ping: bool = True) -> AsyncEngine:
    """``pre_ping``: test a pooled connection before each use (a round trip),
    so that a database restart costs no request an error. Without it the
    first request on a dead connection fails (503) and the pool is renewed."""
    if is_sqlite(url):
        engine = create_async_engine(
            async_url(url), connect_args={"timeout": 15}, pool_reset_on_return=None
        )
        _configure_sqlite(engine.sync_engine)
    else:
        engine = create_async_engine(
            async_url(url),
            pool_size=10,
            max_overflow=10,
            pool_pre_ping=pre_ping,
            pool_reset_on_return=None,
        )
    _roll_back_only_open_transactions(engine.sync_engine)
    return engine


class Database:
    """The engine and session factory of one service; built in the lifespan."""

    def __init__(self, url: str, *, pre_ping: bool = True) -> None:
        self.url = url
        self.engine = create_engine_for(url, pre_ping=pre_ping)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    async def dispose(self) -> None:
        await self.engine.dispose()


Row = TypeVar("Row")


def upsert_insert(session: AsyncSession) -> Any:
    """The INSERT of the session's database that has ``on_conflict_do_...``
    (PostgreSQL and SQLite spell it the same; SQLAlchemy has one per dialect)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def lock_or_create(
    session: AsyncSession, model: type[Row], *, code: str, **defaults: object
) -> Row:
    """The row of ``model`` with this ``code``, created if new, locked until
    the transaction ends.

    Services serialise what must not interleave (a press batch and a close; two
    first reads storing one outcome) on such a row. On SQLite the transaction
    already holds the write lock (BEGIN IMMEDIATE); on PostgreSQL the upsert's
    update locks the row (as ``FOR UPDATE`` would) and queues the other
    transaction until this one ends. One statement, one round trip: the
    update sets nothing new, it is there to lock and return the row.
    """
    insert = upsert_insert(session)(model).values(code=code, **defaults)
    upsert = insert.on_conflict_do_update(
        index_elements=["code"], set_={"code": insert.excluded.code}
    ).returning(model)
    row = await session.scalar(upsert, execution_options={"populate_existing": True})
    assert row is not None
    return row


# Callbacks to run once the session's transaction commits. One listener for
# every session, registered once: hooking each request's session cost more
# than recording one press (SQLAlchemy's event.listen builds its dispatch).
_AFTER_COMMIT = "alv.after_commit"


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call ``callback`` once this transaction commits; never if it rolls back
    (a counter of what was stored counts only what was stored)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, ()):
        callback()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


async def read_only(session: AsyncSession) -> None:
    """Mark a session that will only read, before its first query.

    On SQLite it then reads a WAL snapshot (BEGIN DEFERRED) instead of queueing
    for the write lock behind every press batch. A write in such a transaction
    could meet "database is locked" instead of waiting, so only routes that
    never write use it. PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.connection(execution_options={SQLITE_BEGIN: "DEFERRED"})


@asynccontextmanager
async def transaction(database: Database) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the block ends, or rolls
    back when it raises; either way the session is closed."""
    session = database.sessionmaker()
    try:
        yield session
    except BaseException:
        await session.run_sync(_end, commit=False)
        raise
    await session.run_sync(_end, commit=True)


def _end(session: Session, *, commit: bool) -> None:
    """Commit or roll back, then close, in one pass into SQLAlchemy's
    greenlet: apart, each step costs a greenlet of its own, and ``async
    with session`` closes in a task of its own (a request's dependency exit
    is already shielded from cancellation by FastAPI). Closing ends whatever
    did not commit."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


@raises(DatabaseUnavailable, DatabaseError)
async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: commit on success, roll back on error.

    Used with ``Depends(..., scope="function")`` so the commit happens before
    the response is sent: a caller that got a 2xx knows its data is durable.
    """
    async with transaction(request.app.state.database) as session:
        yield session
