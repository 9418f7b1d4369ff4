"""Benchmark: stored presses per second from several gateways at once.

    python -m services.ballot.bench_presses                       # SQLite, temp file
    python -m services.ballot.bench_presses --database-url postgresql://...

The ballot app runs under uvicorn on a free local port in this process; the
registration service is replaced by a fixed electorate (``httpx.MockTransport``).
Each simulated gateway owns its handsets and, per round, sends every one of
them one press, shuffled, in batches of a random size; a share of the batches
is sent twice (a second receiver heard them too). A press is counted as
stored when its batch is answered. Reported: new presses stored per second,
all presses answered per second, and the batch latency (p50, p99, max).

Not a test: numbers depend on the machine. A PostgreSQL database given with
``--database-url`` is migrated and written to (a fresh meeting code per run);
use a scratch database.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from services.ballot.app import create_app
from services.ballot.config import BallotSettings
from services.common.auth import generate_tokens
from services.common.settings import TokenSettings


def _handset(gateway: int, index: int) -> str:
    return f"{gateway * 1000 + index:06d}"


def _registration(meeting: str, gateways: int, handsets: int) -> httpx.MockTransport:
    members = [
        {
            "code": f"GM{gateway * 1000 + index:04d}",
            "name": f"Gemeente {gateway}-{index}",
            "weight": 1 + index % 75,
            "handset": _handset(gateway, index),
        }
        for gateway in range(gateways)
        for index in range(handsets)
    ]
    body = {"meeting": meeting, "members": members}
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


def _press(handset: str, seq: int, key: int, receiver: str) -> dict[str, Any]:
    return {
        "receiver": receiver,
        "handset": handset,
        "seq": seq,
        "key": key,
        "rssi": -60,
        "battery": 80,
        "received_at": "2023-12-01T10:00:00Z",
    }


class Gateway:
    def __init__(self, number: int, args: argparse.Namespace, path: str, token: str) -> None:
        self.number = number
        self.args = args
        self.path = path
        self.headers = {"Authorization": f"Bearer {token}"}
        self.chance = random.Random(number)
        self.latencies: list[float] = []
        self.stored = 0
        self.answered = 0

    async def run(self, client: httpx.AsyncClient) -> None:
        args = self.args
        handsets = [_handset(self.number, i) for i in range(args.handsets)]
        for round_ in range(args.rounds):
            self.chance.shuffle(handsets)
            start = 0
            while start < len(handsets):
                size = self.chance.randint(args.min_batch, args.max_batch)
                chunk = handsets[start : start + size]
                start += size
                batch = [
                    _press(h, round_ + 1, self.chance.randint(1, 3), f"R{self.number:02d}")
                    for h in chunk
                ]
                await self._send(client, batch)
                self.stored += len(batch)
                if self.chance.random() < args.duplicates:
                    await self._send(client, batch)

    async def _send(self, client: httpx.AsyncClient, batch: list[dict[str, Any]]) -> None:
        started = time.perf_counter()
        response = await client.post(self.path, json={"presses": batch}, headers=self.headers)
        self.latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        self.answered += len(batch)


def _server(settings: BallotSettings, transport: httpx.MockTransport) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(settings, registration_transport=transport),
        host="127.0.0.1",
        port=settings.port,
        log_level="warning",
        lifespan="on",
    )
    return uvicorn.Server(config)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def bench(args: argparse.Namespace, database_url: str) -> dict[str, float]:
    values = generate_tokens()
    meeting = f"bench-{secrets.token_hex(4)}"
    settings = BallotSettings(
        database_url=database_url, tokens=TokenSettings.model_validate(values), port=_free_port()
    )
    server = _server(settings, _registration(meeting, args.gateways, args.handsets))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.02)
    chair = {"Authorization": f"Bearer {values['chair']}"}
    limits = httpx.Limits(max_connections=args.gateways * 2)
    base = f"http://127.0.0.1:{settings.port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            created = await client.post(
                f"/api/meetings/{meeting}/votes",
                json={"kind": "voorstel", "title": "Bench"},
                headers=chair,
            )
            vote_id = created.json()["id"]
            (await client.post(f"/api/votes/{vote_id}/open", headers=chair)).raise_for_status()
            path = f"/api/meetings/{meeting}/presses"
            gateways = [Gateway(n, args, path, values["gateway"]) for n in range(args.gateways)]
            started = time.perf_counter()
            await asyncio.gather(*(gateway.run(client) for gateway in gateways))
            elapsed = time.perf_counter() - started
            progress = (await client.get(f"/api/votes/{vote_id}/progress")).json()
    finally:
        server.should_exit = True
        await serving
    assert progress["voted_members"] == args.gateways * args.handsets, progress
    latencies = sorted(lat for gateway in gateways for lat in gateway.latencies)
    return {
        "seconds": elapsed,
        "stored": sum(g.stored for g in gateways),
        "answered": sum(g.answered for g in gateways),
        "batches": len(latencies),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--gateways", type=int, default=4)
    parser.add_argument("--handsets", type=int, default=342, help="per gateway")
    parser.add_argument("--rounds", type=int, default=3, help="presses per handset")
    parser.add_argument("--min-batch", type=int, default=50)
    parser.add_argument("--max-batch", type=int, default=200)
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of batches sent twice")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'ballot.db'}"
        result = asyncio.run(bench(args, url))
    backend = url.split(":", 1)[0]
    print(
        f"{backend}: {args.gateways} gateways x {args.handsets} handsets x {args.rounds} rounds,"
        f" batches of {args.min_batch}-{args.max_batch}, {args.duplicates:.0%} sent twice\n"
        f"  {result['stored']:.0f} presses stored in {result['seconds']:.2f} s:"
        f" {result['stored'] / result['seconds']:.0f} stored presses/s"
        f" ({result['answered'] / result['seconds']:.0f} answered presses/s incl. duplicates)\n"
        f"  {result['batches']:.0f} batches: p50 {result['p50_ms']:.1f} ms,"
        f" p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
