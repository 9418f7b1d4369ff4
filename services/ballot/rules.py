"""The rules for a press, as pure code (PROTOCOL.md, "Delivery rules").

What status a new press gets, which of two presses of a handset is the later
one when ``seq`` wraps around, and which keys a vote accepts.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

SEQ_MODULUS = 65536
LATE_WINDOW = datetime.timedelta(seconds=10)


class PressStatus(enum.StrEnum):
    OK = "OK"
    NOPOLL = "NOPOLL"
    LATE = "LATE"
    BADKEY = "BADKEY"
    DENY = "DENY"


def seq_newer(a: int, b: int) -> bool:
    """Whether ``a`` was pressed after ``b`` on the same handset.

    Serial-number arithmetic (RFC 1982): ``a`` is newer when it is less than
    half the sequence space ahead of ``b``, so 0 follows 65535. A handset
    cannot press 32,768 times within one vote, so this is never ambiguous in
    practice; exactly half way is treated as not newer.
    """
    distance = (a - b) % SEQ_MODULUS
    return 0 < distance < SEQ_MODULUS // 2


@dataclass(frozen=True)
class OpenVote:
    keys: frozenset[int]


def status_for_new_press(
    *,
    open_vote: OpenVote | None,
    last_closed_at: datetime.datetime | None,
    now: datetime.datetime,
    member: str | None,
    key: int,
) -> PressStatus:
    """The status of a press not seen before (duplicates keep their first status)."""
    if open_vote is None:
        if last_closed_at is not None and now - last_closed_at < LATE_WINDOW:
            return PressStatus.LATE
        return PressStatus.NOPOLL
    if member is None:
        return PressStatus.DENY
    if key not in open_vote.keys:
        return PressStatus.BADKEY
    return PressStatus.OK


def supersedes(
    *,
    new_handset: str,
    new_seq: int,
    counted_handset: str,
    counted_seq: int,
) -> bool:
    """Whether a new OK press replaces the member's currently counted press.

    On the same handset the sequence number decides, so a retransmission of an
    older press that arrives late through a second receiver does not win.
    From another handset (swapped at the desk) the later arrival wins: the
    member's delegate now holds that handset.
    """
    if new_handset != counted_handset:
        return True
    return seq_newer(new_seq, counted_seq)
