"""Slowing down whoever guesses stemkaart codes, like a login.

The receipt check answers a card code with every press of its municipality,
so a guessed code would be a leak. Codes carry an 80-bit tag and cannot be
guessed in practice; still every wrong code costs the caller time, per
client address:

    wrong codes in a row   next attempt
    1, 2                   at once
    3                      after 1 s
    4                      after 2 s
    5                      locked for 15 minutes

Fifteen quiet minutes forget the count; a right code forgets it at once.
While a caller must wait, a code is not even checked, and the attempt does
not count.

``GuessThrottle`` is the interface the receipt check uses. The policy is
written to match the lockout of staff logins (issue 13 asked for "slowed like
a login"); once that pure module is on main, ``MemoryThrottle`` keeps its
memory and asks that module instead of ``_pause``. Counts live in the
process: with several workers each keeps its own, so a guesser gets a few
attempts more per worker, not more speed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], datetime.datetime]

FREE_FAILURES = 2
FIRST_DELAY = datetime.timedelta(seconds=1)
LOCK_AFTER = 5
LOCK_FOR = datetime.timedelta(minutes=15)
FORGET_AFTER = datetime.timedelta(minutes=15)
MAX_CLIENTS = 10_000  # memory bound: the oldest entries go first


class GuessThrottle(Protocol):
    def wait(self, client: str) -> datetime.timedelta:
        """How long ``client`` must wait before a code is checked (zero: now)."""

    def failed(self, client: str) -> None: ...

    def succeeded(self, client: str) -> None: ...


@dataclass
class _Attempts:
    failures: int
    last: datetime.datetime


def _pause(failures: int) -> datetime.timedelta:
    if failures >= LOCK_AFTER:
        return LOCK_FOR
    if failures <= FREE_FAILURES:
        return datetime.timedelta(0)
    return FIRST_DELAY * 2 ** (failures - FREE_FAILURES - 1)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class MemoryThrottle:
    """``GuessThrottle`` with the counts in this process's memory."""

    def __init__(self, clock: Clock = _utcnow) -> None:
        self.clock = clock
        self._clients: dict[str, _Attempts] = {}

    def _current(self, client: str, now: datetime.datetime) -> _Attempts | None:
        attempts = self._clients.get(client)
        if attempts is not None and now - attempts.last >= FORGET_AFTER:
            del self._clients[client]
            return None
        return attempts

    def wait(self, client: str) -> datetime.timedelta:
        now = self.clock()
        attempts = self._current(client, now)
        if attempts is None:
            return datetime.timedelta(0)
        return max(datetime.timedelta(0), attempts.last + _pause(attempts.failures) - now)

    def failed(self, client: str) -> None:
        now = self.clock()
        attempts = self._current(client, now)
        failures = attempts.failures + 1 if attempts else 1
        self._clients.pop(client, None)  # re-inserted last: dicts keep insertion order
        self._clients[client] = _Attempts(failures, now)
        while len(self._clients) > MAX_CLIENTS:
            del self._clients[next(iter(self._clients))]

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)
