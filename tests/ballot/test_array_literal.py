"""The press path sends each array as one text literal (repository_presses):
whatever a value holds, PostgreSQL reads back exactly the values sent."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from sqlalchemy import Integer

from services.ballot.repository_presses import array_literal, iso_times
from tests.support.databases import DatabaseFactory

STRINGS = ["plain", "", 'say "hi"', "back\\slash", 'both \\" at once', "NULL", "{a,b}", "é ß 漢"]


@pytest.mark.db
def test_the_values_come_back_as_sent(database_factory: DatabaseFactory) -> None:
    if not database_factory.is_postgres:
        pytest.skip("an array literal is PostgreSQL's")
    moment = datetime.datetime(2023, 12, 1, 10, 0, 0, 120000, tzinfo=datetime.UTC)
    with psycopg.connect(database_factory.create("arrays")) as connection:
        row = connection.execute(
            "SELECT %s::varchar[], %s::integer[], %s::timestamptz[],"
            " %s::varchar[], %s::varchar[], %s::integer[], %s::varchar[], %s::integer[]",
            (
                array_literal([*STRINGS, None]),
                array_literal([1, -2, None], Integer),
                array_literal(iso_times([moment, None])),
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
        [moment, None],
        ["000001", "NULL", "a,b", "{x}", "é ß"],
        ['only "this"'],
        [0, 65535, -7],
        [],
        [],
    )
