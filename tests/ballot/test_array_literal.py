"""The press path sends each array as one text literal (repository_presses):
whatever a value holds, PostgreSQL reads back exactly the values sent."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from sqlalchemy import Integer, select
from sqlalchemy.dialects import postgresql

from services.ballot.repository_presses import TIME, _array, array_literal, micros
from tests.support.databases import DatabaseFactory

STRINGS = ["plain", "", 'say "hi"', "back\\slash", 'both \\" at once', "NULL", "{a,b}", "é ß 漢"]


@pytest.mark.db
def test_the_values_come_back_as_sent(database_factory: DatabaseFactory) -> None:
    if not database_factory.is_postgres:
        pytest.skip("an array literal is PostgreSQL's")
    with psycopg.connect(database_factory.create("arrays")) as connection:
        row = connection.execute(
            "SELECT %s::varchar[], %s::integer[], %s::timestamptz[],"
            " %s::varchar[], %s::varchar[], %s::integer[], %s::varchar[], %s::integer[]",
            (
                array_literal([*STRINGS, None]),
                array_literal([1, -2, None], Integer),
                array_literal([None], Integer),
                # Without a NULL or anything to escape: the joined fast path.
                array_literal(["000001", "NULL", "a,b", "{x}", "é ß"]),
                array_literal(['only "this"']),
                array_literal([0, 65535, -7], Integer),
                array_literal([]),
                array_literal([], Integer),
            ),
        ).fetchone()
    assert row == (
        [*STRINGS, None],
        [1, -2, None],
        [None],
        ["000001", "NULL", "a,b", "{x}", "é ß"],
        ['only "this"'],
        [0, 65535, -7],
        [],
        [],
    )


@pytest.mark.db
def test_times_come_back_to_the_microsecond(database_factory: DatabaseFactory) -> None:
    """A column of times goes as microseconds since the epoch (``micros``),
    turned back into times by the statement the press path runs (``_array``)."""
    if not database_factory.is_postgres:
        pytest.skip("an array literal is PostgreSQL's")
    moments = [
        datetime.datetime(2026, 12, 1, 4, 0, 0, 999999, tzinfo=datetime.UTC),
        # Another zone: the same instant as 2026-12-01 04:00:00.000001 UTC.
        datetime.datetime(
            2026, 12, 1, 5, 0, 0, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
        ),
        None,
        datetime.datetime(1969, 12, 31, 23, 59, 59, 123457, tzinfo=datetime.UTC),
        datetime.datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    ]
    statement = select(_array("times", TIME)).compile(dialect=postgresql.psycopg.dialect())
    with psycopg.connect(database_factory.create("times")) as connection:
        rows = connection.execute(
            str(statement), {"times": array_literal(micros(moments), Integer)}
        ).fetchall()
    assert [row[0] for row in rows] == moments
