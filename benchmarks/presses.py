"""The press path: the real ``alv serve ballot`` process fed presses over HTTP.

    python -m benchmarks.presses [--database sqlite|postgresql] [--quick] [--small] [--opening]

Registration is a stand-in that serves an electorate of any size (member
``M00042`` holds handset ``000042``). Gateways are tasks of this process, each
with one request in flight, sending new presses of their own handsets (every
one answered OK) and sending a tenth of their batches twice, as a second
receiver would. CPU per press is the ballot process's user + system time
(and that of the benchmark's own PostgreSQL cluster) over the run, from /proc,
divided by the new presses stored.

Every figure is steady-state cost: before the first one, the ballot process
runs one short warm-up vote of 1,000 electors (ten batches of 200 and 50
single presses), so that what a process does once (its first requests,
compiling statements, filling its connection pool and caches) is not
charged to the presses measured. Nothing per request is left out: every
measured request still does all its work.

Figures: presses/s and CPU per press for batches of 200 and of 1000; one press
per request; batches of 200 with 10,000 and 100,000 electors against 1,000;
opening a vote; ballot's resident memory; and (SQLite, in-process) SQL
statements and transactions per batch of 200 (PostgreSQL, from
pg_stat_statements: its counts are exact at once, while pg_stat_database's
are flushed by each connection when it has been idle a while, so they mix
in transactions of the run before and miss some of the one measured).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from benchmarks.common import (
    Databases,
    FakeRegistration,
    Figures,
    as_caller,
    at_least,
    at_most,
    command_line,
    databases,
    electorate,
    process_cpu,
    resident_mb,
    service_stack,
)

DUPLICATES = 0.1
# CPU per vote of OpenSlides 3.3, one authenticated vote per HTTP request (issue 10).
OPENSLIDES_MS = 45.0


def stamp(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def batch_body(presses: list[tuple[str, int, int]], receiver: str) -> dict[str, Any]:
    """A batch as the gateway sends it: heard a few ms before it is sent."""
    now = datetime.datetime.now(datetime.UTC)
    heard = stamp(now - datetime.timedelta(milliseconds=5))
    return {
        "sent_at": stamp(now),
        "presses": [
            {
                "receiver": receiver,
                "handset": handset,
                "seq": seq,
                "key": key,
                "rssi": -60,
                "battery": 80,
                "received_at": heard,
            }
            for handset, seq, key in presses
        ],
    }


@dataclass
class Run:
    presses: int
    seconds: float
    ballot_cpu: float
    database_cpu: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.presses / self.seconds

    @property
    def cpu_ms(self) -> float:
        return (self.ballot_cpu + self.database_cpu) * 1000 / self.presses


class Meeting:
    """One meeting of the benchmark with its electorate and an open vote."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str], size: int) -> None:
        self.client = client
        self.tokens = tokens
        self.code = f"bench-{secrets.token_hex(3)}"
        self.handsets = [member["handset"] for member in electorate(size)]
        self.seq = 0
        self.open_seconds = 0.0
        # Batches answered 503 (e.g. SQLite's lock wait timed out) and sent again.
        self.refused = 0

    async def open_vote(self) -> int:
        chair = as_caller(self.tokens["chair"])
        created = await self.client.post(
            f"/api/meetings/{self.code}/votes",
            json={"kind": "voorstel", "title": "Benchmark"},
            headers=chair,
        )
        created.raise_for_status()
        vote_id = int(created.json()["id"])
        started = time.perf_counter()
        opened = await self.client.post(f"/api/votes/{vote_id}/open", headers=chair)
        self.open_seconds = time.perf_counter() - started
        opened.raise_for_status()
        return vote_id

    async def gateway(
        self,
        number: int,
        handsets: list[str],
        batch: int,
        rounds: int,
        latencies: list[float],
        duplicates: float,
    ) -> int:
        chance = random.Random(number)
        headers = as_caller(self.tokens["gateway"])
        path = f"/api/meetings/{self.code}/presses"
        stored = 0
        for round_ in range(rounds):
            order = list(handsets)
            chance.shuffle(order)
            for start in range(0, len(order), batch):
                presses = [
                    (h, self.seq + round_, chance.randint(1, 3))
                    for h in order[start : start + batch]
                ]
                copies = 2 if chance.random() < duplicates else 1
                while copies:
                    began = time.perf_counter()
                    response = await self.client.post(
                        path, json=batch_body(presses, f"R{number:02d}"), headers=headers
                    )
                    latencies.append(time.perf_counter() - began)
                    if response.status_code == 503:
                        # As the gateway does: the same batch again.
                        self.refused += 1
                        continue
                    response.raise_for_status()
                    copies -= 1
                    statuses = {r["status"] for r in response.json()["results"]}
                    assert statuses == {"OK"}, statuses
                stored += len(presses)
        return stored


async def measure(
    meeting: Meeting,
    stack: Any,
    db: Databases,
    *,
    presses: int,
    batch: int,
    gateways: int,
    duplicates: float = DUPLICATES,
) -> Run:
    """``presses`` new presses from ``gateways`` gateways in batches of ``batch``."""
    distinct = min(presses, len(meeting.handsets))
    rounds = max(1, presses // distinct)
    chosen = meeting.handsets[:distinct]
    share = [chosen[n::gateways] for n in range(gateways)]
    latencies: list[float] = []
    ballot_before, db_before = process_cpu(stack, "ballot"), db.cpu_seconds()
    started = time.perf_counter()
    stored = await asyncio.gather(
        *(
            meeting.gateway(n, share[n], batch, rounds, latencies, duplicates)
            for n in range(gateways)
        )
    )
    seconds = time.perf_counter() - started
    meeting.seq += rounds
    return Run(
        sum(stored),
        seconds,
        process_cpu(stack, "ballot") - ballot_before,
        db.cpu_seconds() - db_before,
        latencies,
    )


async def statements_per_batch(meeting: Meeting, stack: Any, db: Databases) -> tuple[float, float]:
    """(SQL statements, transactions) per batch of 200 new presses, on PostgreSQL,
    from pg_stat_statements over 20 batches in a row; a transaction is a
    COMMIT or ROLLBACK (the ballot's sessions never autocommit)."""
    assert db.cluster is not None
    batches = 20
    database = stack.config.database_urls["ballot"].rsplit("/", 1)[1]
    with psycopg.connect(db.cluster.url(), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

        def counts() -> tuple[int, int]:
            found = connection.execute(
                "SELECT coalesce(sum(calls), 0),"
                " coalesce(sum(calls) FILTER (WHERE upper(query) IN ('COMMIT', 'ROLLBACK')), 0)"
                " FROM pg_stat_statements s"
                " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s",
                (database,),
            ).fetchone()
            assert found is not None
            return int(found[0]), int(found[1])

        calls_before, ends_before = counts()
        await measure(
            meeting, stack, db, presses=batches * 200, batch=200, gateways=1, duplicates=0
        )
        calls_after, ends_after = counts()
    return (calls_after - calls_before) / batches, (ends_after - ends_before) / batches


def opening(figures: Figures, meeting: Meeting, size: int) -> None:
    figures.add(
        f"opening a vote, {size:,} electors",
        meeting.open_seconds,
        "s",
        goal="<= 1" if size == 100_000 else "",
        check=at_most(1.0) if size == 100_000 else None,
    )


async def run_bench(kind: str, args: argparse.Namespace) -> Figures:
    figures = Figures("presses", kind)
    print(f"presses on {kind}:", flush=True)
    scale = 0.2 if args.quick else 1.0
    registration = FakeRegistration()
    settings = {"shared_preload_libraries": "pg_stat_statements"} if kind == "postgresql" else {}
    with databases(kind, **settings) as db:
        async with registration.serving():
            with service_stack(db, ("ballot",), registration_port=registration.port) as stack:
                registration.vouch(stack.config.tokens)
                tokens = stack.config.tokens
                limits = httpx.Limits(max_connections=16)
                async with httpx.AsyncClient(
                    base_url=stack.config.url("ballot"), timeout=600, limits=limits
                ) as client:

                    async def meeting_of(size: int) -> Meeting:
                        meeting = Meeting(client, tokens, size)
                        registration.seat(meeting.code, electorate(size))
                        await meeting.open_vote()
                        return meeting

                    if args.opening:
                        await meeting_of(20)  # what a process does once, on first use
                        for size in (10_000, 100_000):
                            cpu = process_cpu(stack, "ballot") + db.cpu_seconds()
                            meeting = await meeting_of(size)
                            cpu = process_cpu(stack, "ballot") + db.cpu_seconds() - cpu
                            opening(figures, meeting, size)
                            figures.add(
                                "  creating and opening it: CPU (ballot + database)", cpu, "s"
                            )
                        return figures
                    warm = await meeting_of(1_000)  # see the module's docstring
                    await measure(warm, stack, db, presses=2_000, batch=200, gateways=4)
                    await measure(warm, stack, db, presses=50, batch=1, gateways=1)
                    small = await meeting_of(1_000)
                    run = await measure(
                        small, stack, db, presses=int(20_000 * scale), batch=200, gateways=4
                    )
                    figures.add(
                        "batches of 200: stored presses/s",
                        run.rate,
                        "presses/s",
                        goal=">= 10,000" if kind == "postgresql" else ">= 5,000",
                        check=at_least(10_000 if kind == "postgresql" else 5_000),
                    )
                    figures.add(
                        "batches of 200: CPU per press (ballot + database)",
                        run.cpu_ms,
                        "ms",
                        goal="<= 0.1",
                        check=at_most(0.1),
                    )
                    figures.add(
                        "  of which the database", run.database_cpu * 1000 / run.presses, "ms"
                    )
                    rate_1000 = run.rate
                    if kind == "postgresql" and not args.small:
                        statements, transactions = await statements_per_batch(small, stack, db)
                        figures.add(
                            "batch of 200: SQL statements (incl. BEGIN/COMMIT)", statements, ""
                        )
                        figures.add("batch of 200: transactions", transactions, "")

                    if not args.small:
                        big_batches = await meeting_of(4_000)
                        run = await measure(
                            big_batches,
                            stack,
                            db,
                            presses=int(20_000 * scale),
                            batch=1000,
                            gateways=4,
                        )
                        figures.add("batches of 1000: stored presses/s", run.rate, "presses/s")
                        figures.add("batches of 1000: CPU per press", run.cpu_ms, "ms")

                    run = await measure(
                        small, stack, db, presses=int(1_000 * scale), batch=1, gateways=1
                    )
                    figures.add(
                        "one press per request: CPU per press",
                        run.cpu_ms,
                        "ms",
                        goal="<= 3",
                        check=at_most(3.0),
                    )
                    figures.add(
                        "one press per request: OpenSlides 3.3 CPU per vote / ours",
                        OPENSLIDES_MS / run.cpu_ms,
                        "x",
                        goal=">= 10",
                        check=at_least(10),
                        note="OpenSlides 3.3: ~45 ms CPU per vote, like for like",
                    )
                    figures.add("one press per request: presses/s", run.rate, "presses/s")
                    if args.small:
                        return figures

                    for size in (10_000, 100_000):
                        meeting = await meeting_of(size)
                        opening(figures, meeting, size)
                        run = await measure(
                            meeting, stack, db, presses=int(10_000 * scale), batch=200, gateways=4
                        )
                        figures.add(
                            f"batches of 200, {size:,} electors: presses/s",
                            run.rate,
                            "presses/s",
                            goal=f">= {0.8 * rate_1000:,.0f} (80%)",
                            check=at_least(0.8 * rate_1000),
                        )
                        figures.add(
                            f"batches of 200, {size:,} electors: CPU per press", run.cpu_ms, "ms"
                        )
                        figures.add(
                            f"batches of 200, {size:,} electors: batches refused 503",
                            meeting.refused,
                            "batches",
                            goal="0",
                            check=at_most(0),
                        )
                    rss, peak = resident_mb(stack.processes["ballot"].pid)
                    figures.add(
                        "ballot resident memory (peak), 100,000 electors",
                        peak,
                        "MB",
                        goal="<= 300",
                        check=at_most(300),
                        note=f"now {rss:.0f} MB",
                    )
    return figures


def main(argv: list[str] | None = None) -> None:
    command_line(
        "presses",
        run_bench,
        argv,
        quick={"action": "store_true", "help": "a fifth of the presses"},
        small={
            "action": "store_true",
            "help": "only the figures of 1,000 electors: batches of 200 and one press"
            " per request (for comparing a change to the request path)",
        },
        opening={
            "action": "store_true",
            "help": "only open votes of 10,000 and 100,000 electors (on a database"
            " that has stored no presses yet, unlike in the full run)",
        },
    )


if __name__ == "__main__":
    main()
