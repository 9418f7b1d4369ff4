"""The one rule that slows and then locks guessing (services/common/lockout.py)."""

from __future__ import annotations

import datetime

from services.common import lockout

T0 = datetime.datetime(2024, 6, 12, 10, 0, tzinfo=datetime.UTC)
S = datetime.timedelta(seconds=1)


def _wrong(policy: lockout.Policy, times: int) -> lockout.Attempts:
    """``times`` wrong answers, each as soon as it is heard."""
    attempts, now = lockout.NONE, T0
    for _ in range(times):
        now += lockout.wait(policy, attempts, now)
        attempts = lockout.failed(policy, attempts, now)
    return attempts


def test_a_login_is_free_five_times_then_waits_1_2_4_8_s_then_locks_for_15_minutes() -> None:
    policy = lockout.LOGIN
    waits = []
    for times in range(1, 11):
        attempts = _wrong(policy, times)
        assert attempts.last is not None
        waits.append(lockout.wait(policy, attempts, attempts.last))
    assert waits == [0 * S] * 5 + [1 * S, 2 * S, 4 * S, 8 * S, 15 * 60 * S]
    locked = _wrong(policy, 10)
    assert lockout.locks(policy, locked) and not lockout.locks(policy, _wrong(policy, 9))
    assert locked.last is not None
    assert lockout.locked_until(policy, locked) == locked.last + 15 * 60 * S


def test_a_quiet_hour_forgets_and_a_lock_is_never_forgotten_before_it_runs_out() -> None:
    policy = lockout.LOGIN
    slowed = _wrong(policy, 7)
    assert slowed.last is not None
    assert lockout.current(policy, slowed, slowed.last + 59 * 60 * S) == slowed
    assert lockout.current(policy, slowed, slowed.last + 60 * 60 * S) == lockout.NONE
    strict = lockout.Policy(5, S, 10, 2 * 60 * 60 * S, 60 * 60 * S)
    locked = _wrong(strict, 10)
    assert locked.last is not None
    assert lockout.wait(strict, locked, locked.last + 90 * 60 * S) == 30 * 60 * S


def test_the_receipt_check_keeps_its_own_figures() -> None:
    policy = lockout.RECEIPT
    assert [lockout.pause(policy, n) for n in range(1, 6)] == [0 * S, 0 * S, S, 2 * S, 15 * 60 * S]
