"""Slowing down whoever guesses stemkaart codes, like a login.

The receipt check answers a card code with every press of its municipality,
so a guessed code would be a leak. Codes carry an 80-bit tag and cannot be
guessed in practice; still every wrong code costs the caller time, per client
address, by the same rule as a staff login (``services/common/lockout.py``,
figures ``lockout.RECEIPT``: two free, then 1 s and 2 s, the fifth wrong code
in a row locks for 15 minutes; fifteen quiet minutes forget the count, a right
code forgets it at once). While a caller must wait, a code is not even
checked, and the attempt does not count.

Counts live in the process: with several workers each keeps its own, so a
guesser gets a few attempts more per worker, not more speed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Protocol

from services.common import lockout

Clock = Callable[[], datetime.datetime]

MAX_CLIENTS = 10_000  # memory bound: the oldest entries go first


class GuessThrottle(Protocol):
    def wait(self, client: str) -> datetime.timedelta:
        """How long ``client`` must wait before a code is checked (zero: now)."""

    def failed(self, client: str) -> None: ...

    def succeeded(self, client: str) -> None: ...


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class MemoryThrottle:
    """``GuessThrottle`` with the counts in this process's memory."""

    def __init__(self, clock: Clock = _utcnow, policy: lockout.Policy = lockout.RECEIPT) -> None:
        self.clock = clock
        self.policy = policy
        self._clients: dict[str, lockout.Attempts] = {}

    def wait(self, client: str) -> datetime.timedelta:
        attempts = self._clients.get(client, lockout.NONE)
        return lockout.wait(self.policy, attempts, self.clock())

    def failed(self, client: str) -> None:
        attempts = self._clients.pop(client, lockout.NONE)  # re-inserted last: dicts keep order
        self._clients[client] = lockout.failed(self.policy, attempts, self.clock())
        while len(self._clients) > MAX_CLIENTS:
            del self._clients[next(iter(self._clients))]

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)
