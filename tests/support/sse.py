"""Reading a server-sent event stream (text/event-stream) in tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx


@dataclass(frozen=True)
class ServerEvent:
    id: int
    event: str
    data: dict[str, Any]


async def server_events(response: httpx.Response) -> AsyncIterator[ServerEvent]:
    """The events of a streaming response; comments and ``retry:`` are skipped."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in fields:
                yield ServerEvent(
                    id=int(fields["id"]),
                    event=fields.get("event", "message"),
                    data=json.loads(fields["data"]),
                )
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")


async def take_until(
    events: AsyncIterator[ServerEvent],
    done: Callable[[list[ServerEvent]], bool],
    *,
    within: float = 10.0,
) -> list[ServerEvent]:
    """Events until ``done(events so far)``; fails after ``within`` seconds."""
    taken: list[ServerEvent] = []
    with anyio.fail_after(within):
        async for event in events:
            taken.append(event)
            if done(taken):
                break
    return taken
