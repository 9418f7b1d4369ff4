"""Benchmark: from a handset's press to the chair's screen stream, in a full hall.

    python -m services.results.bench_screen [--handsets 342] [--within 3.0] [--show-tally]

Not a test: it prints numbers. Registration, ballot, results and the gateway
run as processes (``alv.stack.Stack``) on SQLite in a temporary directory; the
simulator (paced at 115200 baud, two receivers) runs here, and so does an SSE
client on ``GET /api/meetings/{m}/stream``, as a browser would hold it.

Every member presses once within ``--within`` seconds. For the i-th press to
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
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from alv.stack import Stack, StackConfig
from hardware.simulator import SimConfig, Simulator
from services.common.auth import generate_tokens

KEYS = {1: 0.6, 2: 0.3, 3: 0.1}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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


def members_csv(count: int) -> str:
    rows = [f"GM{n:04d},Gemeente {n},{1_000 + (n * 7_919) % 900_000}" for n in range(1, count + 1)]
    return "code,name,population\n" + "\n".join(rows) + "\n"


async def seat(stack: Stack, meeting: str, handsets: int) -> None:
    tokens = stack.config.tokens
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    desk = {"Authorization": f"Bearer {tokens['desk']}"}
    async with httpx.AsyncClient(base_url=stack.config.url("registration"), timeout=60) as reg:
        created = await reg.post(
            "/api/meetings",
            json={"code": meeting, "name": "ALV benchmark", "date": "2023-12-01"},
            headers=admin,
        )
        created.raise_for_status()
        imported = await reg.post(
            f"/api/meetings/{meeting}/members/import",
            content=members_csv(handsets).encode(),
            headers={**admin, "Content-Type": "text/csv"},
        )
        imported.raise_for_status()
        cards = await reg.post(f"/api/meetings/{meeting}/cards", headers=admin)
        cards.raise_for_status()
        codes = {card["member"]: card["code"] for card in cards.json()}
        for n in range(1, handsets + 1):
            registered = await reg.post(
                f"/api/meetings/{meeting}/registrations",
                json={"card_code": codes[f"GM{n:04d}"], "handset": f"{n:06d}"},
                headers=desk,
            )
            registered.raise_for_status()


async def bench(stack: Stack, *, handsets: int, within: float, show_tally: bool) -> dict[str, Any]:
    config = stack.config
    meeting = config.meeting
    chair = {"Authorization": f"Bearer {config.tokens['chair']}"}
    await seat(stack, meeting, handsets)
    sim_config = SimConfig(paced=True, stat_interval=None, seed=342)
    async with (
        Simulator(receivers=2, handsets=handsets, config=sim_config, overlap=0.2) as sim,
        httpx.AsyncClient(base_url=config.url("ballot"), timeout=60) as ballot,
        httpx.AsyncClient(base_url=config.url("results"), timeout=60) as results,
    ):
        config.serial_ports = [receiver.port for receiver in sim.receivers]
        await asyncio.to_thread(stack.start_hardware)
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
            await asyncio.to_thread(stack.stop, "gateway")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handsets", type=int, default=342)
    parser.add_argument("--within", type=float, default=3.0, help="burst window, seconds")
    parser.add_argument("--show-tally", action="store_true", help="running tally on screen")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="alv-bench-screen-"))
    config = StackConfig(
        data_dir=data_dir,
        meeting="bench-screen",
        tokens=generate_tokens(),
        ports={part: free_port() for part in ("registration", "ballot", "results", "gateway")},
    )
    stack = Stack(config)
    try:
        stack.start_services()
        report = asyncio.run(
            bench(stack, handsets=args.handsets, within=args.within, show_tally=args.show_tally)
        )
    finally:
        stack.stop()
        if args.keep:
            print(f"data and logs in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
