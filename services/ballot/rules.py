"""The rules for a press, as pure code (PROTOCOL.md "Delivery rules" and 1.1).

Values in, values out; every bound is a named constant with its reason.

* When a press was made: ``heard_at`` places the gateway's hold (``sent_at -
  received_at``, both on the gateway's clock, so its skew cancels) on ours.
* Where it belongs: ``place`` finds the vote open when it was heard.
* Who it votes for: ``member_for`` applies the desk's binding changes on top
  of the electorate frozen at the open.
* What a new press in the open vote gets: ``status_in_open_vote``.
* Whether a copy repeats a stored press: ``repeats``.
* Which of two presses of a member counts: ``supersedes``.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

SEQ_MODULUS = 65536
# PROTOCOL.md: no vote open and the last one closed less than 10 s ago: LATE.
LATE_WINDOW = datetime.timedelta(seconds=10)
# A gateway computes received_at and sent_at from one clock at the same
# moment, so received_at is never after sent_at; this allows for rounding and
# for other integrators' gateways, whose two times may come from two reads of
# a clock that stepped in between. Beyond it a press claims to be heard after
# it was sent: it is refused (never counted).
CLOCK_TOLERANCE = datetime.timedelta(seconds=1)
# No gateway holds a press for a day (its hold is bounded in presses, and a
# meeting lasts hours); a claim beyond this is refused rather than believed.
MAX_HELD = datetime.timedelta(hours=24)
# A handset retransmits an unacknowledged press every 300 ms for about 6 s;
# two gateways may hear the same copy. Copies heard this close together with
# the same key are one press, also across a vote change.
REPEAT_WINDOW = datetime.timedelta(seconds=15)
# A gateway clock this far from ours is logged and counted (never used).
CLOCK_OFFSET_NOTICE = datetime.timedelta(seconds=2)

_ZERO = datetime.timedelta(0)


class PressStatus(enum.StrEnum):
    OK = "OK"
    NOPOLL = "NOPOLL"
    LATE = "LATE"
    BADKEY = "BADKEY"
    DENY = "DENY"


class Reason(enum.StrEnum):
    """Why a press does not count; stored with it and shown to the auditors."""

    BAD_KEY = "bad_key"  # BADKEY: not a key of the open vote
    HANDSET_NOT_BOUND = "handset_not_bound"  # DENY: bound to no member of the electorate
    BINDING_ENDED = "binding_ended"  # DENY: the desk swapped it out or took it back
    AFTER_CLOSE = "after_close"  # LATE: heard less than 10 s after the close
    ARRIVED_AFTER_CLOSE = "arrived_after_close"  # LATE: heard in the vote, reached us after
    NO_VOTE_OPEN = "no_vote_open"  # NOPOLL
    HEARD_BEFORE_OPEN = "heard_before_open"  # NOPOLL: before the open vote opened
    HEARD_AFTER_SENT = "heard_after_sent"  # NOPOLL: its times contradict each other
    HELD_TOO_LONG = "held_too_long"  # NOPOLL: a hold beyond MAX_HELD


def seq_newer(a: int, b: int) -> bool:
    """Whether ``a`` was pressed after ``b`` on the same handset.

    Serial-number arithmetic (RFC 1982): ``a`` is newer when it is less than
    half the sequence space ahead of ``b``, so 0 follows 65535. A handset
    cannot press 32,768 times within one vote, so this is never ambiguous in
    practice; exactly half way is treated as not newer.
    """
    distance = (a - b) % SEQ_MODULUS
    return 0 < distance < SEQ_MODULUS // 2


def heard_at(
    *, arrived: datetime.datetime, sent_at: datetime.datetime, received_at: datetime.datetime
) -> datetime.datetime | Reason:
    """When the gateway first heard a press, on our clock; or why we cannot say.

    ``arrived`` is our clock when the batch reached us. The time it spent
    between the gateway sending it and our taking ``arrived`` (a few ms on a
    LAN) is not known and counts as part of the hold: a press is placed that
    much later than it was heard, never earlier.
    """
    held = sent_at - received_at
    if held < -CLOCK_TOLERANCE:
        return Reason.HEARD_AFTER_SENT
    if held > MAX_HELD:
        return Reason.HELD_TOO_LONG
    return arrived - max(held, _ZERO)


@dataclass(frozen=True, slots=True)
class VoteSpan:
    """When a vote was open: from ``opened_at`` until ``closed_at`` (None: still open)."""

    id: int
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a press belongs. ``status`` None: the open vote judges it."""

    vote_id: int | None
    status: PressStatus | None
    reason: Reason | None


def place(heard: datetime.datetime, spans: Sequence[VoteSpan]) -> Placement:
    """The vote open when a press was heard, among the meeting's ``spans``.

    Heard in the open vote: that vote's rules decide. Heard in a vote that has
    closed since: LATE for it. Heard while nothing was open: LATE for the vote
    closed less than ``LATE_WINDOW`` before, else NOPOLL. A press heard before
    the open vote opened never counts in it.
    """
    open_vote = next((s for s in spans if s.closed_at is None), None)
    if open_vote is not None and heard >= open_vote.opened_at:
        return Placement(open_vote.id, None, None)
    closed = [s for s in spans if s.closed_at is not None]
    for span in closed:
        assert span.closed_at is not None
        if span.opened_at <= heard < span.closed_at:
            return Placement(span.id, PressStatus.LATE, Reason.ARRIVED_AFTER_CLOSE)
    before = [s for s in closed if s.closed_at is not None and s.closed_at <= heard]
    if before:
        last = max(before, key=lambda s: (s.closed_at, s.id))
        assert last.closed_at is not None
        if heard - last.closed_at < LATE_WINDOW:
            return Placement(last.id, PressStatus.LATE, Reason.AFTER_CLOSE)
    reason = Reason.HEARD_BEFORE_OPEN if open_vote is not None else Reason.NO_VOTE_OPEN
    return Placement(None, PressStatus.NOPOLL, reason)


def place_batch(
    moments: Sequence[datetime.datetime | Reason], spans: Sequence[VoteSpan]
) -> list[Placement]:
    """``place`` for each press of a batch, by when it was heard (``heard_at``;
    a Reason: NOPOLL for it). The open vote is looked for once, and the
    presses heard in it, nearly all of them, share one Placement."""
    open_vote = next((s for s in spans if s.closed_at is None), None)
    in_open = Placement(open_vote.id, None, None) if open_vote is not None else None
    opened_at = open_vote.opened_at if open_vote is not None else None
    placed = []
    for moment in moments:
        if not isinstance(moment, datetime.datetime):
            placed.append(Placement(None, PressStatus.NOPOLL, moment))
        elif in_open is not None and opened_at is not None and moment >= opened_at:
            placed.append(in_open)
        else:
            placed.append(place(moment, spans))
    return placed


@dataclass(frozen=True, slots=True)
class BindingChange:
    """What the desk did to a handset: bound it to a member, or ended its binding."""

    change_id: int
    member: str
    bound: bool


def member_for(
    handset: str,
    *,
    frozen: Mapping[str, str],
    electors: Set[str],
    since_open: BindingChange | None,
    latest: BindingChange | None,
) -> tuple[str | None, Reason | None]:
    """The member a handset votes for in the open vote, or why it may not.

    ``frozen``: handset -> member as bound when the vote opened. ``since_open``:
    the handset's latest binding change after that (it wins: a swap or a
    return during the vote). ``latest``: its latest change at all, to tell a
    handset whose binding ended from one never bound.
    """
    if since_open is not None:
        if not since_open.bound:
            return None, Reason.BINDING_ENDED
        if since_open.member in electors:
            return since_open.member, None
        return None, Reason.HANDSET_NOT_BOUND
    member = frozen.get(handset)
    if member is not None:
        return member, None
    if latest is not None and not latest.bound:
        return None, Reason.BINDING_ENDED
    return None, Reason.HANDSET_NOT_BOUND


def status_in_open_vote(
    *, keys: Set[int], member: str | None, key: int
) -> tuple[PressStatus, Reason | None]:
    """A new press heard in the open vote, from ``member``'s handset (None: DENY)."""
    if member is None:
        return PressStatus.DENY, None
    if key not in keys:
        return PressStatus.BADKEY, Reason.BAD_KEY
    return PressStatus.OK, None


def repeats(
    *,
    first_vote_id: int | None,
    first_heard: datetime.datetime,
    first_key: int,
    vote_id: int | None,
    heard: datetime.datetime,
    key: int,
) -> bool:
    """Whether a copy (same meeting, handset and seq) repeats a stored press.

    It does in the same vote (PROTOCOL.md), and when heard within
    ``REPEAT_WINDOW`` of it with the same key: a retransmission, even if the
    next vote opened in between. The same seq with another key, or long
    after, is a new press of a handset whose counter started again.
    """
    if first_vote_id is not None and first_vote_id == vote_id:
        return True
    return key == first_key and abs(heard - first_heard) <= REPEAT_WINDOW


def supersedes(
    *,
    new_handset: str,
    new_seq: int,
    new_heard: datetime.datetime,
    counted_handset: str,
    counted_seq: int,
    counted_heard: datetime.datetime,
) -> bool:
    """Whether a new OK press replaces the member's currently counted press.

    On the same handset the sequence number decides, so a retransmission of an
    older press that arrives late through a second receiver does not win.
    From another handset (swapped at the desk) the one heard later wins; at
    the same moment, the one that reached us later.
    """
    if new_handset != counted_handset:
        return new_heard >= counted_heard
    return seq_newer(new_seq, counted_seq)
