"""A frozen electorate is written straight through the driver (repository
``add_electors``): on PostgreSQL as one COPY text, or row by row through
psycopg's escaping writer when a value holds what that text must escape.
Whatever a name holds, the rows read back are the rows sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import services.ballot
from services.ballot.models import Elector
from services.ballot.repository import add_electors, copy_text
from services.ballot.schemas import ElectorIn
from services.common.database import Database
from services.common.migrations import upgrade
from tests.support.databases import DatabaseFactory

PLAIN: list[ElectorIn] = [
    {"code": "0363", "name": "Amsterdam", "weight": 75, "handset": "000001"},
    {"code": "0014", "name": "Groningen", "weight": 1, "handset": "000002"},
]
ODD_NAMES = ["Tab\there", "New\nline", "Carriage\rreturn", "Back\\slash", "\\N", "é ß 漢"]


def odd_electorate() -> list[ElectorIn]:
    return [
        {"code": f"{index:04d}", "name": name, "weight": index + 1, "handset": f"{index:06d}"}
        for index, name in enumerate(ODD_NAMES)
    ]


def test_plain_rows_are_one_copy_text() -> None:
    assert copy_text(7, PLAIN) == "7\t0363\tAmsterdam\t75\t000001\n7\t0014\tGroningen\t1\t000002\n"


@pytest.mark.parametrize("name", ODD_NAMES[:5])
def test_a_value_the_text_must_escape_is_left_to_the_driver(name: str) -> None:
    odd: ElectorIn = {"code": "0001", "name": name, "weight": 1, "handset": "000001"}
    assert copy_text(7, [*PLAIN, odd]) is None


@pytest.mark.anyio
@pytest.mark.db
@pytest.mark.parametrize("electorate", [PLAIN, odd_electorate()], ids=["plain", "odd"])
async def test_the_rows_come_back_as_sent(
    database_factory: DatabaseFactory, electorate: list[ElectorIn], request: pytest.FixtureRequest
) -> None:
    url = database_factory.create(f"electors_{request.node.callspec.id}")
    upgrade(Path(services.ballot.__file__).parent, url)
    database = Database(url)
    try:
        async with database.sessionmaker() as session, session.begin():
            await add_electors(session, 7, electorate)
        async with database.sessionmaker() as session:
            rows = await session.execute(
                select(Elector.member, Elector.name, Elector.weight, Elector.handset)
                .where(Elector.vote_id == 7)
                .order_by(Elector.member)
            )
            stored = [tuple(row) for row in rows]
    finally:
        await database.dispose()
    assert stored == sorted((m["code"], m["name"], m["weight"], m["handset"]) for m in electorate)
