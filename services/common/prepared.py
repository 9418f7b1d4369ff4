"""Statements compiled once and run straight through the session's driver.

For the few statements a request runs on every call (the press path), what
SQLAlchemy does around a statement cost several times what the database
does with it: per statement the ORM session, an execution context, a result
object, and on SQLite four hops to aiosqlite's thread (cursor, execute,
fetch, close), each waking a thread and the event loop (docs/ARCHITECTURE.md,
"The press path"). Here a Core statement is compiled once per dialect, its
values go through the very type processors SQLAlchemy would apply (a time
is stored as the same text on SQLite), and it runs in the session's own
transaction on the driver: one hop on SQLite, one round trip on PostgreSQL.

A driver error is raised as SQLAlchemy raises it (``database.driver_errors``),
so the error handlers answer it as any other database error (503), and the
session's rollback finds a broken connection and drops it from the pool.
"""

from __future__ import annotations

import itertools
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
import psycopg
from sqlalchemy import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import SelectBase

from services.common.database import driver_errors

Processor = Callable[[Any], Any]
# ``AsyncSession.info`` key: (transaction, dialect, driver connection, cursor).
_DRIVER_KEY = "alv.prepared.driver"


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # Parameter names in order (SQLite's ``?``); None: by name (psycopg's ``%(name)s``).
    order: tuple[str, ...] | None
    # name -> (value when not given, bind processor or None)
    binds: Mapping[str, tuple[Any, Processor | None]]
    # Rows as named tuples with the result processors of the selected columns.
    row: Any
    results: tuple[Processor | None, ...]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        processed = {}
        for name, (default, process) in self.binds.items():
            value = values.get(name, default)
            processed[name] = value if process is None or value is None else process(value)
        if self.order is None:
            return processed
        return tuple(processed[name] for name in self.order)

    def rows(self, fetched: Iterable[Sequence[Any]]) -> list[Any]:
        processors = self.results
        if not any(processors):
            return [self.row._make(row) for row in fetched]
        return [
            self.row._make(
                value if process is None or value is None else process(value)
                for value, process in zip(row, processors, strict=True)
            )
            for row in fetched
        ]


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    binds = {}
    for bind, name in compiled.bind_names.items():
        bound = bind.type.dialect_impl(dialect)
        binds[name] = (bind.value, bound.bind_processor(dialect))
    columns = list(statement.selected_columns) if isinstance(statement, SelectBase) else []
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    row = namedtuple("Row", [column.key for column in columns], rename=True)  # type: ignore[misc]
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    return _Compiled(compiled.string, order, binds, row, results)


async def _driver(session: AsyncSession) -> tuple[Dialect, Any, Any]:
    """The dialect, the driver connection of the session's transaction
    (begun if need be) and, on PostgreSQL, a cursor on it; kept per
    transaction, as asking the session for its connection costs a greenlet
    switch and more each time, and a new psycopg cursor per statement cost
    about as much as the statement's parameters."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_DRIVER_KEY)
    if transaction is not None and kept is not None and kept[0] is transaction:
        return kept[1], kept[2], kept[3]
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    cursor = driver.cursor() if isinstance(driver, psycopg.AsyncConnection) else None
    session.info[_DRIVER_KEY] = (
        session.sync_session.get_transaction(),
        connection.dialect,
        driver,
        cursor,
    )
    return connection.dialect, driver, cursor


class Prepared:
    """A Core statement run through the driver; compiled on first use per dialect."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled

    async def rows(self, session: AsyncSession, values: Mapping[str, Any]) -> list[Any]:
        """Run it with ``values`` in the session's transaction: its rows, named."""
        dialect, driver, cursor = await _driver(session)
        compiled = self._for(dialect)
        parameters = compiled.parameters(values)
        with driver_errors(compiled.sql, parameters, dialect):
            if isinstance(driver, aiosqlite.Connection):
                fetched: Iterable[Sequence[Any]] = await driver.execute_fetchall(
                    compiled.sql, parameters
                )
            else:
                assert isinstance(cursor, psycopg.AsyncCursor)
                await cursor.execute(compiled.sql, parameters)
                # Not ``cursor.description``: it builds a Column per column, each time.
                result = cursor.pgresult
                returned = result is not None and result.status == psycopg.pq.ExecStatus.TUPLES_OK
                fetched = await cursor.fetchall() if returned else []
        return compiled.rows(fetched)

    async def run_columns(
        self,
        session: AsyncSession,
        columns: Mapping[str, Sequence[Any]],
        same: Mapping[str, Any],
    ) -> None:
        """Run it once per row (an INSERT of several rows on SQLite), the rows
        given column by column (``columns``, of one length) and ``same``'s
        values in every row: each value is processed by its column's bind
        processor, with no mapping built per row."""
        dialect, driver, cursor = await _driver(session)
        compiled = self._for(dialect)
        count = len(next(iter(columns.values())))
        processed: dict[str, Iterable[Any]] = {}
        for name, (default, process) in compiled.binds.items():
            if name in columns:
                values = columns[name]
                processed[name] = (
                    values
                    if process is None
                    else [None if value is None else process(value) for value in values]
                )
            else:
                value = same.get(name, default)
                if process is not None and value is not None:
                    value = process(value)
                processed[name] = itertools.repeat(value, count)
        parameters: list[Any]
        if compiled.order is None:
            parameters = [
                dict(zip(processed, row, strict=True))
                for row in zip(*processed.values(), strict=True)
            ]
        else:
            parameters = list(zip(*(processed[name] for name in compiled.order), strict=True))
        with driver_errors(compiled.sql, parameters, dialect):
            if isinstance(driver, aiosqlite.Connection):
                if count == 1:
                    # One hop to aiosqlite's thread; executemany takes two
                    # (run, then close its cursor), and one press per request
                    # writes three tables.
                    await driver.execute_fetchall(compiled.sql, parameters[0])
                    return
                async with driver.executemany(compiled.sql, parameters):
                    pass
            else:
                assert isinstance(cursor, psycopg.AsyncCursor)
                await cursor.executemany(compiled.sql, parameters)
