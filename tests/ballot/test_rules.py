from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ballot.rules import (
    LATE_WINDOW,
    OpenVote,
    PressStatus,
    seq_newer,
    status_for_new_press,
    supersedes,
)

NOW = datetime.datetime(2023, 12, 1, 10, 0, tzinfo=datetime.UTC)
VOOR_TEGEN = OpenVote(keys=frozenset({1, 2, 3}))


class TestSeqNewer:
    @pytest.mark.parametrize(
        ("a", "b", "newer"),
        [
            (1, 0, True),
            (0, 1, False),
            (0, 65535, True),
            (65535, 0, False),
            (5, 5, False),
            (32767, 0, True),
            (32768, 0, False),
        ],
    )
    def test_wrap_around(self, a: int, b: int, newer: bool) -> None:
        assert seq_newer(a, b) is newer

    @given(st.integers(0, 65535), st.integers(1, 32767))
    def test_next_presses_are_newer_across_the_wrap(self, start: int, steps: int) -> None:
        later = (start + steps) % 65536
        assert seq_newer(later, start)
        assert not seq_newer(start, later)


class TestStatusForNewPress:
    def test_ok(self) -> None:
        status = status_for_new_press(
            open_vote=VOOR_TEGEN, last_closed_at=None, now=NOW, member="GM0363", key=1
        )
        assert status is PressStatus.OK

    def test_unbound_handset_is_denied(self) -> None:
        status = status_for_new_press(
            open_vote=VOOR_TEGEN, last_closed_at=None, now=NOW, member=None, key=1
        )
        assert status is PressStatus.DENY

    def test_key_outside_the_options(self) -> None:
        status = status_for_new_press(
            open_vote=VOOR_TEGEN, last_closed_at=None, now=NOW, member="GM0363", key=4
        )
        assert status is PressStatus.BADKEY

    def test_nothing_open(self) -> None:
        status = status_for_new_press(
            open_vote=None, last_closed_at=None, now=NOW, member="GM0363", key=1
        )
        assert status is PressStatus.NOPOLL

    @pytest.mark.parametrize(
        ("ago", "expected"),
        [
            (datetime.timedelta(0), PressStatus.LATE),
            (LATE_WINDOW - datetime.timedelta(microseconds=1), PressStatus.LATE),
            (LATE_WINDOW, PressStatus.NOPOLL),
        ],
    )
    def test_within_ten_seconds_of_closing_is_late(
        self, ago: datetime.timedelta, expected: PressStatus
    ) -> None:
        status = status_for_new_press(
            open_vote=None, last_closed_at=NOW - ago, now=NOW, member="GM0363", key=1
        )
        assert status is expected


class TestSupersedes:
    def test_same_handset_by_seq_with_wrap(self) -> None:
        assert supersedes(
            new_handset="000001", new_seq=0, counted_handset="000001", counted_seq=65535
        )
        assert not supersedes(
            new_handset="000001", new_seq=7, counted_handset="000001", counted_seq=8
        )

    def test_swapped_handset_wins(self) -> None:
        assert supersedes(
            new_handset="000002", new_seq=1, counted_handset="000001", counted_seq=900
        )
