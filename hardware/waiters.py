"""Wait for a condition over plain state, without polling and without sleeps.

The owner of the state calls ``notify()`` whenever it changes; each waiter's
predicate is re-checked then. All on one event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Waiters:
    def __init__(self) -> None:
        self._waiting: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    async def wait_for(self, predicate: Callable[[], bool], within: float) -> None:
        """Return once ``predicate()`` holds; TimeoutError after ``within`` seconds."""
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiting.append(entry)
        try:
            await asyncio.wait_for(future, within)
        finally:
            self._waiting.remove(entry)

    def notify(self) -> None:
        for predicate, future in self._waiting:
            if not future.done() and predicate():
                future.set_result(None)
