"""Faults as the hall meets them, through every real part.

Registration and ballot run as processes (``alv.stack``), the gateway is a
process on pseudo-terminals, the simulated receivers and handsets run here.
Each test presses, breaks something across a state change, and states what
it proves: acknowledged presses lost, presses counted in the wrong vote,
double counts (all 0).

* the gateway cut off from ballot across a vote change (ballot itself
  restarted meanwhile): presses heard in vote A are held and delivered
  after A closed and B opened;
* PostgreSQL restarted mid-burst (a cluster of the test's own);
* a gateway whose wall clock is an hour off;
* two gateways hearing the same presses;
* a handset swapped at the desk, then the old one pressing.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest

from alv.stack import SERVICE_PORTS, Stack, StackConfig
from hardware.simulator import PressResult, SimConfig, Simulator
from tests.conftest import unique_meeting_code
from tests.support.accounts import mint_credentials
from tests.support.apps import as_caller
from tests.support.builders import numbered_members_csv
from tests.support.pgcluster import postgres_bin, postgres_cluster
from tests.support.ports import free_port
from tests.support.proxy import tcp_line
from tests.support.sse import server_events
from tests.support.stacks import gateways as stack_gateways
from tests.support.stacks import seat_everyone

pytestmark = [pytest.mark.anyio, pytest.mark.db, pytest.mark.e2e]

SEATS = 100  # GM0001 holds 000001 ... GM0100 holds 000100
KEYS = {1: 0.5, 2: 0.3, 3: 0.2}
# Generous: two cores shared with other test runs.
WITHIN = 60.0
Ident = tuple[str, int]


class Ballot:
    """The chair's and the auditors' side of ballot, over HTTP."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient, meeting: str) -> None:
        tokens = stack.config.tokens
        self.client, self.meeting = client, meeting
        self.chair, self.auditor = as_caller(tokens["chair"]), as_caller(tokens["auditor"])

    async def open(self, title: str) -> int:
        created = await self.client.post(
            f"/api/meetings/{self.meeting}/votes",
            json={"kind": "voorstel", "title": title},
            headers=self.chair,
        )
        assert created.status_code == 201, created.text
        vote_id = int(created.json()["id"])
        opened = await self.client.post(f"/api/votes/{vote_id}/open", headers=self.chair)
        assert opened.status_code == 200, opened.text
        return vote_id

    async def close(self, vote_id: int) -> None:
        closed = await self.client.post(f"/api/votes/{vote_id}/close", headers=self.chair)
        assert closed.status_code == 200, closed.text

    async def get(self, path: str) -> Any:
        response = await self.client.get(path, headers=self.auditor)
        assert response.status_code == 200, response.text
        return response.json()

    async def wait_stored(self, vote_id: int, idents: set[Ident]) -> None:
        """Until ballot's event stream has announced these presses for the vote."""
        seen: set[Ident] = set()
        with anyio.fail_after(WITHIN):
            async with self.client.stream(
                "GET", f"/api/meetings/{self.meeting}/events", headers=self.auditor
            ) as response:
                async for event in server_events(response):
                    if event.event == "presses" and event.data["vote_id"] == vote_id:
                        seen |= {(p["handset"], p["seq"]) for p in event.data["presses"]}
                        if idents <= seen:
                            return


@dataclass
class Verdict:
    lost: int
    wrong_vote: int
    double: int

    def show(self, name: str) -> None:
        print(
            f"\n{name}: acknowledged presses lost {self.lost},"
            f" presses counted in the wrong vote {self.wrong_vote},"
            f" double counts {self.double}"
        )


async def judge(ballot: Ballot, pressed: dict[int, list[PressResult]]) -> Verdict:
    """``pressed``: per vote, the presses made while it was open."""
    lost = wrong = double = 0
    for vote_id, presses in pressed.items():
        made = {(r.handset, r.seq) for r in presses}
        stored = await ballot.get(f"/api/votes/{vote_id}/presses")
        counted = (await ballot.get(f"/api/votes/{vote_id}/record"))["counted"]
        ok = {(p["handset"], p["seq"]) for p in stored if p["status"] == "OK"}
        lost += sum((r.handset, r.seq) not in ok for r in presses if r.status == "OK")
        wrong += sum((c["handset"], c["seq"]) not in made for c in counted)
        wrong += len(ok - made)
        rows = Counter((p["handset"], p["seq"]) for p in stored if p["vote_id"] == vote_id)
        double += sum(n - 1 for n in rows.values() if n > 1)
        double += sum(n - 1 for n in Counter(c["member"] for c in counted).values() if n > 1)
    return Verdict(lost, wrong, double)


_SEQ_BASES = itertools.count(start=1_000, step=1_000)


def simulator(*, receivers: int = 2, overlap: float = 0.2, seed: int) -> Simulator:
    """The seated hall's handsets, counting on from a seq no other test used."""
    sim = Simulator(
        receivers=receivers,
        handsets=SEATS,
        config=SimConfig(paced=True, stat_interval=None, seed=seed),
        overlap=overlap,
    )
    base = next(_SEQ_BASES)
    for handset in sim.handsets.values():
        handset.seq = base
    return sim


@asynccontextmanager
async def gateways(
    stack: Stack, sim: Simulator, *, count: int = 1, **env: str
) -> AsyncIterator[list[Stack]]:
    """``count`` gateway processes for the meeting, the receivers shared out;
    once every receiver heard the vote state."""
    ports = [r.port for r in sim.receivers]
    async with stack_gateways(stack, ports, count=count, env=env) as started:
        for receiver in sim.receivers:
            await receiver.wait_for_poll("CLOSED", 0, within=WITHIN)
        yield started


@asynccontextmanager
async def hall(stack: Stack) -> AsyncIterator[Ballot]:
    meeting = unique_meeting_code()
    stack.config.meeting = meeting
    await seat_everyone(stack, meeting=meeting, members_csv=numbered_members_csv(SEATS))
    async with httpx.AsyncClient(base_url=stack.config.url("ballot"), timeout=WITHIN) as client:
        yield Ballot(stack, client, meeting)


async def opened(ballot: Ballot, sim: Simulator, title: str) -> int:
    vote_id = await ballot.open(title)
    for receiver in sim.receivers:
        await receiver.wait_for_poll("OPEN", 3, within=WITHIN)
    return vote_id


async def burst_with(sim: Simulator, fault: Callable[[], Awaitable[None]]) -> list[PressResult]:
    """Every handset presses once within 4 s; ``fault`` strikes once 20 are
    acknowledged. The presses once the burst is over (acknowledged or given up)."""
    results: list[PressResult] = []

    async def burst() -> None:
        results.extend(await sim.burst(KEYS, within_s=4.0))

    async with anyio.create_task_group() as group:
        group.start_soon(burst)
        await sim.receivers[0].wait_for(
            lambda: sum(r.acked for r in sim.results) >= 20, within=WITHIN
        )
        await fault()
    return results


async def test_presses_held_across_a_vote_change_count_in_their_own_vote(stack: Stack) -> None:
    sim = simulator(seed=4)
    ballot_port = stack.config.ports["ballot"]
    async with (
        hall(stack) as ballot,
        sim,
        tcp_line("127.0.0.1", ballot_port) as line,
        gateways(stack, sim, GATEWAY_BALLOT_URL=line.url),
    ):
        first = await opened(ballot, sim, "Voorstel A")

        async def fault() -> None:
            await line.cut()  # the gateway cannot reach ballot from now on
            # ... and ballot itself goes down and comes back meanwhile.
            await anyio.to_thread.run_sync(stack.stop, "ballot")
            await anyio.to_thread.run_sync(stack.restart, "ballot", "serve", "ballot")

        results = await burst_with(sim, fault)
        acked_before_cut = [r for r in results if r.acked]
        held = [r for r in results if not r.acked]
        assert held, "every press was acknowledged before the cut"
        # The vote changes while the gateway still holds what it heard in A.
        await ballot.close(first)
        second = await ballot.open("Voorstel B")
        line.mend()
        await ballot.wait_stored(first, {(r.handset, r.seq) for r in results})
        for receiver in sim.receivers:
            await receiver.wait_for_poll("OPEN", 3, within=WITHIN)
        later = await sim.burst(KEYS, within_s=2.0)
        statuses = {
            (p["handset"], p["seq"]): p for p in await ballot.get(f"/api/votes/{first}/presses")
        }
        verdict = await judge(ballot, {first: results, second: later})
    late = [r for r in held if statuses[(r.handset, r.seq)]["status"] == "LATE"]
    verdict.show("ballot away across a vote change")
    print(f"  held by the gateway across the change and stored LATE for vote A: {len(late)}")
    # Not acknowledged: stored just before the cut (its answer lost) or LATE.
    assert late
    assert {statuses[(r.handset, r.seq)]["status"] for r in held} <= {"OK", "LATE"}
    assert {statuses[(r.handset, r.seq)]["reason"] for r in late} == {"arrived_after_close"}
    assert {r.status for r in acked_before_cut} == {"OK"}
    assert {r.status for r in later} == {"OK"}
    assert verdict == Verdict(0, 0, 0)


async def test_a_gateway_clock_an_hour_off_places_every_press_right(stack: Stack) -> None:
    async def clock_offsets(ballot: Ballot) -> float:
        """Ballot's count of batches from a gateway clock far from its own."""
        metrics = (await ballot.client.get("/metrics")).text
        name = "ballot_gateway_clock_offsets_total"
        return sum(
            float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(name)
        )

    # One seated hall for both gateways: each holds a vote of its own in it.
    async with hall(stack) as ballot:
        for skew in (3600, -3600):
            sim = simulator(seed=5, receivers=1)
            async with sim, gateways(stack, sim, GATEWAY_CLOCK_SKEW_S=str(skew)):
                vote_id = await opened(ballot, sim, f"Voorstel klok {skew:+d}")
                before = await clock_offsets(ballot)
                results = await sim.burst(KEYS, within_s=2.0)
                after = await clock_offsets(ballot)
                await ballot.close(vote_id)
                verdict = await judge(ballot, {vote_id: results})
            verdict.show(f"gateway clock {skew:+d} s")
            assert {r.status for r in results} == {"OK"}
            # Noticed (logged and counted, by this gateway's batches), never used.
            assert after > before
            assert verdict == Verdict(0, 0, 0)


async def test_two_gateways_hearing_the_same_presses(stack: Stack) -> None:
    sim = simulator(seed=6, overlap=1.0)  # every handset heard by both receivers
    async with hall(stack) as ballot, sim, gateways(stack, sim, count=2):
        vote_id = await opened(ballot, sim, "Voorstel twee gateways")
        results = await sim.burst(KEYS, within_s=2.0)
        await ballot.wait_stored(vote_id, {(r.handset, r.seq) for r in results})
        await ballot.close(vote_id)
        verdict = await judge(ballot, {vote_id: results})
        received = [r.stats.acks for r in sim.receivers]
    verdict.show("two gateways")
    assert {r.status for r in results} == {"OK"}
    assert all(acks >= 1 for acks in received)  # both gateways answered
    assert verdict == Verdict(0, 0, 0)


async def test_a_swapped_out_handset_is_denied_then_and_later(stack: Stack) -> None:
    sim = simulator(seed=7, receivers=1)
    async with hall(stack) as ballot, sim, gateways(stack, sim):
        swapped_in = f"{900_000 + SEATS:06d}"
        sim.handsets[swapped_in] = dataclasses.replace(sim.handsets["000001"], id=swapped_in)
        old = "000001"
        vote_id = await opened(ballot, sim, "Voorstel omwisselen")
        first = await sim.press(old, 1)
        async with httpx.AsyncClient(
            base_url=stack.config.url("registration"), timeout=WITHIN
        ) as registration:
            response = await registration.post(
                f"/api/meetings/{ballot.meeting}/registrations/GM0001/swap",
                json={"handset": swapped_in},
                headers=as_caller(stack.config.tokens["desk"]),
            )
            assert response.status_code == 200, response.text
        new = await sim.press(swapped_in, 2)
        again = await sim.press(old, 1)
        await ballot.close(vote_id)
        later_vote = await opened(ballot, sim, "Voorstel daarna")
        later_old = await sim.press(old, 3)
        later_new = await sim.press(swapped_in, 3)
        await ballot.close(later_vote)
        counted = (await ballot.get(f"/api/votes/{vote_id}/record"))["counted"]
        listing = await ballot.get(f"/api/votes/{vote_id}/presses")
        verdict = await judge(
            ballot, {vote_id: [first, new, again], later_vote: [later_old, later_new]}
        )
    verdict.show("swap, then the old handset")
    assert [first.status, new.status, again.status] == ["OK", "OK", "DENY"]
    assert [later_old.status, later_new.status] == ["DENY", "OK"]
    assert [(c["member"], c["handset"], c["key"]) for c in counted] == [("GM0001", swapped_in, 2)]
    refused = [p for p in listing if (p["handset"], p["seq"]) == (old, again.seq)]
    assert [(p["status"], p["reason"]) for p in refused] == [("DENY", "binding_ended")]
    assert verdict == Verdict(0, 0, 0)


@pytest.fixture(scope="module")
def postgres_stack(
    tmp_path_factory: pytest.TempPathFactory, token_values: dict[str, str]
) -> Iterator[tuple[Stack, Any]]:
    """Registration and ballot on a PostgreSQL cluster of this test's own."""
    if not os.environ.get("ALV_TEST_POSTGRES_URL"):
        pytest.skip("PostgreSQL runs only (make test-postgres)")
    if postgres_bin() is None:
        pytest.skip("no PostgreSQL server binaries to run a cluster of our own")
    with postgres_cluster() as cluster:
        database_urls = {
            part: cluster.create_database(f"alv_{part}")
            for part in ("registration", "ballot", "results")
        }
        config = StackConfig(
            data_dir=tmp_path_factory.mktemp("pgfault"),
            meeting=unique_meeting_code(),
            tokens=mint_credentials(database_urls["registration"], services=True),
            ports={part: free_port() for part in SERVICE_PORTS},
            database_urls=database_urls,
        )
        running = Stack(config)
        try:
            running.start_services(parts=("registration", "ballot"))
            yield running, cluster
        finally:
            running.stop()


async def test_a_postgresql_restart_mid_burst(postgres_stack: tuple[Stack, Any]) -> None:
    stack, cluster = postgres_stack
    sim = simulator(seed=8)
    async with hall(stack) as ballot, sim, gateways(stack, sim):
        vote_id = await opened(ballot, sim, "Voorstel tijdens herstart")

        async def fault() -> None:
            # Immediate: no shutdown checkpoint; recovery at the start, as after a crash.
            await anyio.to_thread.run_sync(cluster.restart)

        results = await burst_with(sim, fault)
        await ballot.wait_stored(vote_id, {(r.handset, r.seq) for r in results})
        await ballot.close(vote_id)
        verdict = await judge(ballot, {vote_id: results})
        unacked = sum(not r.acked for r in results)
    verdict.show("PostgreSQL restarted mid-burst")
    print(f"  presses the handsets gave up on, stored once the database was back: {unacked}")
    assert {r.status for r in results if r.acked} == {"OK"}
    assert verdict == Verdict(0, 0, 0)
