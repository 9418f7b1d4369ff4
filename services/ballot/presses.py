"""Recording a batch of presses (PROTOCOL.md "Delivery rules"; docs/ARCHITECTURE.md).

One transaction with the meeting row locked, set-based:

1. When each press was heard, on our clock (``rules.heard_at``), and which
   vote was open then (``rules.place``): one query for the votes.
2. For presses heard in the open vote, who each handset votes for: the
   electorate frozen at the open (kept in memory, ``frozen.py``) with the
   desk's binding changes since then (one query for the batch's handsets).
3. Which presses repeat a stored one (``rules.repeats``): one query for the
   batch's (handset, seq).
4. The counted press of each member that pressed OK: one query, one UPDATE
   for the presses no longer counted, one INSERT for the whole batch, and one
   event per vote.

A handset that is neither in the frozen electorate nor in any binding change
we know of may be one the desk just bound: ``UnknownHandsets`` is raised
before anything is written, and the caller asks registration (``bindings.py``)
and records the batch again. Registration unreachable then means 503 for the
batch (the gateway retries), never a wrong DENY.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.ballot import events, repository
from services.ballot.frozen import FrozenVote, FrozenVotes
from services.ballot.rules import (
    CLOCK_OFFSET_NOTICE,
    LATE_WINDOW,
    BindingChange,
    Placement,
    PressStatus,
    Reason,
    VoteSpan,
    heard_at,
    member_for,
    place,
    repeats,
    status_in_open_vote,
    supersedes,
)
from services.ballot.schemas import PressBatch, PressCounts, PressResult

log = logging.getLogger(__name__)


class UnknownHandsets(Exception):
    """Presses heard in the open vote from handsets we know nothing of."""

    def __init__(self, vote: FrozenVote, handsets: set[str]) -> None:
        super().__init__(f"unknown handsets in vote {vote.id}: {sorted(handsets)}")
        self.vote = vote
        self.handsets = handsets


@dataclass(slots=True)
class _Stored:
    """What a later copy of a press is compared with."""

    vote_id: int | None
    heard: datetime.datetime
    key: int
    status: PressStatus


@dataclass(slots=True)
class _Counting:
    """A member's counted press, stored (``press_id``) or new in this batch (``row``)."""

    handset: str
    seq: int
    heard: datetime.datetime
    press_id: int | None = None
    row: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    results: list[PressResult]
    # (status, reason) of every press stored, for the counters
    stored: list[tuple[str, str | None]]


@dataclass
class PressCounters:
    """What this process stored other than OK, and how far gateway clocks were
    off: plain counters, read by ``GET /api/press-counts`` (and metrics)."""

    refused: Counter[str] = field(default_factory=Counter)
    clock_offset_notices: int = 0
    largest_clock_offset: float = 0.0

    def clock_offset(
        self, *, meeting: str, sent_at: datetime.datetime, arrived: datetime.datetime
    ) -> None:
        """Note a gateway clock far from ours; it is never used to place a press."""
        offset = arrived - sent_at
        if abs(offset) <= CLOCK_OFFSET_NOTICE:
            return
        seconds = offset.total_seconds()
        self.clock_offset_notices += 1
        self.largest_clock_offset = max(self.largest_clock_offset, abs(seconds))
        log.warning("ballot.press.clock_offset", extra={"meeting": meeting, "seconds": seconds})

    def after_commit(self, session: AsyncSession, stored: Sequence[tuple[str, str | None]]) -> None:
        """Count the refusals stored once the transaction holding them commits."""
        refused = Counter(f"{status}/{reason}" for status, reason in stored if reason)
        if not refused:
            return

        def count(_: Session) -> None:
            self.refused.update(refused)

        event.listen(session.sync_session, "after_commit", count, once=True)

    def read(self) -> PressCounts:
        return PressCounts(
            refused=dict(sorted(self.refused.items())),
            clock_offset_notices=self.clock_offset_notices,
            largest_clock_offset_seconds=self.largest_clock_offset,
        )


async def _members(
    session: AsyncSession,
    vote: FrozenVote,
    handsets: set[str],
    *,
    looked_up: Set[str],
) -> dict[str, tuple[str | None, Reason | None]]:
    """handset -> (member, reason) in the open vote, for the batch's handsets."""
    since_open = {
        row.handset: BindingChange(row.change_id, row.member, row.bound)
        for row in await repository.changes_of_handsets(
            session, vote.meeting, handsets, after=vote.bindings_seen
        )
    }
    unresolved = {h for h in handsets if h not in since_open and h not in vote.handsets}
    earlier: dict[str, BindingChange] = {}
    if unresolved:
        earlier = {
            row.handset: BindingChange(row.change_id, row.member, row.bound)
            for row in await repository.changes_of_handsets(
                session, vote.meeting, unresolved, after=0
            )
        }
        unknown = unresolved - earlier.keys() - looked_up
        if unknown:
            raise UnknownHandsets(vote, unknown)
    return {
        handset: member_for(
            handset,
            frozen=vote.handsets,
            electors=vote.members,
            since_open=since_open.get(handset),
            latest=earlier.get(handset),
        )
        for handset in handsets
    }


async def record_presses(
    session: AsyncSession,
    *,
    meeting: str,
    batch: PressBatch,
    arrived: datetime.datetime,
    frozen: FrozenVotes,
    looked_up: Set[str] = frozenset(),
) -> Recorded:
    """Store a batch, each press with its status; ``looked_up``: handsets
    registration was asked about for this batch (they may be DENY)."""
    presses = batch.presses
    heard = [
        heard_at(arrived=arrived, sent_at=batch.sent_at, received_at=press.received_at)
        for press in presses
    ]
    times = [moment for moment in heard if isinstance(moment, datetime.datetime)]
    locked = await repository.lock_meeting(session, meeting)
    spans = [
        VoteSpan(row.id, row.opened_at, row.closed_at)
        for row in await repository.vote_spans(
            session, meeting, since=min(times, default=arrived) - LATE_WINDOW
        )
    ]
    placements = [
        place(moment, spans)
        if isinstance(moment, datetime.datetime)
        else Placement(None, PressStatus.NOPOLL, moment)
        for moment in heard
    ]
    vote: FrozenVote | None = None
    members: dict[str, tuple[str | None, Reason | None]] = {}
    in_open = {p.handset for p, where in zip(presses, placements, strict=True) if not where.status}
    if in_open:
        open_id = placements[[not where.status for where in placements].index(True)].vote_id
        assert open_id is not None
        vote = await frozen.get(session, open_id)
        members = await _members(session, vote, in_open, looked_up=looked_up)

    stored = {
        (row.handset, row.seq): _Stored(
            row.vote_id, row.heard_at or row.stored_at, row.key, PressStatus(row.status)
        )
        for row in await repository.earlier_copies(
            session, meeting, {(p.handset, p.seq) for p in presses}
        )
    }
    results: list[PressResult] = []
    rows: list[dict[str, Any]] = []
    ok_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for press, where, moment in zip(presses, placements, heard, strict=True):
        when = moment if isinstance(moment, datetime.datetime) else arrived
        first = stored.get((press.handset, press.seq))
        if first is not None and repeats(
            first_vote_id=first.vote_id,
            first_heard=first.heard,
            first_key=first.key,
            vote_id=where.vote_id,
            heard=when,
            key=press.key,
        ):
            results.append(PressResult(handset=press.handset, seq=press.seq, status=first.status))
            continue
        member: str | None = None
        if where.status is None:
            assert vote is not None
            member, reason = members[press.handset]
            status, why = status_in_open_vote(keys=vote.keys, member=member, key=press.key)
            reason = reason if status is PressStatus.DENY else why
        else:
            status, reason = where.status, where.reason
        row = {
            "meeting": meeting,
            "vote_id": where.vote_id,
            "receiver": press.receiver,
            "handset": press.handset,
            "seq": press.seq,
            "key": press.key,
            "rssi": press.rssi,
            "battery": press.battery,
            "received_at": press.received_at,
            "heard_at": moment if isinstance(moment, datetime.datetime) else None,
            "stored_at": arrived,
            "status": status.value,
            "reason": reason.value if reason else None,
            "member": member,
            "counted": False,
        }
        rows.append(row)
        stored[(press.handset, press.seq)] = _Stored(where.vote_id, when, press.key, status)
        if status is PressStatus.OK and member is not None:
            ok_rows[member].append(row)
        results.append(PressResult(handset=press.handset, seq=press.seq, status=status))

    if ok_rows:
        assert vote is not None
        await _count(session, vote.id, ok_rows)
    await repository.add_presses(session, rows)
    _emit(session, locked, rows, vote)
    return Recorded(results, [(row["status"], row["reason"]) for row in rows])


async def _count(
    session: AsyncSession, vote_id: int, ok_rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Mark the counted press of each member that pressed OK in this batch."""
    counting = {
        row.member: _Counting(row.handset, row.seq, row.heard, press_id=row.id)
        for row in await repository.counted_of_members(session, vote_id, ok_rows)
    }
    replaced: list[int] = []
    for member, new_rows in ok_rows.items():
        current = counting.get(member)
        was = current.press_id if current is not None else None
        for row in new_rows:
            if current is None or supersedes(
                new_handset=row["handset"],
                new_seq=row["seq"],
                new_heard=row["heard_at"],
                counted_handset=current.handset,
                counted_seq=current.seq,
                counted_heard=current.heard,
            ):
                if current is not None and current.row is not None:
                    current.row["counted"] = False
                row["counted"] = True
                current = _Counting(row["handset"], row["seq"], row["heard_at"], row=row)
        if was is not None and current is not None and current.press_id is None:
            replaced.append(was)
    await repository.uncount(session, replaced)


def _emit(
    session: AsyncSession,
    locked: Any,
    rows: Sequence[dict[str, Any]],
    vote: FrozenVote | None,
) -> None:
    """One ``presses`` event per vote the batch stored presses for, as at commit.

    A secret vote never shows who pressed what, not even live.
    """
    by_vote: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["vote_id"] is None:
            continue
        item = {
            "member": row["member"],
            "handset": row["handset"],
            "seq": row["seq"],
            "status": row["status"],
            "reason": row["reason"],
            "counted": row["counted"],
        }
        if vote is not None and row["vote_id"] == vote.id and vote.named:
            item["key"] = row["key"]
        by_vote[row["vote_id"]].append(item)
    for vote_id, items in by_vote.items():
        events.emit(session, locked, "presses", vote_id=vote_id, data={"presses": items})
