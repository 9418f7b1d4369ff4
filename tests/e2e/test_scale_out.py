"""Scale-out on PostgreSQL: two of every process keep the record one of each keeps.

The same small meeting is held twice, through every real part: once by one
process of each service and one gateway, once by two ballot processes, two
results processes and two gateways on the same PostgreSQL databases, every
service process started at once on empty databases (their start-up migrations
queue on the advisory lock). In the second run the chair acts through each
ballot process in turn, each gateway serves one of the two simulated
receivers, and a third of the handsets is heard by both receivers, so their
presses reach both gateways and both ballot processes at once. A chair's
screen follows each results process, so every outcome is computed by both at
the same moment.

The record (electorates, every press, the counted ones), the outcomes and the
chain must equal the single run's, apart from the moments and the radio
details (which receiver heard a press first): each outcome stored once, the
chain whole (``verify`` recomputes every hash), and both results processes
publishing the same chain.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from alv.stack import Stack
from hardware.simulator import SimConfig, Simulator
from tests.support.apps import as_caller
from tests.support.databases import DatabaseFactory
from tests.support.sse import ServerEvent, server_events
from tests.support.stacks import running_stack, seat_everyone
from verify.check import check_export

pytestmark = [pytest.mark.anyio, pytest.mark.db, pytest.mark.e2e]

MEETING = "alv-schaal"
WITHIN = 30.0  # generous: two cores shared with other test runs
MEMBERS = 9
# Per vote: its title, the presses in rounds (a later round is a member changing
# their vote), and the reason it is annulled after closing, if it is.
VOTES: list[tuple[str, list[dict[int, int]], str | None]] = [
    ("Voorstel jaarrekening", [{1: 1, 2: 1, 3: 2, 4: 1, 5: 3, 6: 1, 7: 2, 8: 1, 9: 1}], None),
    ("Voorstel begroting", [{1: 2, 2: 2, 3: 1, 5: 1, 6: 2, 8: 3}, {3: 2, 6: 1}], None),
    ("Motie vreemd aan de orde", [{2: 1, 4: 2, 7: 1, 9: 1}], "stemkastjes verwisseld"),
]
# What differs between two runs of one meeting without making it another record.
MOMENTS = {"at", "created_at", "opened_at", "closed_at", "annulled_at", "stored_at"}
MOMENTS |= {"received_at", "heard_at", "exported_at", "server_time"}
HASHES = {"hash", "previous_hash", "inputs_hash", "outcome_hash", "head"}
RADIO = {"receiver", "rssi", "battery"}


def handset(number: int) -> str:
    return f"{number:06d}"


def members_csv() -> str:
    rows = [f"GM{n:04d},Gemeente {n},{n * 9_731}" for n in range(1, MEMBERS + 1)]
    return "code,name,population\n" + "\n".join(rows) + "\n"


def without(value: Any, keys: set[str]) -> Any:
    """``value`` with every dictionary entry named in ``keys`` left out, at any depth."""
    if isinstance(value, dict):
        return {k: without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without(v, keys) for v in value]
    return value


@dataclass
class Screens:
    """A chair's screen (``/stream``) on every results process."""

    shown: dict[str, list[ServerEvent]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow(self, client: httpx.AsyncClient, name: str) -> None:
        shown = self.shown.setdefault(name, [])
        async with client.stream("GET", f"/api/meetings/{MEETING}/stream") as response:
            assert response.status_code == 200
            async for event in server_events(response):
                shown.append(event)
                self.changed.set()

    async def until_all(self, check: Callable[[dict[str, Any]], bool]) -> None:
        """Until the latest screen of every results process passes ``check``."""
        with anyio.fail_after(WITHIN):
            while not all(
                shown and shown[-1].event == "current" and check(shown[-1].data)
                for shown in self.shown.values()
            ):
                self.changed.clear()
                await self.changed.wait()


@asynccontextmanager
async def screens_of(stack: Stack) -> AsyncIterator[Screens]:
    screens = Screens()
    names = stack.config.names("results")
    async with anyio.create_task_group() as group:
        clients = [
            httpx.AsyncClient(base_url=stack.config.url(name), timeout=httpx.Timeout(10, read=None))
            for name in names
        ]
        for client, name in zip(clients, names, strict=True):
            group.start_soon(screens.follow, client, name)
        await screens.until_all(lambda current: current["state"] == "idle")
        yield screens
        group.cancel_scope.cancel()
    for client in clients:
        await client.aclose()


async def heard_by_gateways(stack: Stack) -> dict[str, set[str]]:
    """Per gateway, the handsets whose presses it forwarded (its diagnostics)."""
    heard = {}
    for name in stack.config.names("gateway"):
        async with httpx.AsyncClient(base_url=stack.config.url(name), timeout=WITHIN) as gateway:
            response = await gateway.get("/api/handsets")
        assert response.status_code == 200, response.text
        heard[name] = {h["handset"] for h in response.json() if h["presses"]}
    return heard


async def hold_meeting(stack: Stack) -> dict[str, set[str]]:
    """The meeting of ``VOTES``; the chair acts through each ballot process in turn.

    Returns what ``heard_by_gateways`` says at the end."""
    config = stack.config
    config.meeting = MEETING
    chair = as_caller(config.tokens["chair"])
    ballots = [
        httpx.AsyncClient(base_url=config.url(name), timeout=WITHIN)
        for name in config.names("ballot")
    ]
    acting = itertools.cycle(ballots)

    async def act(path: str, **body: Any) -> dict[str, Any]:
        response = await next(acting).post(path, json=body or None, headers=chair)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    await seat_everyone(stack, meeting=MEETING, members_csv=members_csv())
    sim_config = SimConfig(paced=True, stat_interval=None, seed=11)
    async with (
        Simulator(receivers=2, handsets=MEMBERS, config=sim_config, overlap=1 / 3) as sim,
        screens_of(stack) as screens,
    ):
        config.serial_ports = [receiver.port for receiver in sim.receivers]
        await anyio.to_thread.run_sync(stack.start_hardware)
        for title, rounds, annulled in VOTES:
            vote = await act(f"/api/meetings/{MEETING}/votes", kind="voorstel", title=title)
            await act(f"/api/votes/{vote['id']}/open")
            for receiver in sim.receivers:
                await receiver.wait_for_poll("OPEN", 3, within=WITHIN)
            for presses in rounds:
                acked = await asyncio.gather(
                    *(sim.press(handset(number), key) for number, key in presses.items())
                )
                assert [(p.acked, p.status) for p in acked] == [(True, "OK")] * len(presses)
            await act(f"/api/votes/{vote['id']}/close")
            state = "closed"
            if annulled:
                await act(f"/api/votes/{vote['id']}/annul", reason=annulled)
                state = "annulled"
            await screens.until_all(
                lambda current, vote_id=vote["id"], state=state: (
                    current["state"] == state and current["vote"]["id"] == vote_id
                )
            )
        heard = await heard_by_gateways(stack)
        await anyio.to_thread.run_sync(stack.stop, "gateway")
    problems = [e for shown in screens.shown.values() for e in shown if e.event != "current"]
    assert problems == []
    for ballot in ballots:
        await ballot.aclose()
    return heard


async def exports(stack: Stack) -> dict[str, dict[str, Any]]:
    """The auditors' export of the meeting from every results process, asked at once."""
    auditor = as_caller(stack.config.tokens["auditor"])
    names = stack.config.names("results")

    async def export(name: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=stack.config.url(name), timeout=WITHIN) as client:
            response = await client.get(
                f"/api/audit/meetings/{MEETING}/export.json", headers=auditor
            )
        assert response.status_code == 200, response.text
        return dict(response.json())

    return dict(zip(names, await asyncio.gather(*map(export, names)), strict=True))


async def presses(stack: Stack, vote_ids: list[int]) -> list[list[dict[str, Any]]]:
    """Every press ballot stored, per vote, in a stable order."""
    auditor = as_caller(stack.config.tokens["auditor"])
    stored = []
    async with httpx.AsyncClient(base_url=stack.config.url("ballot"), timeout=WITHIN) as ballot:
        for vote_id in vote_ids:
            response = await ballot.get(f"/api/votes/{vote_id}/presses", headers=auditor)
            assert response.status_code == 200, response.text
            stored.append(sorted(response.json(), key=lambda p: (p["handset"], p["seq"])))
    return stored


@dataclass
class Run:
    heard: dict[str, set[str]]
    exports: dict[str, dict[str, Any]]
    presses: list[list[dict[str, Any]]]
    logs: dict[str, str]


async def held_by(stack: Stack) -> Run:
    heard = await hold_meeting(stack)
    documents = await exports(stack)
    vote_ids = [vote["vote_id"] for vote in documents["results"]["votes"]]
    logs = {log.stem: log.read_text() for log in stack.log_dir.glob("*.log")}
    return Run(heard, documents, await presses(stack, vote_ids), logs)


async def meeting_held(
    tmp_path: Path,
    token_values: dict[str, str],
    database_factory: DatabaseFactory,
    *,
    name: str,
    processes: dict[str, int] | None = None,
) -> Run:
    with running_stack(
        name=name,
        data_dir=tmp_path / name,
        database_factory=database_factory,
        processes=processes,
    ) as stack:
        return await held_by(stack)


async def test_two_of_every_process_keep_the_record_of_one_of_each(
    tmp_path: Path, token_values: dict[str, str], database_factory: DatabaseFactory
) -> None:
    if not database_factory.is_postgres:
        pytest.skip("scale-out is on PostgreSQL (make test-postgres)")
    single = await meeting_held(tmp_path, token_values, database_factory, name="single")
    scaled = await meeting_held(
        tmp_path,
        token_values,
        database_factory,
        name="scaled",
        processes={"ballot": 2, "results": 2, "gateway": 2},
    )

    assert sorted(scaled.logs) == [
        "ballot",
        "ballot-2",
        "gateway",
        "gateway-2",
        "registration",
        "results",
        "results-2",
    ]
    for name, log in scaled.logs.items():
        assert "Traceback" not in log and '" 500' not in log, f"{name}:\n{log}"
    # The handsets both receivers hear reached both gateways, so both ballot processes.
    shared = {handset(number) for number in range(1, MEMBERS // 3 + 1)}
    assert scaled.heard["gateway"] & scaled.heard["gateway-2"] == shared

    # Both results processes publish one chain: each outcome stored once.
    exported = scaled.exports["results"]
    assert without(scaled.exports["results-2"], {"exported_at"}) == without(
        exported, {"exported_at"}
    )
    # The chain is whole: every hash recomputed from the raw data, every link followed.
    report = check_export(exported)
    assert (report.ok, len(report.verdicts), report.chain_problems) == (True, len(VOTES), [])
    assert [v["outcome"]["vote"]["title"] for v in exported["votes"]] == [t for t, *_ in VOTES]

    # The same record as one of each.
    ignored = MOMENTS | HASHES | RADIO
    assert without(exported, ignored) == without(single.exports["results"], ignored)
    # A press's id is its place in the order of arrival.
    assert without(scaled.presses, ignored | {"id"}) == without(single.presses, ignored | {"id"})
    counted = [sum(1 for p in vote if p["counted"]) for vote in scaled.presses]
    assert counted == [9, 6, 4]
