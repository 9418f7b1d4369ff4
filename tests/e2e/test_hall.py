"""A full hall under load and under faults, through every real part.

Registration and ballot run as processes on real ports with databases of their
own; the gateway is a process that opens pseudo-terminals with pyserial; the
simulated receivers and their handsets run in the test's event loop. The
module seats one meeting of 342 members (``GM0001`` holds handset ``000001``
and so on); each test starts the gateway on its own receivers, holds its own
voor/tegen/onthouding vote and waits for the receivers to hear ``POLL OPEN 3``
before anyone presses.

What every test checks in the end is the contract of PROTOCOL.md: an ``ACK
OK`` only for a stored press, every stored press once per (handset, seq), and
the last press of each member is the one counted.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from alv.stack import Stack
from hardware.simulator import PressResult, SimConfig, Simulator
from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.builders import make_meeting, numbered_members_csv
from tests.support.databases import DatabaseFactory
from tests.support.sse import server_events
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.anyio, pytest.mark.db, pytest.mark.e2e]

HALL_SIZE = 342  # every VNG member present
VOTE_KEYS = {1: 0.5, 2: 0.3, 3: 0.2}  # voor, tegen, onthouding
# Generous: two cores shared with other engineers' test runs.
WITHIN = 30.0


@pytest.fixture(scope="module")
def hall_stack(
    tmp_path_factory: pytest.TempPathFactory,
    token_values: dict[str, str],
    database_factory: DatabaseFactory,
) -> Iterator[Stack]:
    """The services as real processes, on databases of their own (not test_meeting's)."""
    with running_stack(
        name="hall",
        data_dir=tmp_path_factory.mktemp("hall"),
        database_factory=database_factory,
    ) as stack:
        yield stack


def member_of(handset: str) -> str:
    """Seating rule of these tests: handset 000042 is held by GM0042."""
    return f"GM{int(handset):04d}"


@dataclass
class Hall:
    """One seated meeting with an open vote, its gateway running."""

    stack: Stack
    meeting: str
    vote_id: int
    ballot: httpx.AsyncClient
    sim: Simulator

    async def record(self) -> dict[str, Any]:
        response = await self.ballot.get(
            f"/api/votes/{self.vote_id}/record",
            headers=as_caller(self.stack.config.tokens["auditor"]),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def presses(self) -> list[dict[str, Any]]:
        response = await self.ballot.get(
            f"/api/votes/{self.vote_id}/presses",
            headers=as_caller(self.stack.config.tokens["auditor"]),
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    async def receivers(self) -> dict[str, dict[str, Any]]:
        """The gateway's diagnostics per port."""
        async with httpx.AsyncClient(base_url=self.stack.config.url("gateway"), timeout=10) as gw:
            response = await gw.get("/api/receivers")
        assert response.status_code == 200, response.text
        return {r["port"]: r for r in response.json()}


@pytest.fixture(scope="module")
def hall_meeting(hall_stack: Stack) -> str:
    """A meeting of ``HALL_SIZE`` members, each seated with their handset (GM0042
    holds 000042); every test holds its own vote in it."""
    tokens = hall_stack.config.tokens
    meeting = unique_meeting_code()
    with httpx.Client(base_url=hall_stack.config.url("registration"), timeout=WITHIN) as client:
        cards = anyio.run(seat_cards, hall_stack.config.url("registration"), tokens, meeting)
        desk = as_caller(tokens["desk"])

        def register(number: int) -> None:
            response = client.post(
                f"/api/meetings/{meeting}/registrations",
                json={"card_code": cards[f"GM{number:04d}"], "handset": f"{number:06d}"},
                headers=desk,
            )
            assert response.status_code == 201, response.text

        # A few desks at once, as at the entrance of the hall.
        with ThreadPoolExecutor(max_workers=4) as desks:
            list(desks.map(register, range(1, HALL_SIZE + 1)))
    return meeting


async def seat_cards(url: str, tokens: dict[str, str], meeting: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=url, timeout=WITHIN) as registration:
        cards = await make_meeting(
            registration,
            admin=tokens["secretariat"],
            code=meeting,
            members_csv=numbered_members_csv(HALL_SIZE),
        )
    assert len(cards) == HALL_SIZE
    return cards


# Real handsets keep counting across the votes of a meeting; the simulated ones
# start at 0, so each test's handsets continue from a seq no earlier test used.
_SEQ_BASES = itertools.count(start=1_000, step=1_000)


@asynccontextmanager
async def open_hall(stack: Stack, sim: Simulator, *, meeting: str) -> AsyncIterator[Hall]:
    """Connect the gateway to ``sim``'s receivers and open a vote in ``meeting``."""
    config = stack.config
    chair = as_caller(config.tokens["chair"])
    base = next(_SEQ_BASES)
    for handset in sim.handsets.values():
        handset.seq = base
    vote_id: int | None = None
    async with httpx.AsyncClient(base_url=config.url("ballot"), timeout=WITHIN) as ballot:
        # The gateway serves one meeting and this test's receivers.
        config.meeting = meeting
        config.serial_ports = [receiver.port for receiver in sim.receivers]
        try:
            await anyio.to_thread.run_sync(stack.start_hardware)
            created = await ballot.post(
                f"/api/meetings/{meeting}/votes",
                json={"kind": "voorstel", "title": "Voorstel jaarrekening"},
                headers=chair,
            )
            assert created.status_code == 201, created.text
            vote_id = created.json()["id"]
            opened = await ballot.post(f"/api/votes/{vote_id}/open", headers=chair)
            assert opened.status_code == 200, opened.text
            for receiver in sim.receivers:
                await receiver.wait_for_poll("OPEN", 3, within=WITHIN)
            yield Hall(stack, meeting, vote_id, ballot, sim)
        finally:
            await anyio.to_thread.run_sync(stack.stop, "gateway")
            if "ballot" not in stack.processes:
                # a test that stopped the ballot service failed before restarting it
                await anyio.to_thread.run_sync(stack.restart, "ballot", "serve", "ballot")
            if vote_id is not None:
                # so that the next test can open its vote; 409 if it never opened
                await ballot.post(f"/api/votes/{vote_id}/close", headers=chair)


@asynccontextmanager
async def bursting(sim: Simulator, *, within_s: float) -> AsyncIterator[list[PressResult]]:
    """Every handset presses once within ``within_s`` while the body runs; the
    list holds the results once the block is left."""
    results: list[PressResult] = []

    async def burst() -> None:
        results.extend(await sim.burst(VOTE_KEYS, within_s=within_s))

    async with anyio.create_task_group() as group:
        group.start_soon(burst)
        yield results


async def wait_until_stored(hall: Hall, count: int) -> None:
    """Until the ballot service has announced ``count`` presses of the vote on its
    event stream (a ``presses`` event per batch, listing what it stored)."""
    stored: set[tuple[str, int]] = set()
    auditor = as_caller(hall.stack.config.tokens["auditor"])
    with anyio.fail_after(WITHIN):
        async with hall.ballot.stream(
            "GET", f"/api/meetings/{hall.meeting}/events", headers=auditor
        ) as response:
            assert response.status_code == 200
            async for event in server_events(response):
                if event.event == "presses" and event.data["vote_id"] == hall.vote_id:
                    stored |= {(p["handset"], p["seq"]) for p in event.data["presses"]}
                    if len(stored) >= count:
                        return


def assert_all_acked_ok(results: list[PressResult]) -> None:
    unacked = [(r.handset, r.seq, r.attempts) for r in results if not r.acked]
    assert not unacked, f"{len(unacked)} presses never ACKed: {unacked[:10]}"
    statuses = Counter(r.status for r in results)
    assert statuses == {"OK": len(results)}, statuses


async def assert_each_press_stored_once_and_counted(hall: Hall, results: list[PressResult]) -> None:
    """Every ACK OK is a stored OK press; one row per press; one counted vote per member."""
    stored = await hall.presses()
    rows = Counter((p["handset"], p["seq"]) for p in stored)
    twice = {ident: n for ident, n in rows.items() if n > 1}
    assert not twice, f"presses stored more than once: {twice}"
    status = {(p["handset"], p["seq"]): p["status"] for p in stored}
    acked_ok = {(r.handset, r.seq) for r in results if r.status == "OK"}
    assert {ident: status.get(ident) for ident in acked_ok} == dict.fromkeys(acked_ok, "OK")
    assert set(rows) == {(r.handset, r.seq) for r in results}

    counted = (await hall.record())["counted"]
    per_member = Counter(c["member"] for c in counted)
    assert [m for m, n in per_member.items() if n > 1] == []
    assert {c["member"]: (c["handset"], c["seq"], c["key"]) for c in counted} == {
        member_of(r.handset): (r.handset, r.seq, r.key) for r in results
    }


async def test_a_full_hall_bursts_over_two_noisy_receivers(
    hall_stack: Stack, hall_meeting: str
) -> None:
    config = SimConfig(paced=True, garbage_rate=0.05, stat_interval=None, seed=342)
    async with (
        Simulator(receivers=2, handsets=HALL_SIZE, config=config, overlap=0.2) as sim,
        open_hall(hall_stack, sim, meeting=hall_meeting) as hall,
    ):
        results = await sim.burst(VOTE_KEYS, within_s=3.0)

        assert_all_acked_ok(results)
        await assert_each_press_stored_once_and_counted(hall, results)
        # The faults really happened: noise reached the gateway's decoders, and
        # presses reached it more than once and were answered again.
        receivers = (await hall.receivers()).values()
        assert sum(r["noise_bytes"] + r["bad_crc"] + r["malformed"] for r in receivers) > 0
        assert sum(r["received"].get("KEY", 0) for r in receivers) > HALL_SIZE
        assert sim.late_acks > 0


async def test_a_receiver_unplugged_mid_burst_loses_no_press(
    hall_stack: Stack, hall_meeting: str, tmp_path: Path
) -> None:
    (tmp_path / "by-id").mkdir()
    links = [str(tmp_path / "by-id" / f"receiver-{n}") for n in (1, 2)]
    config = SimConfig(paced=True, stat_interval=None, seed=1707)
    async with (
        Simulator(receivers=2, handsets=HALL_SIZE, config=config, links=links) as sim,
        open_hall(hall_stack, sim, meeting=hall_meeting) as hall,
    ):
        unplugged = sim.receivers[0]
        async with bursting(sim, within_s=4.0) as results:
            await unplugged.wait_for(
                lambda: sum(r.via == unplugged.rx for r in sim.results) >= 30, within=WITHIN
            )
            await unplugged.unplug()
            # Unplugged for 1 s (< 2 s, so no handset runs out of its 6 s of
            # retransmissions): the scenario's duration, not a synchronisation.
            await anyio.sleep(1.0)
            dropped = unplugged.stats.frames_dropped
            await unplugged.replug()  # a new pty behind the same link, as udev does
            # The gateway reopens the link and replays the vote state to the new device.
            await unplugged.wait_for_poll("OPEN", 3, within=WITHIN)

        assert dropped > 0, "no press was sent while the receiver was unplugged"
        assert_all_acked_ok(results)
        await assert_each_press_stored_once_and_counted(hall, results)
        port = (await hall.receivers())[links[0]]
        assert (port["connected"], port["reconnects"]) == (True, 1)


async def test_a_ballot_outage_mid_burst_acks_only_stored_presses(
    hall_stack: Stack, hall_meeting: str
) -> None:
    config = SimConfig(paced=True, stat_interval=None, seed=2023)
    window = config.retransmit_interval * (1 + config.retransmits)  # a handset's patience
    async with (
        Simulator(receivers=2, handsets=HALL_SIZE, config=config, overlap=0.2) as sim,
        open_hall(hall_stack, sim, meeting=hall_meeting) as hall,
    ):
        receiver = sim.receivers[0]
        # Long enough that presses are still made after the ballot service is back.
        async with bursting(sim, within_s=10.0) as results:
            await receiver.wait_for(lambda: sum(r.acked for r in sim.results) >= 30, within=WITHIN)
            await anyio.to_thread.run_sync(hall_stack.stop, "ballot")
            down_at = time.monotonic()
            # Down for 3 s, the scenario's length (not a synchronisation); starting
            # the process again takes seconds more.
            await anyio.sleep(3.0)
            restart_at = time.monotonic()
            await anyio.to_thread.run_sync(hall_stack.restart, "ballot", "serve", "ballot")
            back_at = time.monotonic()

        # No ACK while no ballot service could have stored anything (with grace
        # for ACKs of the last batch, answered before the process ended).
        during = [
            (r.handset, r.seq)
            for r in results
            if r.time_to_ack is not None
            and down_at + 0.5 < r.pressed_at + r.time_to_ack < restart_at
        ]
        assert during == []
        # Every press whose retransmissions outlast the outage is acknowledged: the
        # gateway retries as soon as its state poll sees the ballot service again;
        # a second of grace covers that poll and working off the backlog.
        recovered = back_at + 1.0
        still_sending = [r for r in results if r.pressed_at + window > recovered]
        assert_all_acked_ok(still_sending)
        # ... among them presses made while the ballot service was down.
        assert [r for r in still_sending if r.pressed_at < back_at] != []
        assert {r.status for r in results if r.acked} == {"OK"}
        # Presses the handsets gave up on were still heard by the gateway, which
        # keeps them until the ballot service takes them: none is lost.
        await wait_until_stored(hall, len(results))
        await assert_each_press_stored_once_and_counted(hall, results)


async def test_an_unbound_handset_is_denied_and_a_bad_key_refused(
    hall_stack: Stack, hall_meeting: str
) -> None:
    config = SimConfig(paced=True, stat_interval=None, seed=4)
    # 000341 and 000342 are seated; 000343 belongs to nobody.
    async with (
        Simulator(receivers=1, handsets=3, first_handset=HALL_SIZE - 1, config=config) as sim,
        open_hall(hall_stack, sim, meeting=hall_meeting) as hall,
    ):
        stranger = await sim.press("000343", 1)
        bad_key = await sim.press("000341", 7)
        vote = await sim.press("000342", 2)

        assert (stranger.acked, stranger.status) == (True, "DENY")
        assert (bad_key.acked, bad_key.status) == (True, "BADKEY")
        assert (vote.acked, vote.status) == (True, "OK")
        stored = {
            p["handset"]: (p["status"], p["member"], p["counted"]) for p in await hall.presses()
        }
        assert stored == {
            "000343": ("DENY", None, False),
            "000341": ("BADKEY", "GM0341", False),
            "000342": ("OK", "GM0342", True),
        }
        counted = (await hall.record())["counted"]
        assert [(c["member"], c["key"]) for c in counted] == [("GM0342", 2)]


async def test_a_press_repeating_a_seq_of_an_earlier_vote_counts_in_the_open_vote(
    hall_stack: Stack, hall_meeting: str
) -> None:
    config = SimConfig(paced=True, stat_interval=None, seed=5)
    chair = as_caller(hall_stack.config.tokens["chair"])
    async with (
        Simulator(receivers=1, handsets=1, first_handset=HALL_SIZE - 2, config=config) as sim,
        open_hall(hall_stack, sim, meeting=hall_meeting) as hall,
    ):
        handset = sim.handsets["000340"]
        first = await sim.press("000340", 1)
        assert (first.acked, first.status) == (True, "OK")
        closed = await hall.ballot.post(f"/api/votes/{hall.vote_id}/close", headers=chair)
        assert closed.status_code == 200, closed.text
        created = await hall.ballot.post(
            f"/api/meetings/{hall_meeting}/votes",
            json={"kind": "voorstel", "title": "Voorstel begroting"},
            headers=chair,
        )
        next_vote = created.json()["id"]
        try:
            opened = await hall.ballot.post(f"/api/votes/{next_vote}/open", headers=chair)
            assert opened.status_code == 200, opened.text
            await sim.receivers[0].wait_for_poll("OPEN", 3, within=WITHIN)
            handset.seq = first.seq  # batteries swapped: the counter starts over
            again = await sim.press("000340", 2)
            assert (again.acked, again.status) == (True, "OK")
            record = await hall.ballot.get(
                f"/api/votes/{next_vote}/record",
                headers=as_caller(hall_stack.config.tokens["auditor"]),
            )
            counted = [(c["member"], c["key"]) for c in record.json()["counted"]]
            assert counted == [("GM0340", 2)]
        finally:
            await hall.ballot.post(f"/api/votes/{next_vote}/close", headers=chair)
