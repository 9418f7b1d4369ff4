"""The pure press rules: every bound on both sides."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ballot.rules import (
    CLOCK_TOLERANCE,
    LATE_WINDOW,
    MAX_HELD,
    REPEAT_WINDOW,
    BindingChange,
    Placement,
    PressStatus,
    Reason,
    VoteSpan,
    heard_at,
    member_for,
    place,
    place_batch,
    repeats,
    seq_newer,
    status_in_open_vote,
    supersedes,
)

NOW = datetime.datetime(2023, 12, 1, 10, 0, tzinfo=datetime.UTC)
S = datetime.timedelta(seconds=1)
US = datetime.timedelta(microseconds=1)
HOUR = datetime.timedelta(hours=1)


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


class TestHeardAt:
    def test_the_hold_is_placed_on_our_clock(self) -> None:
        sent = NOW + HOUR  # the gateway's clock is an hour ahead: it cancels
        assert heard_at(arrived=NOW, sent_at=sent, received_at=sent - 5 * S) == NOW - 5 * S

    @pytest.mark.parametrize(
        ("after_sent", "expected"),
        [
            (datetime.timedelta(0), NOW),
            (CLOCK_TOLERANCE, NOW),  # rounding: placed at arrival, never in the future
            (CLOCK_TOLERANCE + US, Reason.HEARD_AFTER_SENT),
            (HOUR, Reason.HEARD_AFTER_SENT),
        ],
    )
    def test_heard_after_it_was_sent(
        self, after_sent: datetime.timedelta, expected: object
    ) -> None:
        assert heard_at(arrived=NOW, sent_at=NOW, received_at=NOW + after_sent) == expected

    @pytest.mark.parametrize(
        ("held", "expected"),
        [(MAX_HELD, NOW - MAX_HELD), (MAX_HELD + US, Reason.HELD_TOO_LONG)],
    )
    def test_held_at_most_a_day(self, held: datetime.timedelta, expected: object) -> None:
        assert heard_at(arrived=NOW, sent_at=NOW, received_at=NOW - held) == expected

    @given(
        st.datetimes(
            min_value=datetime.datetime(1, 1, 2),
            max_value=datetime.datetime(9999, 12, 30),
            timezones=st.just(datetime.UTC),
        ),
        st.datetimes(
            min_value=datetime.datetime(1, 1, 2),
            max_value=datetime.datetime(9999, 12, 30),
            timezones=st.just(datetime.UTC),
        ),
    )
    def test_any_two_times_give_a_time_or_a_reason(
        self, sent: datetime.datetime, received: datetime.datetime
    ) -> None:
        result = heard_at(arrived=NOW, sent_at=sent, received_at=received)
        assert isinstance(result, Reason) or NOW - MAX_HELD <= result <= NOW


# Vote 1 was open 9:00-9:10, vote 2 9:20-9:30, vote 3 opened at 9:40.
AT = datetime.datetime(2023, 12, 1, 9, 0, tzinfo=datetime.UTC)
MIN = datetime.timedelta(minutes=1)
ONE = VoteSpan(1, AT, AT + 10 * MIN)
TWO = VoteSpan(2, AT + 20 * MIN, AT + 30 * MIN)
THREE = VoteSpan(3, AT + 40 * MIN, None)


class TestPlace:
    @pytest.mark.parametrize(
        ("heard", "expected"),
        [
            (AT + 40 * MIN, Placement(3, None, None)),
            (AT + 50 * MIN, Placement(3, None, None)),
            (AT + 40 * MIN - US, Placement(None, PressStatus.NOPOLL, Reason.HEARD_BEFORE_OPEN)),
            (AT + 25 * MIN, Placement(2, PressStatus.LATE, Reason.ARRIVED_AFTER_CLOSE)),
            (AT + 20 * MIN, Placement(2, PressStatus.LATE, Reason.ARRIVED_AFTER_CLOSE)),
            (AT + 30 * MIN - US, Placement(2, PressStatus.LATE, Reason.ARRIVED_AFTER_CLOSE)),
            (AT + 30 * MIN, Placement(2, PressStatus.LATE, Reason.AFTER_CLOSE)),
            (AT + 30 * MIN + LATE_WINDOW - US, Placement(2, PressStatus.LATE, Reason.AFTER_CLOSE)),
            (
                AT + 30 * MIN + LATE_WINDOW,
                Placement(None, PressStatus.NOPOLL, Reason.HEARD_BEFORE_OPEN),
            ),
            (AT + 5 * MIN, Placement(1, PressStatus.LATE, Reason.ARRIVED_AFTER_CLOSE)),
            (AT + 10 * MIN + S, Placement(1, PressStatus.LATE, Reason.AFTER_CLOSE)),
            (AT - S, Placement(None, PressStatus.NOPOLL, Reason.HEARD_BEFORE_OPEN)),
        ],
    )
    def test_the_vote_open_when_it_was_heard(
        self, heard: datetime.datetime, expected: Placement
    ) -> None:
        assert place(heard, [ONE, TWO, THREE]) == expected

    def test_a_batch_is_placed_as_each_of_its_presses(self) -> None:
        heard = [AT + 40 * MIN, AT + 25 * MIN, AT + 40 * MIN - US, AT - S, AT + 50 * MIN]
        for spans in ([ONE, TWO, THREE], [ONE, TWO], []):
            expected = [place(moment, spans) for moment in heard]
            assert place_batch([*heard, Reason.HELD_TOO_LONG], spans) == [
                *expected,
                Placement(None, PressStatus.NOPOLL, Reason.HELD_TOO_LONG),
            ]

    def test_nothing_open(self) -> None:
        assert place(AT + 35 * MIN, [ONE, TWO]) == Placement(
            None, PressStatus.NOPOLL, Reason.NO_VOTE_OPEN
        )
        assert place(AT, []) == Placement(None, PressStatus.NOPOLL, Reason.NO_VOTE_OPEN)

    def test_late_after_a_close_even_when_the_next_vote_opened_within_ten_seconds(
        self,
    ) -> None:
        quick = VoteSpan(3, TWO.closed_at + 2 * S, None)  # type: ignore[operator]
        assert place(TWO.closed_at + S, [ONE, TWO, quick]) == Placement(  # type: ignore[operator]
            2, PressStatus.LATE, Reason.AFTER_CLOSE
        )
        assert place(quick.opened_at, [ONE, TWO, quick]) == Placement(3, None, None)


FROZEN = {"000001": "GM0001", "000002": "GM0002"}
ELECTORS = {"GM0001", "GM0002", "GM0003"}


class TestMemberFor:
    def member(
        self,
        handset: str,
        since_open: BindingChange | None = None,
        latest: BindingChange | None = None,
    ) -> tuple[str | None, Reason | None]:
        return member_for(
            handset, frozen=FROZEN, electors=ELECTORS, since_open=since_open, latest=latest
        )

    def test_bound_at_the_open(self) -> None:
        assert self.member("000001") == ("GM0001", None)

    def test_swapped_out_during_the_vote(self) -> None:
        ended = BindingChange(9, "GM0001", bound=False)
        assert self.member("000001", since_open=ended) == (None, Reason.BINDING_ENDED)

    def test_swapped_in_during_the_vote(self) -> None:
        bound = BindingChange(10, "GM0001", bound=True)
        assert self.member("000009", since_open=bound) == ("GM0001", None)

    def test_bound_during_the_vote_to_a_member_who_came_after_the_open(self) -> None:
        bound = BindingChange(10, "GM0004", bound=True)
        assert self.member("000004", since_open=bound) == (None, Reason.HANDSET_NOT_BOUND)

    def test_given_back_and_handed_to_another_member_of_the_electorate(self) -> None:
        again = BindingChange(11, "GM0002", bound=True)
        assert self.member("000001", since_open=again) == ("GM0002", None)

    def test_ended_before_this_vote(self) -> None:
        ended = BindingChange(3, "GM0005", bound=False)
        assert self.member("000005", latest=ended) == (None, Reason.BINDING_ENDED)

    def test_never_bound(self) -> None:
        assert self.member("999999") == (None, Reason.HANDSET_NOT_BOUND)


class TestStatusInOpenVote:
    def test_ok(self) -> None:
        assert status_in_open_vote(keys={1, 2, 3}, member="GM0363", key=1) == (
            PressStatus.OK,
            None,
        )

    def test_unbound_handset_is_denied(self) -> None:
        status, _ = status_in_open_vote(keys={1, 2, 3}, member=None, key=1)
        assert status is PressStatus.DENY

    def test_key_outside_the_options(self) -> None:
        assert status_in_open_vote(keys={1, 2, 3}, member="GM0363", key=4) == (
            PressStatus.BADKEY,
            Reason.BAD_KEY,
        )


class TestRepeats:
    def repeats(self, *, vote_id: int | None, apart: datetime.timedelta, key: int = 1) -> bool:
        return repeats(
            first_vote_id=4,
            first_heard=NOW,
            first_key=1,
            vote_id=vote_id,
            heard=NOW + apart,
            key=key,
        )

    def test_in_the_same_vote_whatever_the_time_or_key(self) -> None:
        assert self.repeats(vote_id=4, apart=HOUR, key=2)

    @pytest.mark.parametrize(
        ("apart", "expected"),
        [(REPEAT_WINDOW, True), (REPEAT_WINDOW + US, False), (-REPEAT_WINDOW, True)],
    )
    def test_across_votes_within_the_window(
        self, apart: datetime.timedelta, expected: bool
    ) -> None:
        assert self.repeats(vote_id=5, apart=apart) is expected
        assert self.repeats(vote_id=None, apart=apart) is expected

    def test_another_key_is_a_new_press(self) -> None:
        assert not self.repeats(vote_id=5, apart=S, key=2)

    def test_two_nopoll_copies(self) -> None:
        assert repeats(
            first_vote_id=None, first_heard=NOW, first_key=1, vote_id=None, heard=NOW, key=1
        )


class TestSupersedes:
    def test_same_handset_by_seq_with_wrap(self) -> None:
        assert supersedes(
            new_handset="000001",
            new_seq=0,
            new_heard=NOW - HOUR,
            counted_handset="000001",
            counted_seq=65535,
            counted_heard=NOW,
        )
        assert not supersedes(
            new_handset="000001",
            new_seq=7,
            new_heard=NOW + HOUR,
            counted_handset="000001",
            counted_seq=8,
            counted_heard=NOW,
        )

    @pytest.mark.parametrize(
        ("new_heard", "wins"), [(NOW + US, True), (NOW, True), (NOW - US, False)]
    )
    def test_another_handset_by_when_it_was_heard(
        self, new_heard: datetime.datetime, wins: bool
    ) -> None:
        assert (
            supersedes(
                new_handset="000002",
                new_seq=1,
                new_heard=new_heard,
                counted_handset="000001",
                counted_seq=900,
                counted_heard=NOW,
            )
            is wins
        )
