"""Benchmark: a change made through one process, seen by the followers of another.

    python -m benchmarks.bench_followers [--rounds 20] [--postgres-url URL]

Not a test: it prints numbers. On fresh PostgreSQL databases (dropped after)
it runs registration, two ballot processes and two results processes with
``alv.stack`` (``results-2`` follows ``ballot-2``). The chair opens and closes
votes through the first ballot process only; four followers report the time
from the chair's request to what they show:

* ``ballot events, same process``: ballot's ``/events`` stream on the process
  that made the change (woken in-process after the commit);
* ``ballot events, other process``: the same on ``ballot-2`` (LISTEN/NOTIFY on
  PostgreSQL; else only its 0.5 s poll);
* ``chair's screen, same process`` and ``... other process``: results'
  ``/stream`` on ``results`` (following ``ballot``) and ``results-2``
  (following ``ballot-2``). Closing includes computing and storing the outcome,
  which both results processes attempt at once: it is stored once.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from alv.stack import SERVICE_PORTS, SERVICES, Stack, StackConfig
from tests.support.accounts import mint_credentials
from tests.support.apps import as_caller
from tests.support.ports import free_port
from tests.support.sse import server_events
from tests.support.stacks import seat_everyone

MEMBERS = "code,name,population\nGM0363,Amsterdam,918117\nGM0088,Schiermonnikoog,932\n"


@dataclass
class Follower:
    """One server-sent event stream and when (``time.monotonic()``) each event came."""

    name: str
    seen: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow(self, client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> None:
        async with client.stream("GET", path, headers=headers) as response:
            response.raise_for_status()
            async for event in server_events(response):
                self.seen.append((time.monotonic(), event.event, event.data))
                self.changed.set()

    async def until(
        self, check: Callable[[str, dict[str, Any]], bool], within: float = 30
    ) -> float:
        async with asyncio.timeout(within):
            while True:
                for at, kind, data in self.seen:
                    if check(kind, data):
                        return at
                self.changed.clear()
                await self.changed.wait()


def event_of(kind: str, vote_id: int) -> Callable[[str, dict[str, Any]], bool]:
    return lambda seen, data: seen == kind and data.get("vote_id") == vote_id


def screen_of(state: str, vote_id: int) -> Callable[[str, dict[str, Any]], bool]:
    def check(seen: str, data: dict[str, Any]) -> bool:
        vote = data.get("vote") or {}
        return seen == "current" and data.get("state") == state and vote.get("id") == vote_id

    return check


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(stack: Stack, rounds: int) -> dict[str, dict[str, float]]:
    config = stack.config
    meeting = config.meeting
    chair = as_caller(config.tokens["chair"])
    auditor = as_caller(config.tokens["auditor"])
    await seat_everyone(stack, meeting=meeting, members_csv=MEMBERS)
    clients = {
        name: httpx.AsyncClient(base_url=config.url(name), timeout=httpx.Timeout(30, read=None))
        for name in ("ballot", "ballot-2", "results", "results-2")
    }
    followers = {
        "ballot events, same process": ("ballot", f"/api/meetings/{meeting}/events", auditor),
        "ballot events, other process": ("ballot-2", f"/api/meetings/{meeting}/events", auditor),
        "chair's screen, same process": ("results", f"/api/meetings/{meeting}/stream", {}),
        "chair's screen, other process": ("results-2", f"/api/meetings/{meeting}/stream", {}),
    }
    watching = {name: Follower(name) for name in followers}
    tasks = [
        asyncio.create_task(watching[name].follow(clients[server], path, headers))
        for name, (server, path, headers) in followers.items()
    ]
    latencies: dict[str, list[float]] = {
        f"{change}: {name}": [] for change in ("open", "close") for name in followers
    }
    ballot = clients["ballot"]
    try:
        for screen in ("chair's screen, same process", "chair's screen, other process"):
            await watching[screen].until(lambda seen, data: seen == "current")
        for number in range(rounds):
            created = await ballot.post(
                f"/api/meetings/{meeting}/votes",
                json={"kind": "voorstel", "title": f"Voorstel {number + 1}"},
                headers=chair,
            )
            created.raise_for_status()
            vote_id = created.json()["id"]
            for change, event, state in (("open", "opened", "open"), ("close", "closed", "closed")):
                started = time.monotonic()
                (
                    await ballot.post(f"/api/votes/{vote_id}/{change}", headers=chair)
                ).raise_for_status()
                for name, follower in watching.items():
                    check = (
                        event_of(event, vote_id) if "events" in name else screen_of(state, vote_id)
                    )
                    latencies[f"{change}: {name}"].append(await follower.until(check) - started)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients.values():
            await client.aclose()
    return {
        name: {
            "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p90_ms": round(percentile(values, 0.9) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
        }
        for name, values in latencies.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="votes opened and closed")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    admin_url = make_url(args.postgres_url)
    run = f"alv_bench_followers_{secrets.token_hex(3)}"
    databases = {service: f"{run}_{service}" for service in SERVICES}
    data_dir = Path(tempfile.mkdtemp(prefix="alv-bench-followers-"))
    config = StackConfig(
        data_dir=data_dir,
        meeting="bench-followers",
        tokens={},
        database_urls={
            service: admin_url.set(database=name).render_as_string(hide_password=False)
            for service, name in databases.items()
        },
        processes={"ballot": 2, "results": 2},
    )
    config.ports = {name: free_port() for part in SERVICE_PORTS for name in config.names(part)}
    config.tokens = mint_credentials(config.registration_database(), services=True)
    stack = Stack(config)
    admin_dsn = admin_url.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        for name in databases.values():
            connection.execute(f'CREATE DATABASE "{name}"')
    try:
        stack.start_services()
        report = asyncio.run(bench(stack, args.rounds))
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            for name in databases.values():
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    width = max(len(name) for name in report)
    print(f"{'':{width}}  {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8}   ({args.rounds} rounds)")
    for name, row in report.items():
        print(f"{name:{width}}  {row['p50_ms']:>8} {row['p90_ms']:>8} {row['max_ms']:>8}")


if __name__ == "__main__":
    main()
