"""The gateway between real pseudo-terminals and a fake ballot service over real HTTP."""

from __future__ import annotations

import asyncio
import datetime
import os
from functools import partial
from pathlib import Path

import httpx
import pytest

from hardware.diagnostics import create_app
from hardware.fakeballot import FakeBallot
from hardware.protocol import Ack, Err, Ping
from hardware.simulator import SimulatedReceiver
from tests.hardware.conftest import hall, sim_config

pytestmark = pytest.mark.anyio


def acks(receiver: SimulatedReceiver) -> list[Ack]:
    return [m for m in receiver.received if isinstance(m, Ack)]


def has_ack(receiver: SimulatedReceiver) -> bool:
    return bool(acks(receiver))


class TestAcknowledge:
    async def test_ok_only_after_the_ballot_stored_the_press(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        ballot.hold = asyncio.Event()
        async with hall(ballot) as (sim, _):
            receiver = sim.receivers[0]
            await receiver.wait_for_poll("OPEN", 3)
            press = sim.press("000001", 1)
            await ballot.wait_until(lambda: ("000001", 0) in ballot.stored)
            # stored, but the ballot has not answered yet: nothing may be acknowledged
            assert acks(receiver) == []
            assert not press.done()
            ballot.hold.set()
            result = await press
        assert (result.acked, result.status) == (True, "OK")
        assert result.time_to_ack is not None
        assert ballot.stored[("000001", 0)].stored_at < result.pressed_at + result.time_to_ack
        assert Ack("R01", "000001", 0, "OK") in acks(receiver)

    async def test_status_comes_from_the_ballot(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        ballot.denied.add("000002")
        async with hall(ballot) as (sim, _):
            await sim.receivers[0].wait_for_poll("OPEN", 3)
            denied, bad_key = await asyncio.gather(sim.press("000002", 1), sim.press("000003", 7))
        assert denied.status == "DENY"
        assert bad_key.status == "BADKEY"
        assert Ack("R01", "000002", 0, "DENY") in acks(sim.receivers[0])

    async def test_no_vote_open_is_nopoll(self, ballot: FakeBallot) -> None:
        async with hall(ballot) as (sim, _):
            result = await sim.press("000001", 1)
        assert result.status == "NOPOLL"

    async def test_a_press_heard_twice_is_acked_on_both_receivers(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        async with hall(ballot, receivers=2) as (sim, _):
            sim.hear("000001", "R01", "R02")
            await sim.receivers[1].wait_for_poll("OPEN", 3)
            result = await sim.press("000001", 2)
            for receiver in sim.receivers:
                await receiver.wait_for(partial(has_ack, receiver))
        assert result.status == "OK"
        assert Ack("R01", "000001", 0, "OK") in acks(sim.receivers[0])
        assert Ack("R02", "000001", 0, "OK") in acks(sim.receivers[1])
        assert ballot.copies >= 2
        assert list(ballot.counted()) == ["000001"]


class TestBallotTrouble:
    async def test_ballot_down_means_no_ack_until_it_is_back(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        async with hall(ballot) as (sim, gateway):
            receiver = sim.receivers[0]
            await receiver.wait_for_poll("OPEN", 3)
            await ballot.stop()  # connection refused from now on
            press = sim.press("000001", 1)
            await gateway.wait_until(lambda: gateway.counters["batches_failed"] >= 3)
            assert acks(receiver) == []
            assert ballot.stored == {}
            await ballot.start()  # same port
            result = await press
        assert (result.acked, result.status) == (True, "OK")
        assert ("000001", 0) in ballot.stored

    async def test_server_errors_are_retried_without_ack(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        ballot.fail_with = 503
        async with hall(ballot) as (sim, gateway):
            press = sim.press("000001", 1)
            await gateway.wait_until(lambda: gateway.counters["batches_failed"] >= 2)
            assert acks(sim.receivers[0]) == []
            ballot.fail_with = None
            result = await press
        assert result.status == "OK"

    async def test_rejected_batch_is_not_acked(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        ballot.fail_with = 422
        async with hall(ballot) as (sim, gateway):
            press = sim.press("000001", 1)
            await gateway.wait_until(lambda: gateway.counters["batches_rejected"] >= 1)
            assert acks(sim.receivers[0]) == []
            # the handset retransmits; once the ballot accepts, the press is acked
            ballot.fail_with = None
            result = await press
        assert result.status == "OK"
        assert result.attempts >= 2


def moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


class TestWhenPressesWereHeard:
    async def test_every_attempt_says_how_long_each_press_was_held(
        self, ballot: FakeBallot
    ) -> None:
        ballot.open_vote(3)
        ballot.fail_with = 503
        wall = [datetime.datetime(2023, 12, 1, 10, 0, tzinfo=datetime.UTC)]
        async with hall(ballot, clock=lambda: wall[0]) as (sim, _):
            press = sim.press("000001", 1)
            await ballot.wait_until(lambda: len(ballot.attempts) >= 2)
            stepped = len(ballot.attempts)
            wall[0] -= datetime.timedelta(hours=1)  # the gateway's wall clock steps back
            await ballot.wait_until(lambda: len(ballot.attempts) >= stepped + 2)
            ballot.fail_with = None
            assert (await press).status == "OK"
        held = []
        for attempt in ballot.attempts:
            [sent] = attempt["presses"]
            held.append(moment(attempt["sent_at"]) - moment(sent["received_at"]))
        # The hold grows with every retry whatever the wall clock did ...
        assert held == sorted(held)
        assert held[0] >= datetime.timedelta(0)
        # ... and both times of an attempt are read from the clock as it was then
        # (this one stands still but for the step).
        assert moment(ballot.attempts[-1]["sent_at"]) == wall[0]
        before = moment(ballot.attempts[0]["presses"][0]["received_at"])
        after = moment(ballot.attempts[-1]["presses"][0]["received_at"])
        assert before - after == datetime.timedelta(hours=1) + (held[-1] - held[0])


class TestHold:
    async def test_a_full_hold_drops_the_oldest_waiting_press(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        await ballot.stop()
        config = sim_config(retransmits=0)  # each press heard once
        async with hall(ballot, handsets=6, config=config, hold_max=3, in_flight=1) as (
            sim,
            gateway,
        ):
            handsets = list(sim.handsets)
            sim.press(handsets[0], 1)
            # The first press is in a batch on its way (refused, retried) ...
            await gateway.wait_until(lambda: gateway.counters["batches_failed"] >= 1)
            for number, handset in enumerate(handsets[1:], start=2):
                sim.press(handset, 1)
                await gateway.wait_until(
                    lambda n=number: gateway.counters["presses_received"] >= n  # type: ignore[misc]
                )
            # ... three wait; the fifth and sixth pushed out the two oldest waiting.
            assert gateway.counters["presses_dropped"] == 2
            await ballot.start()
            await ballot.wait_until(lambda: len(ballot.stored) == 4)
            await gateway.wait_until(lambda: gateway.queue_depth == 0)
        assert {handset for handset, _ in ballot.stored} == {
            handsets[0],
            *handsets[3:],
        }


class TestInFlight:
    async def test_a_second_batch_goes_while_the_first_is_on_its_way(
        self, ballot: FakeBallot
    ) -> None:
        ballot.open_vote(3)
        ballot.hold = asyncio.Event()
        async with hall(ballot, in_flight=2) as (sim, gateway):
            await sim.receivers[0].wait_for_poll("OPEN", 3)
            first = sim.press("000001", 1)
            await ballot.wait_until(lambda: len(ballot.stored) == 1)
            second = sim.press("000002", 2)
            await ballot.wait_until(lambda: len(ballot.stored) == 2)
            assert gateway.health_json()["batches_in_flight"] == 2
            ballot.hold.set()
            assert [(await first).status, (await second).status] == ["OK", "OK"]

    async def test_a_further_batch_waits_while_the_first_is_not_slow(
        self, ballot: FakeBallot
    ) -> None:
        ballot.open_vote(3)
        ballot.hold = asyncio.Event()
        async with hall(ballot, in_flight=2, further_batch_after_ms=60_000) as (sim, gateway):
            await sim.receivers[0].wait_for_poll("OPEN", 3)
            presses = [sim.press("000001", 1)]
            await ballot.wait_until(lambda: len(ballot.stored) == 1)
            presses += [sim.press(f"00000{n}", 1) for n in range(2, 6)]
            await gateway.wait_until(lambda: gateway.counters["presses_received"] == 5)
            assert gateway.health_json()["batches_in_flight"] == 1
            ballot.hold.set()
            assert {(await press).status for press in presses} == {"OK"}
        assert ballot.batches == [1, 4]

    async def test_batches_grow_while_one_is_on_its_way(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        ballot.hold = asyncio.Event()
        async with hall(ballot, in_flight=1) as (sim, gateway):
            await sim.receivers[0].wait_for_poll("OPEN", 3)
            presses = [sim.press("000001", 1)]
            await ballot.wait_until(lambda: len(ballot.stored) == 1)
            presses += [sim.press(f"00000{n}", 1) for n in range(2, 6)]
            await gateway.wait_until(lambda: gateway.counters["presses_received"] == 5)
            ballot.hold.set()
            assert {(await press).status for press in presses} == {"OK"}
        assert ballot.batches == [1, 4]


class TestVoteState:
    async def test_poll_broadcast_on_every_change(self, ballot: FakeBallot) -> None:
        async with hall(ballot, receivers=2) as (sim, _):
            for receiver in sim.receivers:
                await receiver.wait_for_poll("CLOSED", 0)
            ballot.open_vote(4)
            for receiver in sim.receivers:
                await receiver.wait_for_poll("OPEN", 4)
            ballot.close_vote()
            for receiver in sim.receivers:
                await receiver.wait_for_poll("CLOSED", 0)
            assert sim.receivers[1].last_poll is not None
            assert sim.receivers[1].last_poll.rx == "R02"

    async def test_replug_reconnects_pings_replays_poll_and_acks(
        self, ballot: FakeBallot, tmp_path: Path
    ) -> None:
        ballot.open_vote(3)
        link = str(tmp_path / "alv-rx1")
        async with hall(ballot, links=[link]) as (sim, gateway):
            receiver, port = sim.receivers[0], gateway.links[0].port
            await receiver.wait_for_poll("OPEN", 3)
            old_device = receiver.device
            await receiver.unplug()
            await gateway.wait_until(lambda: not port.connected)
            press = sim.press("000001", 1)  # retransmitted until the receiver is back
            await receiver.replug()
            assert os.readlink(link) == receiver.device
            await receiver.wait_for(lambda: any(isinstance(m, Ping) for m in receiver.received))
            await receiver.wait_for_poll("OPEN", 3)
            result = await press
            assert port.stats.reconnects == 1
            assert port.device == link
        assert (result.acked, result.status) == (True, "OK")
        assert receiver.stats.plugs == 2
        assert old_device is not None


class TestLineNoise:
    async def test_garbage_is_counted_and_harmless(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        config = sim_config(
            garbage_rate=0.5, bitflip_rate=0.2, truncate_rate=0.2, retransmit_interval=0.1
        )
        async with hall(ballot, handsets=20, config=config) as (sim, gateway):
            await sim.receivers[0].wait_for_poll("OPEN", 3)
            results = await asyncio.gather(*(sim.press(h, 1) for h in sim.handsets))
            stats = gateway.links[0].port.decoder.stats
        assert all(r.status == "OK" for r in results)
        assert len(ballot.counted()) == 20
        assert stats.noise_bytes > 0
        assert stats.bad_crc + stats.malformed > 0

    async def test_burst_of_342_over_two_receivers(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        async with hall(
            ballot, receivers=2, handsets=342, config=sim_config(garbage_rate=0.05)
        ) as (sim, gateway):
            for receiver in sim.receivers:
                await receiver.wait_for_poll("OPEN", 3)
            results = await sim.burst({1: 0.6, 2: 0.3, 3: 0.1}, within_s=1.0)
            noise = sum(link.port.decoder.stats.noise_bytes for link in gateway.links)
        assert len(results) == 342
        assert all(r.acked and r.status == "OK" for r in results)
        counted = ballot.counted()
        assert len(counted) == 342
        assert {h: p.key for h, p in counted.items()} == {r.handset: r.key for r in results}
        assert noise > 0


class TestDiagnostics:
    async def test_endpoints(self, ballot: FakeBallot) -> None:
        ballot.open_vote(3)
        async with hall(ballot, config=sim_config(stat_interval=0.05)) as (sim, gateway):
            receiver = sim.receivers[0]
            await receiver.wait_for_poll("OPEN", 3)
            await sim.press("000001", 1)
            receiver.send(Err("R01", "RADIO", "channel busy"))
            await gateway.wait_until(
                lambda: gateway.links[0].last_error is not None and len(gateway.handsets) == 10
            )
            transport = httpx.ASGITransport(app=create_app(gateway))
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                health = (await client.get("/healthz")).json()
                receivers = (await client.get("/api/receivers")).json()
                handsets = (await client.get("/api/handsets")).json()
                metrics = (await client.get("/metrics")).text
        assert health["status"] == "ok"
        assert health["state"] == "OPEN"
        assert receivers[0]["rx"] == "R01"
        assert receivers[0]["firmware"] == "2.1"
        assert receivers[0]["acks"] == {"OK": 1}
        assert receivers[0]["last_error"] == {"code": "RADIO", "text": "channel busy"}
        first = next(h for h in handsets if h["handset"] == "000001")
        assert first["presses"] >= 1
        assert "key" not in first  # diagnostics never show a vote
        assert 'gateway_acks_total{port="' in metrics
        assert "gateway_press_ack_seconds_count 1" in metrics
        assert "gateway_vote_open 1" in metrics
