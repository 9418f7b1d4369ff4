"""What every benchmark shares: figures and their goals, databases of their own,
service processes, CPU and memory from /proc, a stand-in registration service.

CPU is read from /proc (user + system time of the service's process, and of
the benchmark's own PostgreSQL cluster), so a machine busy with other work
slows a run down but does not decide whether a CPU goal is met.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from alv.stack import SERVICE_PORTS, Stack, StackConfig
from tests.support.accounts import MACHINES, PEOPLE, mint_credentials
from tests.support.apps import as_caller
from tests.support.pgcluster import PostgresCluster, postgres_cluster, process_cpu_seconds
from tests.support.ports import free_port

DATABASES = ("sqlite", "postgresql")
# A checkout whose services the benchmarks start instead of this one's (the
# "before" of a change); the benchmark itself and its simulator stay this one's.
CODE_VARIABLE = "ALV_BENCH_CODE"


@dataclass
class Figure:
    """One measured figure, beside its goal."""

    bench: str
    name: str
    database: str
    value: float | None
    unit: str
    goal: str = ""
    # True/False against the goal; None when the figure has no goal.
    ok: bool | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


__all__ = ["as_caller"]  # the benchmarks send their credentials with it


def at_most(limit: float) -> Callable[[float | None], bool]:
    return lambda value: value is not None and value <= limit


def at_least(limit: float) -> Callable[[float | None], bool]:
    return lambda value: value is not None and value >= limit


@dataclass
class Figures:
    """What one benchmark measured on one database."""

    bench: str
    database: str
    items: list[Figure] = field(default_factory=list)

    def add(
        self,
        name: str,
        value: float | None,
        unit: str,
        *,
        goal: str = "",
        check: Callable[[float | None], bool] | None = None,
        note: str = "",
    ) -> None:
        ok = check(value) if check is not None else None
        self.items.append(Figure(self.bench, name, self.database, value, unit, goal, ok, note))
        shown = "-" if value is None else f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
        verdict = {True: "ok", False: "MISSED", None: ""}[ok]
        print(f"  {name:<52} {shown:>10} {unit:<10} {goal:<14} {verdict}", flush=True)


def command_line(
    bench: str,
    run: Callable[[str, argparse.Namespace], Coroutine[Any, Any, Figures]],
    argv: list[str] | None = None,
    **options: dict[str, Any],
) -> None:
    """``python -m benchmarks.<bench> [--database ...] [--json FILE] [options]``:
    ``run(database, args)`` per database; with ``--json`` the figures are
    also written for ``python -m benchmarks``."""
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.{bench}")
    parser.add_argument("--database", choices=DATABASES, action="append")
    parser.add_argument("--json", help="also write the figures to this file")
    for flag, settings in options.items():
        parser.add_argument(f"--{flag}", **settings)
    args = parser.parse_args(argv)
    figures = [asyncio.run(run(kind, args)) for kind in args.database or DATABASES]
    if args.json:
        Path(args.json).write_text(json.dumps([f.as_json() for fs in figures for f in fs.items]))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def resident_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


class Databases:
    """Fresh databases on SQLite (files in a temp dir) or on a PostgreSQL
    cluster of the benchmark's own, whose CPU time is then known exactly."""

    def __init__(self, kind: str, directory: Path, cluster: PostgresCluster | None) -> None:
        self.kind = kind
        self.directory = directory
        self.cluster = cluster
        self._count = 0

    def create(self, name: str) -> str:
        self._count += 1
        if self.cluster is None:
            return f"sqlite:///{self.directory / f'{name}-{self._count}.db'}"
        return self.cluster.create_database(f"{name}_{self._count}")

    def cpu_seconds(self) -> float:
        """CPU of the database server so far (0 on SQLite: it runs in the service)."""
        return self.cluster.cpu_seconds() if self.cluster is not None else 0.0


@contextlib.contextmanager
def databases(kind: str, **postgres_settings: str) -> Iterator[Databases]:
    directory = Path(tempfile.mkdtemp(prefix="alv-bench-"))
    try:
        if kind == "postgresql":
            with postgres_cluster(**postgres_settings) as cluster:
                yield Databases(kind, directory, cluster)
        else:
            yield Databases(kind, directory, None)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def service_stack(
    db: Databases,
    parts: tuple[str, ...],
    *,
    registration_port: int | None = None,
    meeting: str = "bench",
) -> Iterator[Stack]:
    """``parts`` as real ``alv serve`` processes on free ports and fresh databases.

    ``registration_port``: ballot asks a stand-in registration there instead.
    """
    ports = {part: free_port() for part in SERVICE_PORTS}
    if registration_port is not None:
        ports["registration"] = registration_port
    config = StackConfig(
        data_dir=db.directory / f"stack-{free_port()}",
        meeting=meeting,
        tokens={},
        ports=ports,
        database_urls={part: db.create(part) for part in ("registration", "ballot", "results")}
        if db.kind == "postgresql"
        else {},
    )
    # Sessions of the people roles and the machine tokens, in its registration database.
    config.tokens = mint_credentials(config.registration_database(), services=True)
    stack = Stack(config)
    code = os.environ.get(CODE_VARIABLE)
    try:
        # The processes run the code of another checkout when asked (``--code``):
        # ``python -m alv`` imports from its working directory first.
        with contextlib.chdir(code or os.getcwd()):
            stack.start_services(parts=parts, timeout=120)
        yield stack
    finally:
        stack.stop()


def process_cpu(stack: Stack, part: str) -> float:
    return process_cpu_seconds(stack.processes[part].pid)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl-C belongs to the benchmark."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class FakeRegistration:
    """The registration service's electorate and binding changes, as ballot asks
    for them, for electorates of any size without seating anyone at a desk."""

    def __init__(self) -> None:
        self.electorates: dict[str, bytes] = {}
        # Who each credential is, as registration's introspection says (vouch).
        self.principals: dict[str, dict[str, Any]] = {}
        self.port = free_port()
        app = FastAPI()

        @app.post("/api/auth/introspect")
        async def introspect(request: Request) -> Response:
            asked = await request.json()
            found = self.principals.get(asked.get("session") or asked.get("token") or "")
            return JSONResponse({"active": found is not None, "principal": found})

        @app.get("/api/meetings/{meeting}/electorate")
        async def electorate(meeting: str) -> Response:
            body = self.electorates.get(meeting)
            if body is None:
                return JSONResponse({"code": "meeting_not_found", "detail": "-"}, 404)
            return Response(body, media_type="application/json")

        @app.get("/api/meetings/{meeting}/binding-changes")
        async def changes(meeting: str, request: Request) -> Response:
            return JSONResponse({"meeting": meeting, "changes": []})

        self.app = app

    def vouch(self, credentials: dict[str, str]) -> None:
        """Answer for a stack's credentials (tests.support.accounts.mint_credentials)
        as registration would: people by their role, machines by theirs."""
        for name, credential in credentials.items():
            person = name in PEOPLE
            role = name if person or name in MACHINES else "service"
            kind = "person" if person else "machine"
            self.principals[credential] = {"kind": kind, "name": name, "roles": [role]}

    def seat(self, meeting: str, members: list[dict[str, Any]]) -> None:
        self.electorates[meeting] = json.dumps({"meeting": meeting, "members": members}).encode()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[FakeRegistration]:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        server = _EmbeddedServer(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        try:
            yield self
        finally:
            server.should_exit = True
            await task


def electorate(size: int) -> list[dict[str, Any]]:
    """``size`` members; member ``M00042`` holds handset ``000042``."""
    return [
        {
            "code": f"M{i:05d}",
            "name": f"Lid {i}",
            "weight": 1 + (i * 37) % 75,
            "handset": f"{i:06d}",
        }
        for i in range(size)
    ]
