"""Recording a batch of presses (PROTOCOL.md "Delivery rules"; docs/ARCHITECTURE.md).

One transaction with the meeting row locked, set-based:

1. The meeting row, locked (one query): its versions say whether this
   process's copy of the vote times and binding changes is current
   (``cache.py``; usually no query).
2. When each press was heard, on our clock (``rules.heard_at``), and which
   vote was open then (``rules.place``).
3. For presses heard in the open vote, who each handset votes for: the
   electorate frozen at the open (in memory, ``frozen.py``) with the desk's
   binding changes since then (``rules.member_for``).
4. One query for the stored presses the batch's may repeat
   (``rules.repeats``) and the counted press of each member pressing.
5. One UPDATE for presses no longer counted (if any), one INSERT for the
   batch, one event per vote.

A handset that is neither in the frozen electorate nor in any binding change
we know of may be one the desk just bound: ``UnknownHandsets`` is raised
before anything is written, and the caller asks registration (``bindings.py``)
and records the batch again. Registration unreachable then means 503 for the
batch (the gateway retries), never a wrong DENY.
"""

from __future__ import annotations

import datetime
import functools
import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import bindings, events, metrics
from services.ballot import repository_presses as repository
from services.ballot.bindings import Lookups
from services.ballot.cache import MeetingCache
from services.ballot.frozen import FrozenVote, FrozenVotes
from services.ballot.repository_presses import NewPress
from services.ballot.rules import (
    CLOCK_OFFSET_NOTICE,
    BindingChange,
    PressStatus,
    Reason,
    heard_at,
    member_for,
    place_batch,
    repeats,
    status_in_open_vote,
    supersedes,
)
from services.ballot.schemas import PressBatch
from services.common.http import ServiceClient

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


@dataclass(frozen=True, slots=True)
class Recorded:
    # (handset, seq, status) answering each press of the batch, in order
    results: list[tuple[str, int, str]]
    # (status, reason) of every press stored, for the counters
    stored: list[tuple[str, str | None]]


def _members(
    vote: FrozenVote,
    handsets: set[str],
    changes: Mapping[str, Sequence[BindingChange]],
    *,
    looked_up: Set[str],
) -> dict[str, tuple[str | None, Reason | None]]:
    """handset -> (member, reason) in the open vote, for the batch's handsets."""
    found = {}
    unknown = set()
    for handset in handsets:
        history = changes.get(handset, ())
        since_open = next((c for c in reversed(history) if c.change_id > vote.bindings_seen), None)
        if not history and handset not in vote.handsets and handset not in looked_up:
            unknown.add(handset)
        found[handset] = member_for(
            handset,
            frozen=vote.handsets,
            electors=vote.members,
            since_open=since_open,
            latest=history[-1] if history else None,
        )
    if unknown:
        raise UnknownHandsets(vote, unknown)
    return found


async def record_presses(
    session: AsyncSession,
    *,
    meeting: str,
    batch: PressBatch,
    arrived: datetime.datetime,
    frozen: FrozenVotes,
    cache: MeetingCache,
    looked_up: Set[str] = frozenset(),
    learned_here: bool = False,
) -> Recorded:
    """Store a batch, each press with its status. ``looked_up``: handsets
    registration was just asked about (they may be DENY); ``learned_here``:
    this transaction stored binding changes itself."""
    presses = batch.presses
    heard = [
        heard_at(arrived=arrived, sent_at=batch.sent_at, received_at=press.received_at)
        for press in presses
    ]
    lock = await repository.lock_meeting(session, meeting)
    spans = await cache.spans(session, lock)
    placements = place_batch(heard, spans)
    vote: FrozenVote | None = None
    members: dict[str, tuple[str | None, Reason | None]] = {}
    in_open = {p.handset for p, where in zip(presses, placements, strict=True) if not where.status}
    if in_open:
        open_id = next(where.vote_id for where in placements if not where.status)
        assert open_id is not None
        vote = await frozen.get(session, open_id)
        changes = await cache.changes(session, lock, keep=not learned_here)
        members = _members(vote, in_open, changes, looked_up=looked_up)

    stored: dict[tuple[str, int], _Stored] = {}
    current: dict[str, tuple[str, int, datetime.datetime]] = {}
    for found in await repository.concerning(
        session,
        meeting,
        {(p.handset, p.seq) for p in presses},
        vote_id=vote.id if vote is not None else None,
        members={member for member, _ in members.values() if member is not None},
    ):
        if found.kind == "copy":
            stored[(found.handset, found.seq)] = _Stored(
                found.vote_id, found.heard, found.key, PressStatus(found.status)
            )
        else:
            current[found.member] = (found.handset, found.seq, found.heard)
    results: list[tuple[str, int, str]] = []
    rows: list[NewPress] = []
    # member -> the indices in ``rows`` of their new OK presses
    ok_rows: dict[str, list[int]] = defaultdict(list)
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
            results.append((press.handset, press.seq, first.status.value))
            continue
        member: str | None = None
        if where.status is None:
            assert vote is not None
            member, reason = members[press.handset]
            status, why = status_in_open_vote(keys=vote.keys, member=member, key=press.key)
            reason = reason if status is PressStatus.DENY else why
        else:
            status, reason = where.status, where.reason
        if status is PressStatus.OK and member is not None:
            ok_rows[member].append(len(rows))
        rows.append(
            NewPress(
                where.vote_id,
                press.receiver,
                press.handset,
                press.seq,
                press.key,
                press.rssi,
                press.battery,
                press.received_at,
                moment if isinstance(moment, datetime.datetime) else None,
                status.value,
                reason.value if reason else None,
                member,
            )
        )
        stored[(press.handset, press.seq)] = _Stored(where.vote_id, when, press.key, status)
        results.append((press.handset, press.seq, status.value))

    winners = _winners(rows, ok_rows, current)
    announced = _announced(rows, set(winners), vote)
    notified = await repository.store(
        session,
        meeting=meeting,
        vote_id=vote.id if vote is not None else None,
        stored_at=arrived,
        presses=rows,
        counted=winners,
        events=announced,
        channel=events.CHANNEL,
    )
    if announced:
        events.announce(session, lock.code, notified=notified)
    return Recorded(results, [(row.status, row.reason) for row in rows])


@dataclass
class PressPath:
    """What the press path keeps per process (``app.state.presses``), and
    the client that asks registration about handsets it does not know."""

    registration: ServiceClient
    frozen: FrozenVotes = field(default_factory=FrozenVotes)
    cache: MeetingCache = field(default_factory=MeetingCache)
    lookups: Lookups = field(default_factory=Lookups)

    async def record(
        self,
        session: AsyncSession,
        *,
        meeting: str,
        batch: PressBatch,
        arrived: datetime.datetime,
    ) -> list[tuple[str, int, str]]:
        """Record a batch that reached us at ``arrived``; (handset, seq, status) per press.

        A handset nobody told us of: registration is asked (outside the
        lock: nothing was written yet) and the batch recorded again; it
        cannot be reached: UpstreamUnavailable (503), the gateway retries.
        """
        started = time.perf_counter()
        _note_clock_offset(meeting=meeting, sent_at=batch.sent_at, arrived=arrived)
        looked_up = self.lookups.recent(meeting)
        record = functools.partial(
            record_presses,
            session,
            meeting=meeting,
            batch=batch,
            arrived=arrived,
            frozen=self.frozen,
            cache=self.cache,
        )
        try:
            recorded = await record(looked_up=looked_up)
        except UnknownHandsets as unknown:
            await session.rollback()
            await bindings.look_up(
                session,
                self.registration,
                meeting=meeting,
                vote=unknown.vote,
                handsets=unknown.handsets,
            )
            self.lookups.mark(meeting, unknown.handsets)
            recorded = await record(looked_up=looked_up | unknown.handsets, learned_here=True)
        metrics.count_batch(
            session,
            started=started,
            stored=recorded.stored,
            repeats=len(recorded.results) - len(recorded.stored),
        )
        return recorded.results


def _note_clock_offset(
    *, meeting: str, sent_at: datetime.datetime, arrived: datetime.datetime
) -> None:
    """Log and count a gateway clock far from ours; it never places a press."""
    offset = arrived - sent_at
    if abs(offset) > CLOCK_OFFSET_NOTICE:
        metrics.CLOCK_OFFSETS.inc()
        log.warning(
            "ballot.press.clock_offset",
            extra={"meeting": meeting, "seconds": round(offset.total_seconds(), 3)},
        )


def _winners(
    rows: Sequence[NewPress],
    ok_rows: dict[str, list[int]],
    current: dict[str, tuple[str, int, datetime.datetime]],
) -> list[int]:
    """The new rows that become their member's counted press (their indices):
    the latest OK press of each member who pressed OK in this batch, if it
    supersedes the member's counted press so far (``current``)."""
    winners: list[int] = []
    for member, indices in ok_rows.items():
        best: NewPress | None = None
        best_index = 0
        counting = current.get(member)
        for index in indices:
            row = rows[index]
            assert row.heard_at is not None  # OK: heard in the open vote
            if best is not None:
                assert best.heard_at is not None
                counting = (best.handset, best.seq, best.heard_at)
            if counting is None or supersedes(
                new_handset=row.handset,
                new_seq=row.seq,
                new_heard=row.heard_at,
                counted_handset=counting[0],
                counted_seq=counting[1],
                counted_heard=counting[2],
            ):
                best, best_index = row, index
        if best is not None:
            winners.append(best_index)
    return winners


def _announced(
    rows: Sequence[NewPress], counted: set[int], vote: FrozenVote | None
) -> list[tuple[int, dict[str, Any]]]:
    """One ``presses`` event per vote the batch stored presses for, as at
    commit: (vote id, data). A secret vote never shows who pressed what, not
    even live."""
    by_vote: dict[int, list[dict[str, Any]]] = defaultdict(list)
    named = vote.id if vote is not None and vote.named else None
    for index, row in enumerate(rows):
        if row.vote_id is None:
            continue
        item = {
            "member": row.member,
            "handset": row.handset,
            "seq": row.seq,
            "status": row.status,
            "reason": row.reason,
            "counted": index in counted,
        }
        if row.vote_id == named:
            item["key"] = row.key
        by_vote[row.vote_id].append(item)
    return [(vote_id, {"presses": items}) for vote_id, items in by_vote.items()]
