"""From a handset's press to the chair's screen stream, in a full hall.

    python -m benchmarks.screen [--database sqlite|postgresql]

Registration, ballot, results and the gateway run as processes
(``alv.stack.Stack``); the simulator (paced at 115200 baud, two receivers)
runs here, and so does an SSE client on ``GET /api/meetings/{m}/stream``, as
a browser would hold it.

Every one of 342 members presses once within a second. For the i-th press to
be ACKed it reports the time until the stream first showed ``voted.members >=
i`` (``ack→screen``; 0 when the screen was already there), and the same from
the moment the handset was pressed (``press→screen``, which includes the radio
line, the gateway and ballot's commit). Then the chair closes the vote and it
reports the time from the close request to the stream showing the outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from alv.stack import Stack
from benchmarks.common import (
    CODE_VARIABLE,
    Figures,
    at_most,
    command_line,
    databases,
    percentile,
    service_stack,
)
from hardware.simulator import SimConfig, Simulator
from tests.support.apps import as_caller
from tests.support.builders import numbered_members_csv
from tests.support.stacks import gateways, seat_everyone

KEYS = {1: 0.6, 2: 0.3, 3: 0.1}


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


@dataclass
class Screen:
    """What the stream showed, and when (``time.monotonic()``)."""

    shown: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow(self, client: httpx.AsyncClient, meeting: str) -> None:
        async with client.stream("GET", f"/api/meetings/{meeting}/stream") as response:
            response.raise_for_status()
            kind, data = "", ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif not line and data:
                    if kind == "current":
                        self.shown.append((time.monotonic(), json.loads(data)))
                        self.changed.set()
                    kind, data = "", ""

    async def until(self, check: Any, within: float = 60.0) -> float:
        """The time the stream first showed something for which ``check`` holds."""
        async with asyncio.timeout(within):
            while True:
                for at, current in self.shown:
                    if check(current):
                        return at
                self.changed.clear()
                await self.changed.wait()


def voted(current: dict[str, Any]) -> int:
    progress = current.get("progress")
    return int(progress["voted"]["members"]) if progress and current["state"] == "open" else -1


async def bench(stack: Stack, *, handsets: int, within: float, show_tally: bool) -> dict[str, Any]:
    config = stack.config
    meeting = config.meeting
    chair = as_caller(config.tokens["chair"])
    await seat_everyone(stack, meeting=meeting, members_csv=numbered_members_csv(handsets))
    sim_config = SimConfig(paced=True, stat_interval=None, seed=342)
    async with (
        Simulator(receivers=2, handsets=handsets, config=sim_config, overlap=0.2) as sim,
        httpx.AsyncClient(base_url=config.url("ballot"), timeout=60) as ballot,
        httpx.AsyncClient(base_url=config.url("results"), timeout=60) as results,
        gateways(stack, [r.port for r in sim.receivers], cwd=os.environ.get(CODE_VARIABLE)),
    ):
        if show_tally:
            shown = await results.put(
                f"/api/chair/meetings/{meeting}/screen", json={"show_tally": True}, headers=chair
            )
            shown.raise_for_status()
        screen = Screen()
        follower = asyncio.create_task(screen.follow(results, meeting))
        try:
            await screen.until(lambda current: current["state"] == "idle")
            created = await ballot.post(
                f"/api/meetings/{meeting}/votes",
                json={"kind": "voorstel", "title": "Voorstel jaarrekening"},
                headers=chair,
            )
            created.raise_for_status()
            vote_id = created.json()["id"]
            (await ballot.post(f"/api/votes/{vote_id}/open", headers=chair)).raise_for_status()
            for receiver in sim.receivers:
                await receiver.wait_for_poll("OPEN", 3, within=30)
            await screen.until(lambda current: voted(current) == 0)
            events_before = len(screen.shown)

            started = time.monotonic()
            presses = await sim.burst(KEYS, within_s=within)
            burst_s = time.monotonic() - started
            acked = sorted(
                (p for p in presses if p.acked and p.time_to_ack is not None),
                key=lambda p: p.pressed_at + (p.time_to_ack or 0.0),
            )
            await screen.until(lambda current: voted(current) >= len(acked))
            # The first time the stream showed at least n members, for every n.
            counts = [(at, voted(current)) for at, current in screen.shown if voted(current) >= 0]
            firsts: list[float] = []
            best = -1
            for at, count in counts:
                while best < count:
                    best += 1
                    firsts.append(at)
            ack_to_screen, press_to_screen = [], []
            for rank, press in enumerate(acked, start=1):
                acked_at = press.pressed_at + (press.time_to_ack or 0.0)
                at = firsts[rank]
                ack_to_screen.append(max(0.0, at - acked_at))
                press_to_screen.append(max(0.0, at - press.pressed_at))
            burst_events = len(screen.shown) - events_before

            close_at = time.monotonic()
            (await ballot.post(f"/api/votes/{vote_id}/close", headers=chair)).raise_for_status()
            closed_request_s = time.monotonic() - close_at
            outcome_at = await screen.until(
                lambda current: (
                    current["state"] == "closed" and current["outcome"]["vote"]["id"] == vote_id
                )
            )
            sentence = screen.shown[-1][1]["outcome"]["decision"]["sentence_2023"]
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
    handset_ack = [p.time_to_ack for p in acked if p.time_to_ack is not None]
    return {
        "handsets": handsets,
        "burst_window_s": within,
        "show_tally": show_tally,
        "acked": len(acked),
        "burst_s": round(burst_s, 3),
        "stream_events_during_burst": burst_events,
        "handset_ack_p50_ms": ms(percentile(handset_ack, 0.5)),
        "handset_ack_p99_ms": ms(percentile(handset_ack, 0.99)),
        "ack_to_screen_p50_ms": ms(percentile(ack_to_screen, 0.5)),
        "ack_to_screen_p99_ms": ms(percentile(ack_to_screen, 0.99)),
        "ack_to_screen_max_ms": ms(max(ack_to_screen)),
        "press_to_screen_p50_ms": ms(percentile(press_to_screen, 0.5)),
        "press_to_screen_p99_ms": ms(percentile(press_to_screen, 0.99)),
        "close_request_ms": ms(closed_request_s),
        "close_to_screen_outcome_ms": ms(outcome_at - close_at),
        "sentence": sentence,
    }


async def run_bench(kind: str, args: argparse.Namespace) -> Figures:
    figures = Figures("screen", kind)
    print(f"screen on {kind}:", flush=True)
    with (
        databases(kind) as db,
        service_stack(db, ("registration", "ballot", "results"), meeting="bench-screen") as stack,
    ):
        try:
            report = await bench(stack, handsets=342, within=1.0, show_tally=False)
        finally:
            stack.stop()
    figures.add(
        "342 in 1 s: press->chair's screen p99",
        report["press_to_screen_p99_ms"],
        "ms",
        goal="<= 250",
        check=at_most(250),
    )
    figures.add("342 in 1 s: press->chair's screen p50", report["press_to_screen_p50_ms"], "ms")
    figures.add("342 in 1 s: ACK->chair's screen p99", report["ack_to_screen_p99_ms"], "ms")
    figures.add("close->outcome on the screen", report["close_to_screen_outcome_ms"], "ms")
    return figures


def main(argv: list[str] | None = None) -> None:
    command_line("screen", run_bench, argv)


if __name__ == "__main__":
    main()
