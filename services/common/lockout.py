"""Slowing down and then locking out whoever guesses: pure rules, no I/O.

One rule for every secret a person types: a staff login (registration's
``accounts.py``, counts kept on the account) and a stemkaart code at the
receipt check (results' ``throttle.py``, counts kept in memory per client).
Each use states its figures as a ``Policy``:

    LOGIN (per login name)             RECEIPT (per client address)
    wrong in a row   next attempt      wrong in a row   next attempt
    1-5              at once           1-2              at once
    6                after 1 s         3                after 1 s
    7, 8, 9          2, 4, 8 s         4                after 2 s
    10               locked 15 min     5                locked 15 min

A quiet ``forget_after`` forgets the count; a right answer forgets it at once.
While a caller must wait, nothing is checked and the attempt does not count.
"""

from __future__ import annotations

import dataclasses
import datetime


@dataclasses.dataclass(frozen=True)
class Policy:
    free_failures: int
    first_delay: datetime.timedelta
    lock_after: int
    lock_for: datetime.timedelta
    forget_after: datetime.timedelta


LOGIN = Policy(
    free_failures=5,
    first_delay=datetime.timedelta(seconds=1),
    lock_after=10,
    lock_for=datetime.timedelta(minutes=15),
    forget_after=datetime.timedelta(hours=1),
)
RECEIPT = Policy(
    free_failures=2,
    first_delay=datetime.timedelta(seconds=1),
    lock_after=5,
    lock_for=datetime.timedelta(minutes=15),
    forget_after=datetime.timedelta(minutes=15),
)


@dataclasses.dataclass(frozen=True)
class Attempts:
    """Wrong answers in a row, and when the last one came (None: none yet)."""

    failures: int = 0
    last: datetime.datetime | None = None


NONE = Attempts()


def pause(policy: Policy, failures: int) -> datetime.timedelta:
    """How long after the last wrong answer the next one is heard."""
    if failures >= policy.lock_after:
        return policy.lock_for
    if failures <= policy.free_failures:
        return datetime.timedelta(0)
    return policy.first_delay * 2 ** (failures - policy.free_failures - 1)


def current(policy: Policy, attempts: Attempts, now: datetime.datetime) -> Attempts:
    """The count as it stands now: forgotten after a quiet ``forget_after``
    (and never before a lock has run out)."""
    if attempts.last is None:
        return NONE
    quiet = max(policy.forget_after, pause(policy, attempts.failures))
    return NONE if now - attempts.last >= quiet else attempts


def wait(policy: Policy, attempts: Attempts, now: datetime.datetime) -> datetime.timedelta:
    """How long the caller must wait before an answer is checked (zero: now)."""
    attempts = current(policy, attempts, now)
    if attempts.last is None:
        return datetime.timedelta(0)
    return max(datetime.timedelta(0), attempts.last + pause(policy, attempts.failures) - now)


def failed(policy: Policy, attempts: Attempts, now: datetime.datetime) -> Attempts:
    """The count after one more wrong answer."""
    return Attempts(current(policy, attempts, now).failures + 1, now)


def locks(policy: Policy, attempts: Attempts) -> bool:
    """Whether this count locks (for the audit entry): the ``lock_after``-th
    wrong answer, and each one right after a lock ran out."""
    return attempts.failures >= policy.lock_after


def locked_until(policy: Policy, attempts: Attempts) -> datetime.datetime | None:
    if attempts.last is None or attempts.failures < policy.lock_after:
        return None
    return attempts.last + policy.lock_for
