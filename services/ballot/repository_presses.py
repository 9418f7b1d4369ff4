"""The queries of the press path (presses.py): one statement per step, built once.

Every batch runs them, so each is built at import with named parameters:
building a statement costs SQLAlchemy more than running it. A batch's values
go as arrays on PostgreSQL (``unnest``) and as one JSON text on SQLite
(``json_each``), so each statement is the same for every batch size, and the
server prepares it once.

Lookups of a list of keys are joins on a list the index is probed with, one
row at a time: on both databases ``(handset, seq) IN (...)`` and
``member = ANY(...)`` were planned as reading every press of the meeting (or
vote) and comparing each with the whole list.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    Interval,
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot.models import BallotMeeting
from services.ballot.repository import COUNTED, EVENTS, MEETINGS, PRESSES, AnyRow
from services.common.database import lock_or_create
from services.common.prepared import Prepared

TIME = DateTime(timezone=True)


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# A time in an array parameter: whole microseconds since this moment (``micros``).
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _array(name: str, kind: Any) -> Any:
    """``unnest`` of an array parameter, sent as one text literal
    (``array_literal``): the driver dumps a list one value at a time in Python,
    escaping each string with a regular expression, which took more than half
    of a batch's CPU; times took ten times longer than all the rest.

    Times (``TIME``) go as whole microseconds since the epoch (``micros``),
    which is exact and a fifth of the CPU of writing each as ISO 8601 text."""
    if kind is TIME:
        counts = func.unnest(cast(bindparam(name, type_=String), ARRAY(BigInteger)))
        since = counts * literal_column("INTERVAL '1 microsecond'", Interval)
        return literal_column("TIMESTAMPTZ 'epoch'", TIME) + since
    return func.unnest(cast(bindparam(name, type_=String), ARRAY(kind)))


def _quoted(value: str | None) -> str:
    if value is None:
        return "NULL"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_literal(items: Sequence[Any], kind: Any = String) -> str:
    """PostgreSQL's array literal of ``items`` of column type ``kind`` (String
    or Integer): strings quoted, with their backslashes and double quotes
    escaped. Without a NULL and with nothing to escape (a batch's handsets,
    statuses, times) it is one join, not a Python call per value."""
    if not items:
        return "{}"
    if kind is not String:
        if None not in items:
            return "{" + ",".join(map(str, map(int, items))) + "}"
        return "{" + ",".join("NULL" if i is None else str(int(i)) for i in items) + "}"
    if None not in items:
        joined = '","'.join(items)
        # Only the separators' quotes: no value holds one (nor a backslash).
        if joined.count('"') == 2 * (len(items) - 1) and "\\" not in joined:
            return '{"' + joined + '"}'
    elif items.count(None) == len(items):
        # A column of NULLs, e.g. the reasons of a batch of OK presses.
        return "{" + ",".join(["NULL"] * len(items)) + "}"
    return "{" + ",".join(map(_quoted, items)) + "}"


def micros(items: Iterable[datetime.datetime | None]) -> list[int | None]:
    """Times (with a zone) as whole microseconds since the epoch, for
    ``array_literal(..., Integer)`` of a ``TIME`` column (``_array``)."""
    return [None if i is None else (i - _EPOCH) // _MICROSECOND for i in items]


# --- the meeting row ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingLock:
    """The meeting row as a press batch locked it: its versions tell a process
    whether what it keeps of the meeting (cache.py) is still current."""

    code: str
    version: int
    bindings_version: int


_LOCK = Prepared(
    select(MEETINGS.c.code, MEETINGS.c.version, MEETINGS.c.bindings_version)
    .where(MEETINGS.c.code == bindparam("code"))
    .with_for_update()
)


async def lock_meeting(session: AsyncSession, code: str) -> MeetingLock:
    """repository.lock_meeting without building an ORM object."""
    rows = await _LOCK.rows(session, {"code": code})
    if not rows:
        await lock_or_create(session, BallotMeeting, code=code, version=0)
        rows = await _LOCK.rows(session, {"code": code})
    row = rows[0]
    return MeetingLock(row.code, row.version, row.bindings_version)


# --- what a batch's presses meet: earlier copies, members' counted presses ---------------------

# One row shape for both: ``kind`` "copy" (a stored press with a batch's
# (handset, seq)) or "counted" (a member's counted press in the open vote).
_NULL_TEXT = null().cast(String)
_NULL_INT = null().cast(Integer)


def _copy_columns() -> tuple[Any, ...]:
    return (
        literal("copy").label("kind"),
        PRESSES.c.handset,
        PRESSES.c.seq,
        PRESSES.c.key,
        PRESSES.c.vote_id,
        func.coalesce(PRESSES.c.heard_at, PRESSES.c.stored_at).label("heard"),
        PRESSES.c.status,
        _NULL_TEXT.label("member"),
        PRESSES.c.id.label("id"),
    )


def _counted_columns() -> tuple[Any, ...]:
    return (
        literal("counted").label("kind"),
        COUNTED.c.handset,
        COUNTED.c.seq,
        _NULL_INT.label("key"),
        COUNTED.c.vote_id,
        COUNTED.c.heard_at.label("heard"),
        _NULL_TEXT.label("status"),
        COUNTED.c.member,
        _NULL_INT.label("id"),
    )


def _concerning_pg() -> Any:
    pairs = select(
        _array("handsets", String).label("handset"), _array("seqs", Integer).label("seq")
    ).cte("pairs")
    # LATERAL with a LIMIT, which cannot be flattened into a join: one index
    # probe per pair for its latest copy, whatever the planner's statistics say.
    copy = (
        select(*_copy_columns())
        .where(
            PRESSES.c.meeting == bindparam("meeting"),
            PRESSES.c.handset == pairs.c.handset,
            PRESSES.c.seq == pairs.c.seq,
        )
        .order_by(PRESSES.c.id.desc())
        .limit(1)
        .lateral("copy")
    )
    members = select(_array("members", String).label("member")).cte("members")
    counted = (
        select(*_counted_columns())
        .where(COUNTED.c.vote_id == bindparam("vote_id"), COUNTED.c.member == members.c.member)
        .limit(1)
        .lateral("counted")
    )
    return union_all(
        select(copy).select_from(pairs).join(copy, true()),
        select(counted).select_from(members).join(counted, true()),
    ).order_by("id")


def _concerning_sqlite() -> Any:
    pairs = func.json_each(bindparam("pairs")).table_valued("value").alias("pairs")
    copies = (
        select(*_copy_columns())
        .select_from(pairs)
        .join(
            PRESSES,
            and_(
                PRESSES.c.meeting == bindparam("meeting"),
                PRESSES.c.handset == func.json_extract(pairs.c.value, "$[0]"),
                PRESSES.c.seq == func.json_extract(pairs.c.value, "$[1]"),
            ),
        )
    )
    members = func.json_each(bindparam("members")).table_valued("value").alias("members")
    counted = select(*_counted_columns()).where(
        COUNTED.c.vote_id == bindparam("vote_id"), COUNTED.c.member.in_(select(members.c.value))
    )
    return union_all(copies, counted).order_by("id")


_CONCERNING_PG = Prepared(_concerning_pg())
_CONCERNING_SQLITE = Prepared(_concerning_sqlite())


async def concerning(
    session: AsyncSession,
    meeting: str,
    pairs: Iterable[tuple[str, int]],
    *,
    vote_id: int | None,
    members: Iterable[str],
) -> Sequence[AnyRow]:
    """In one query: the stored presses with these (handset, seq), which a new
    copy may repeat (kind "copy", oldest first; on PostgreSQL only the latest
    of each), and these members' counted presses in ``vote_id`` ("counted").
    (kind, handset, seq, key, vote_id, heard, status, member, id)"""
    pairs = list(pairs)
    members = list(members) if vote_id is not None else []
    if _postgres(session):
        params: dict[str, Any] = {
            "meeting": meeting,
            "handsets": array_literal([h for h, _ in pairs]),
            "seqs": array_literal([s for _, s in pairs], Integer),
            "vote_id": vote_id,
            "members": array_literal(members),
        }
        return await _CONCERNING_PG.rows(session, params)
    params = {
        "meeting": meeting,
        "pairs": json.dumps(pairs),
        "vote_id": vote_id,
        "members": json.dumps(members),
    }
    return await _CONCERNING_SQLITE.rows(session, params)


# The columns of a counted press besides its vote, and their types.
COUNTED_COLUMNS: dict[str, Any] = {"member": String, "handset": String, "seq": Integer}
COUNTED_COLUMNS["heard_at"] = TIME
# What a new counted press replaces (not the key: the row is updated in place).
_REPLACED = ("handset", "seq", "heard_at")
_COUNT_SQLITE_INSERT = sqlite_insert(COUNTED)
_COUNT_SQLITE = Prepared(
    _COUNT_SQLITE_INSERT.on_conflict_do_update(
        index_elements=["vote_id", "member"],
        set_={name: _COUNT_SQLITE_INSERT.excluded[name] for name in _REPLACED},
    )
)


# --- storing the batch -------------------------------------------------------------------------


class NewPress(NamedTuple):
    """A press to store, in the order of its columns (``PRESS_COLUMNS``):
    a batch's presses go column by column (``zip(*presses)``)."""

    vote_id: int | None
    receiver: str
    handset: str
    seq: int
    key: int
    rssi: int
    battery: int
    received_at: datetime.datetime
    heard_at: datetime.datetime | None
    status: str
    reason: str | None
    member: str | None


# The columns a new press is stored with besides its meeting and stored_at
# (the batch's, one value), in order, and their types.
_PRESS_TYPES = (Integer, String, String, Integer, Integer, Integer, Integer, TIME, TIME)
PRESS_COLUMNS: dict[str, Any] = dict(
    zip(NewPress._fields, (*_PRESS_TYPES, String, String, String), strict=True)
)
_ADD_SQLITE = Prepared(
    insert(PRESSES).values({n: bindparam(n) for n in ("meeting", "stored_at", *PRESS_COLUMNS)})
)


_ADD_EVENT = insert(EVENTS)
_ADD_EVENT_SQLITE = Prepared(
    insert(EVENTS).values(
        {n: bindparam(n) for n in ("meeting", "kind", "vote_id", "data", "created_at")}
    )
)


def _store_pg() -> Any:
    """The counted presses, the batch and its events in one statement
    (data-modifying CTEs): one round trip instead of three."""
    counted = pg_insert(COUNTED).from_select(
        ["vote_id", *COUNTED_COLUMNS],
        select(
            bindparam("c_vote_id", type_=Integer),
            *(_array(f"c_{n}", k) for n, k in COUNTED_COLUMNS.items()),
        ),
    )
    counted = counted.on_conflict_do_update(
        index_elements=["vote_id", "member"],
        set_={name: counted.excluded[name] for name in _REPLACED},
    )
    stored = insert(PRESSES).from_select(
        ["meeting", "stored_at", *PRESS_COLUMNS],
        select(
            bindparam("p_meeting", type_=String),
            bindparam("p_stored_at", type_=TIME),
            *(_array(f"p_{n}", k) for n, k in PRESS_COLUMNS.items()),
        ),
    )
    announced = insert(EVENTS).from_select(
        ["meeting", "kind", "vote_id", "data", "created_at"],
        select(
            bindparam("e_meeting", type_=String),
            bindparam("e_kind", type_=String),
            _array("e_vote_id", Integer),
            cast(_array("e_data", String), JSON),
            bindparam("e_at", type_=TIME),
        ),
    )
    # The other processes' wake-up (events.CHANNEL) in the same round trip:
    # PostgreSQL delivers a NOTIFY at commit, and only if the transaction commits.
    notified = select(func.pg_notify(bindparam("n_channel"), bindparam("e_meeting"))).where(
        bindparam("n_send", type_=Boolean)
    )
    return notified.add_cte(
        counted.cte("counted"), stored.cte("stored"), announced.cte("announced")
    )


_STORE_PG = Prepared(_store_pg())


async def store(
    session: AsyncSession,
    *,
    meeting: str,
    vote_id: int | None,
    stored_at: datetime.datetime,
    presses: Sequence[NewPress],
    counted: Sequence[int],
    events: list[tuple[int, dict[str, Any]]],
    channel: str,
) -> bool:
    """A batch's presses (stored at ``stored_at``), those of them that now
    count in ``vote_id`` (their indices in ``presses``) and the batch's
    ``presses`` events (vote id, data): one statement on PostgreSQL, which
    also NOTIFYs ``channel`` with the meeting when there are events. Whether
    it did (on SQLite: never)."""
    transposed = zip(*presses, strict=True) if presses else [()] * len(NewPress._fields)
    columns: dict[str, Sequence[Any]] = dict(zip(NewPress._fields, transposed, strict=True))
    now = datetime.datetime.now(datetime.UTC)
    if not _postgres(session):
        if counted:
            await _COUNT_SQLITE.run_columns(
                session,
                {n: [columns[n][i] for i in counted] for n in COUNTED_COLUMNS},
                {"vote_id": vote_id},
            )
        if presses:
            await _ADD_SQLITE.run_columns(
                session, columns, {"meeting": meeting, "stored_at": stored_at}
            )
        if events:
            await _ADD_EVENT_SQLITE.run_columns(
                session,
                {"vote_id": [v for v, _ in events], "data": [d for _, d in events]},
                {"meeting": meeting, "kind": "presses", "created_at": now},
            )
        return False
    # Each time converted once, also for the presses that count.
    heard = micros(columns["heard_at"])
    params: dict[str, Any] = {
        "c_vote_id": vote_id,
        "c_member": array_literal([columns["member"][i] for i in counted]),
        "c_handset": array_literal([columns["handset"][i] for i in counted]),
        "c_seq": array_literal([columns["seq"][i] for i in counted], Integer),
        "c_heard_at": array_literal([heard[i] for i in counted], Integer),
        "p_meeting": meeting,
        "p_stored_at": stored_at,
        **{
            f"p_{n}": array_literal(columns[n], k)
            for n, k in PRESS_COLUMNS.items()
            if k is not TIME
        },
        "p_received_at": array_literal(micros(columns["received_at"]), Integer),
        "p_heard_at": array_literal(heard, Integer),
        "e_meeting": meeting,
        "e_kind": "presses",
        "e_vote_id": array_literal([event_vote for event_vote, _ in events], Integer),
        "e_data": array_literal([json.dumps(data) for _, data in events]),
        "e_at": now,
        "n_channel": channel,
        "n_send": bool(events),
    }
    await _STORE_PG.rows(session, params)
    return bool(events)


async def add_event(
    session: AsyncSession, *, meeting: str, kind: str, vote_id: int | None, data: dict[str, Any]
) -> None:
    await session.execute(
        _ADD_EVENT,
        {
            "meeting": meeting,
            "kind": kind,
            "vote_id": vote_id,
            "data": data,
            "created_at": datetime.datetime.now(datetime.UTC),
        },
    )
