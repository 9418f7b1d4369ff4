"""Every query of the ballot service.

The press path and the read side of a vote use SQLAlchemy Core: they touch
many rows, and building ORM objects for them cost more than all the rest
(docs/ARCHITECTURE.md, "The press path").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from typing import cast as typed

import aiosqlite
import psycopg
from sqlalchemy import (
    Row,
    ScalarSelect,
    Table,
    TextClause,
    and_,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot.models import (
    BallotMeeting,
    BindingChange,
    CountedPress,
    Elector,
    ElectorHandset,
    Event,
    Press,
    Vote,
)
from services.ballot.schemas import ElectorIn
from services.common.bounds import is_row_id
from services.common.database import lock_or_create

MEETINGS = typed(Table, BallotMeeting.__table__)
COUNTED = typed(Table, CountedPress.__table__)
PRESSES = typed(Table, Press.__table__)
CHANGES = typed(Table, BindingChange.__table__)
ELECTORS = typed(Table, Elector.__table__)
EVENTS = typed(Table, Event.__table__)
# A result row of a Core query, read by attribute.
AnyRow = Row[*tuple[Any, ...]]


async def lock_meeting(session: AsyncSession, code: str) -> BallotMeeting:
    """The meeting row every press batch and state change takes first."""
    found = await session.scalar(
        select(BallotMeeting)
        .where(BallotMeeting.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is not None:
        return found
    return await lock_or_create(session, BallotMeeting, code=code, version=0)


async def meeting(session: AsyncSession, code: str) -> BallotMeeting | None:
    return await session.get(BallotMeeting, code)


async def vote(session: AsyncSession, vote_id: int) -> Vote | None:
    if not is_row_id(vote_id):  # e.g. 2^63: SQLite cannot even compare it
        return None
    return await session.get(Vote, vote_id)


async def votes(
    session: AsyncSession,
    meeting: str | ScalarSelect[str],
    *,
    include_tests: bool = True,
    status: str | None = None,
) -> Sequence[Vote]:
    query = select(Vote).where(Vote.meeting == meeting).order_by(Vote.position, Vote.id)
    if not include_tests:
        query = query.where(Vote.kind != "proefstemming")
    if status is not None:
        query = query.where(Vote.status == status)
    return (await session.scalars(query)).all()


async def votes_beside(session: AsyncSession, vote_id: int) -> Sequence[Vote]:
    """Every vote of the meeting of ``vote_id``, itself too, in one query;
    none if there is no such vote."""
    if not is_row_id(vote_id):
        return []
    return await votes(session, select(Vote.meeting).where(Vote.id == vote_id).scalar_subquery())


async def follower(session: AsyncSession, vote_id: int) -> Vote | None:
    return await session.scalar(select(Vote).where(Vote.follows_vote_id == vote_id).limit(1))


async def linked_to(session: AsyncSession, vote_id: int) -> Sequence[Vote]:
    """The votes that amend, are a part of, or follow ``vote_id``."""
    result = await session.scalars(
        select(Vote)
        .where(
            or_(
                Vote.amends_vote_id == vote_id,
                Vote.part_of_vote_id == vote_id,
                Vote.follows_vote_id == vote_id,
            )
        )
        .order_by(Vote.position, Vote.id)
    )
    return result.all()


async def open_vote(session: AsyncSession, meeting: str) -> Vote | None:
    return await session.scalar(
        select(Vote).where(Vote.meeting == meeting, Vote.status == "open").limit(1)
    )


async def open_votes(session: AsyncSession) -> Sequence[Vote]:
    """The open vote of every meeting."""
    return (await session.scalars(select(Vote).where(Vote.status == "open"))).all()


async def next_position(session: AsyncSession, meeting: str) -> int:
    highest = await session.scalar(select(func.max(Vote.position)).where(Vote.meeting == meeting))
    return (highest or 0) + 1


# --- the open ----------------------------------------------------------------------------

_COPY_ELECTORS = "COPY electors (vote_id, member, name, weight, handset) FROM STDIN"
_INSERT_ELECTORS = (
    "INSERT INTO electors (vote_id, member, name, weight, handset) VALUES (?, ?, ?, ?, ?)"
)


def _elector_rows(
    vote_id: int, members: Sequence[ElectorIn]
) -> Iterator[tuple[int, str, str, int, str]]:
    return ((vote_id, m["code"], m["name"], m["weight"], m["handset"]) for m in members)


def copy_text(vote_id: int, members: Sequence[ElectorIn]) -> str | None:
    """The rows of COPY's text format, made as one string: a call per row of
    psycopg's ``write_row`` took ballot more time than the rest of the open.
    ``None`` when a value holds a tab, newline, carriage return or backslash
    of its own, which that format would have to escape: seen as more tabs or
    newlines than the rows' own, or any backslash or carriage return at all."""
    text = "".join(
        [f"{vote_id}\t{m['code']}\t{m['name']}\t{m['weight']}\t{m['handset']}\n" for m in members]
    )
    plain = text.count("\t") == 4 * len(members) and text.count("\n") == len(members)
    return text if plain and "\\" not in text and "\r" not in text else None


async def add_electors(session: AsyncSession, vote_id: int, members: Sequence[ElectorIn]) -> None:
    """A vote's frozen electorate (100,000 electors open a vote too), straight
    through the driver in the session's transaction: COPY on PostgreSQL (a
    multi-row INSERT of arrays cost the database twice the CPU, an INSERT from
    a JSON text 0.2 s more per 100,000 than COPY), sqlite3's own executemany
    on SQLite (SQLAlchemy processed every value of every row first)."""
    if not members:
        return
    connection = await (await session.connection()).get_raw_connection()
    driver = connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        assert isinstance(driver, psycopg.AsyncConnection)
        text = copy_text(vote_id, members)
        async with driver.cursor() as cursor, cursor.copy(_COPY_ELECTORS) as copy:
            if text is not None:
                await copy.write(text)
                return
            for row in _elector_rows(vote_id, members):  # psycopg escapes what needs it
                await copy.write_row(row)
        return
    assert isinstance(driver, aiosqlite.Connection)
    await driver.executemany(_INSERT_ELECTORS, list(_elector_rows(vote_id, members)))


# --- the press path -------------------------------------------------------------------


async def vote_spans(session: AsyncSession, meeting: str) -> Sequence[AnyRow]:
    """(id, opened_at, closed_at) of every vote of the meeting that was opened
    (an acclaimed vote never was), in the order they opened."""
    result = await session.execute(
        select(Vote.id, Vote.opened_at, Vote.closed_at)
        .where(Vote.meeting == meeting, Vote.opened_at.is_not(None))
        .order_by(Vote.opened_at)
    )
    return result.all()


async def frozen_vote(session: AsyncSession, vote_id: int) -> AnyRow | None:
    result = await session.execute(
        select(Vote.meeting, Vote.options, Vote.named, Vote.bindings_seen).where(Vote.id == vote_id)
    )
    return result.first()


async def elector_handsets_at_open(session: AsyncSession, vote_id: int) -> Sequence[AnyRow]:
    """(handset, member) of the electorate frozen at the open."""
    result = await session.execute(
        select(Elector.handset, Elector.member).where(Elector.vote_id == vote_id)
    )
    return result.all()


async def changes_learned(session: AsyncSession, meeting: str, *, after: int) -> Sequence[AnyRow]:
    """(change_id, handset, member, bound) of the meeting's binding changes
    learnt after ``learned_seq`` ``after``."""
    result = await session.execute(
        select(CHANGES.c.change_id, CHANGES.c.handset, CHANGES.c.member, CHANGES.c.bound).where(
            CHANGES.c.meeting == meeting, CHANGES.c.learned_seq > after
        )
    )
    return result.all()


# --- binding changes --------------------------------------------------------------------


def _insert_for(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def add_binding_changes(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Store changes not stored before; the change ids that are new."""
    if not rows:
        return []
    statement = (
        _insert_for(session)(CHANGES)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["change_id"])
        .returning(CHANGES.c.change_id)
    )
    return list((await session.scalars(statement)).all())


async def electors_among(session: AsyncSession, vote_id: int, members: set[str]) -> set[str]:
    """Which of ``members`` are in the vote's frozen electorate."""
    if not members:
        return set()
    result = await session.scalars(
        select(Elector.member).where(Elector.vote_id == vote_id, Elector.member.in_(members))
    )
    return set(result.all())


async def add_elector_handset(
    session: AsyncSession, *, vote_id: int, member: str, handset: str
) -> bool:
    """Record that a handset took over an elector's binding; False if it already had."""
    statement = (
        _insert_for(session)(ElectorHandset)
        .values(vote_id=vote_id, member=member, handset=handset)
        .on_conflict_do_nothing(index_elements=["vote_id", "handset"])
        .returning(ElectorHandset.id)
    )
    return (await session.scalar(statement)) is not None


# --- the read side -----------------------------------------------------------------------


async def electors(session: AsyncSession, vote_id: int) -> Sequence[AnyRow]:
    """(member, name, weight, handset) of the frozen electorate, by member."""
    result = await session.execute(
        select(Elector.member, Elector.name, Elector.weight, Elector.handset)
        .where(Elector.vote_id == vote_id)
        .order_by(Elector.member)
    )
    return result.all()


async def electorate_totals(session: AsyncSession, vote_id: int) -> tuple[int, int]:
    """(members, weight) of the frozen electorate."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Elector.weight), 0)).where(
                Elector.vote_id == vote_id
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def voted_totals(session: AsyncSession, vote_id: int) -> tuple[int, int]:
    """(members, weight) of the electorate with a counted press."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Elector.weight), 0))
            .select_from(COUNTED)
            .join(
                Elector,
                and_(Elector.vote_id == COUNTED.c.vote_id, Elector.member == COUNTED.c.member),
            )
            .where(COUNTED.c.vote_id == vote_id)
        )
    ).one()
    return int(row[0]), int(row[1])


def _the_counted_press() -> Any:
    return and_(
        PRESSES.c.vote_id == COUNTED.c.vote_id,
        PRESSES.c.handset == COUNTED.c.handset,
        PRESSES.c.seq == COUNTED.c.seq,
    )


async def counted_presses(session: AsyncSession, vote_id: int) -> Sequence[AnyRow]:
    """(member, key, handset, seq, stored_at) of every counted press, by member."""
    result = await session.execute(
        select(
            COUNTED.c.member, PRESSES.c.key, PRESSES.c.handset, PRESSES.c.seq, PRESSES.c.stored_at
        )
        .select_from(COUNTED)
        .join(PRESSES, _the_counted_press())
        .where(COUNTED.c.vote_id == vote_id)
        .order_by(COUNTED.c.member)
    )
    return result.all()


# The record's electorate and counted presses as JSON arrays, each made by
# the database as one text: at 100,000 electors, a row per elector or press
# cost ballot about a second in the driver and SQLAlchemy, and a dict per row
# more. Both by member. ``handsets`` is the elector's handset at the open, then
# every handset that took over during the vote (elector_handsets, in order).
# Times are written like ``isoformat()`` (UTC, microseconds always).
# SQLite 3.40 has no ORDER BY inside an aggregate: there the rows are
# concatenated in the order of the subquery that sorts them.
_ELECTORATE_JSON = {
    "postgresql": (
        "SELECT '[' || coalesce(string_agg(json_build_object('member', e.member,"
        " 'name', e.name, 'weight', e.weight, 'handset', e.handset, 'handsets',"
        " ('[' || to_json(e.handset)::text || coalesce(',' || s.extra, '') || ']')::json)::text,"
        " ',' ORDER BY e.member), '') || ']'"
        " FROM electors e LEFT JOIN (SELECT member,"
        " string_agg(to_json(handset)::text, ',' ORDER BY id) AS extra"
        " FROM elector_handsets WHERE vote_id = :vote_id GROUP BY member) s"
        " ON s.member = e.member"
        " WHERE e.vote_id = :vote_id"
    ),
    "sqlite": (
        "SELECT '[' || coalesce(group_concat(item, ','), '') || ']' FROM ("
        "SELECT json_object('member', e.member, 'name', e.name, 'weight', e.weight,"
        " 'handset', e.handset, 'handsets',"
        " json('[' || json_quote(e.handset) || coalesce(',' || s.extra, '') || ']')) AS item"
        " FROM electors e LEFT JOIN (SELECT member, group_concat(json_quote(handset), ',')"
        " AS extra FROM (SELECT member, handset FROM elector_handsets"
        " WHERE vote_id = :vote_id ORDER BY id) GROUP BY member) s"
        " ON s.member = e.member"
        " WHERE e.vote_id = :vote_id ORDER BY e.member)"
    ),
}
_COUNTED_JSON = {
    "postgresql": (
        "SELECT '[' || coalesce(string_agg(json_build_object('member', c.member, 'key', p.key,"
        " 'handset', p.handset, 'seq', p.seq, 'stored_at',"
        """ to_char(p.stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))::text,"""
        " ',' ORDER BY c.member), '') || ']'"
        # Each counted press looked up by ix_presses_vote, whatever the table
        # statistics say: planned as a join on a vote just closed (statistics
        # from before its presses, "1 row"), PostgreSQL scanned every counted
        # press of the vote per press (27 ms at 342 electors, squared growth).
        # OFFSET 0 keeps the planner from turning the lookup back into that join.
        " FROM counted_presses c CROSS JOIN LATERAL (SELECT key, handset, seq, stored_at"
        " FROM presses WHERE presses.vote_id = c.vote_id AND presses.handset = c.handset"
        " AND presses.seq = c.seq OFFSET 0) p"
        " WHERE c.vote_id = :vote_id"
    ),
    # SQLAlchemy keeps a time on SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC
    # (UtcDateTime).
    "sqlite": (
        "SELECT '[' || coalesce(group_concat(item, ','), '') || ']' FROM ("
        "SELECT json_object('member', c.member, 'key', p.key, 'handset', p.handset,"
        " 'seq', p.seq, 'stored_at', replace(p.stored_at, ' ', 'T') || '+00:00') AS item"
        " FROM counted_presses c JOIN presses p"
        " ON p.vote_id = c.vote_id AND p.handset = c.handset AND p.seq = c.seq"
        " WHERE c.vote_id = :vote_id ORDER BY c.member)"
    ),
}


def _of_dialect(session: AsyncSession, statements: dict[str, TextClause]) -> TextClause:
    return statements[session.get_bind().dialect.name]


# Both in one statement: one round trip to the database.
_RECORD_JSON = {
    dialect: text(f"SELECT ({_ELECTORATE_JSON[dialect]}), ({_COUNTED_JSON[dialect]})")
    for dialect in _ELECTORATE_JSON
}


async def record_json(session: AsyncSession, vote_id: int) -> tuple[str, str]:
    """The frozen electorate, each elector with its handsets, and every counted
    press: two JSON arrays, both by member."""
    electorate, counted = (
        await session.execute(_of_dialect(session, _RECORD_JSON), {"vote_id": vote_id})
    ).one()
    return str(electorate), str(counted)


def _with_counted() -> Any:
    """Presses, each with whether it is its member's counted press."""
    return select(PRESSES, COUNTED.c.member.is_not(None).label("counted")).outerjoin(
        COUNTED, and_(_the_counted_press(), COUNTED.c.member == PRESSES.c.member)
    )


async def presses(session: AsyncSession, vote: Vote) -> Sequence[AnyRow]:
    """Every press of a vote, and the NOPOLL presses that reached us while it
    was open (refused for when they were heard), in the order they came; each
    with whether it is its member's counted press."""
    scope = [PRESSES.c.vote_id == vote.id]
    if vote.opened_at is not None:
        unplaced = [
            PRESSES.c.meeting == vote.meeting,
            PRESSES.c.vote_id.is_(None),
            PRESSES.c.stored_at >= vote.opened_at,
        ]
        if vote.closed_at is not None:
            unplaced.append(PRESSES.c.stored_at < vote.closed_at)
        scope.append(and_(*unplaced))
    result = await session.execute(_with_counted().where(or_(*scope)).order_by(PRESSES.c.id))
    return result.all()


async def member_presses(session: AsyncSession, meeting: str, member: str) -> Sequence[AnyRow]:
    """Every press stored for ``member`` in the meeting, oldest first (the receipt check)."""
    result = await session.execute(
        _with_counted()
        .where(PRESSES.c.meeting == meeting, PRESSES.c.member == member)
        .order_by(PRESSES.c.id)
    )
    return result.all()


async def elector_handsets(session: AsyncSession, vote_id: int) -> Sequence[ElectorHandset]:
    result = await session.scalars(
        select(ElectorHandset).where(ElectorHandset.vote_id == vote_id).order_by(ElectorHandset.id)
    )
    return result.all()


async def events_after(
    session: AsyncSession, meeting: str, after: int, *, limit: int
) -> Sequence[Event]:
    result = await session.scalars(
        select(Event)
        .where(Event.meeting == meeting, Event.id > after)
        .order_by(Event.id)
        .limit(limit)
    )
    return result.all()


async def last_event_id(session: AsyncSession, meeting: str) -> int:
    return await session.scalar(select(func.max(Event.id)).where(Event.meeting == meeting)) or 0
