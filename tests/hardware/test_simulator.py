"""The simulator seen from the host side through pyserial, as the gateway sees it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import serial

from hardware.protocol import Ack, FrameDecoder, Hello, Key, Message, Ping, Poll, encode
from hardware.simulator import SimConfig, Simulator
from tests.hardware.conftest import sim_config

pytestmark = pytest.mark.anyio


class Host:
    """The host end of a simulated receiver's pty, opened like /dev/ttyACM0."""

    def __init__(self, path: str) -> None:
        self.port = serial.serial_for_url(path, baudrate=115200, timeout=0)
        self.decoder = FrameDecoder()
        self.loop = asyncio.get_running_loop()
        self.messages: asyncio.Queue[Message] = asyncio.Queue()
        self.loop.add_reader(self.port.fileno(), self._readable)

    def _readable(self) -> None:
        for msg in self.decoder.feed(self.port.read(4096)):
            self.messages.put_nowait(msg)

    def send(self, msg: Message) -> None:
        self.port.write(encode(msg))

    async def next(self, kind: type, within: float = 5.0) -> Any:
        async with asyncio.timeout(within):
            while True:
                msg = await self.messages.get()
                if isinstance(msg, kind):
                    return msg

    def close(self) -> None:
        self.loop.remove_reader(self.port.fileno())
        self.port.close()


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    # quick retransmissions, and many: a slow machine must not make a press give up
    async with Simulator(
        handsets=3, config=sim_config(retransmit_interval=0.02, retransmits=200)
    ) as running:
        yield running


@pytest.fixture
async def host(sim: Simulator) -> AsyncIterator[Host]:
    opened = Host(sim.receivers[0].port)
    yield opened
    opened.close()


class TestReceiver:
    async def test_hello_on_ping(self, sim: Simulator, host: Host) -> None:
        host.send(Ping("R01"))
        assert await host.next(Hello) == Hello("R01", "2.1", 11)

    async def test_remembers_the_last_poll(self, sim: Simulator, host: Host) -> None:
        host.send(Poll("R01", "OPEN", 3))
        host.send(Poll("R01", "CLOSED", 0))
        await sim.receivers[0].wait_for_poll("CLOSED", 0)

    async def test_unplug_removes_link_and_replug_points_it_at_a_new_pty(
        self, tmp_path: Path
    ) -> None:
        link = tmp_path / "rx1"
        async with Simulator(links=[str(link)], config=sim_config()) as sim:
            receiver = sim.receivers[0]
            assert os.readlink(link) == receiver.device
            await receiver.unplug()
            assert not link.exists()
            receiver.plug()
            assert os.readlink(link) == receiver.device
            assert os.listdir(tmp_path) == ["rx1"]


class TestPress:
    async def test_retransmits_same_seq_until_acked(self, sim: Simulator, host: Host) -> None:
        press = sim.press("000002", 4)
        first = await host.next(Key)
        second = await host.next(Key)
        # the same press again: same seq and key (the signal strength varies)
        assert (first.handset, first.seq, first.key) == ("000002", 0, 4)
        assert (second.handset, second.seq, second.key) == ("000002", 0, 4)
        host.send(Ack("R01", "000002", 0, "BADKEY"))
        result = await press
        assert (result.acked, result.status, result.via) == (True, "BADKEY", "R01")
        assert result.attempts >= 2
        assert result.time_to_ack is not None

    async def test_gives_up_after_the_retransmissions(self) -> None:
        config = sim_config(retransmit_interval=0.01, retransmits=5)
        async with Simulator(handsets=1, config=config) as sim:
            result = await sim.press("000001", 1)
        assert (result.acked, result.attempts) == (False, 6)

    async def test_seq_wraps(self, sim: Simulator, host: Host) -> None:
        sim.handsets["000003"].seq = 65535
        first = sim.press("000003", 1)
        assert (await host.next(Key)).seq == 65535
        host.send(Ack("R01", "000003", 65535, "OK"))
        assert (await first).acked
        second = sim.press("000003", 2)
        key = await host.next(Key)
        while key.seq == 65535:  # a retransmission that crossed our ACK
            key = await host.next(Key)
        assert key.seq == 0
        host.send(Ack("R01", "000003", 0, "OK"))
        assert (await second).status == "OK"

    async def test_heard_by_two_receivers(self) -> None:
        async with Simulator(receivers=2, handsets=1, config=sim_config()) as sim:
            sim.hear("000001", "R01", "R02")
            hosts = [Host(r.port) for r in sim.receivers]
            try:
                press = sim.press("000001", 1)
                keys = [await h.next(Key) for h in hosts]
                assert [k.rx for k in keys] == ["R01", "R02"]
                assert {(k.handset, k.seq) for k in keys} == {("000001", 0)}
                hosts[1].send(Ack("R02", "000001", 0, "OK"))
                assert (await press).via == "R02"
            finally:
                for h in hosts:
                    h.close()


class TestLine:
    async def test_paced_output_keeps_to_the_line_rate(self) -> None:
        config = SimConfig(baudrate=38400, stat_interval=None, retransmits=0, seed=1)
        async with Simulator(handsets=20, config=config) as sim:
            host = Host(sim.receivers[0].port)
            try:
                started = time.monotonic()
                presses = [sim.press(h, 1) for h in sim.handsets]
                for _ in presses:
                    await host.next(Key)
                elapsed = time.monotonic() - started
                await asyncio.gather(*presses)
            finally:
                host.close()
        sent = sim.receivers[0].stats.bytes_sent
        # the first frame leaves at once; the rest queue behind it at 3840 bytes/s
        assert elapsed >= 0.9 * (sent - 60) * 10 / 38400

    async def test_faults_are_injected(self) -> None:
        config = sim_config(garbage_rate=1.0, bitflip_rate=0.5, retransmits=0)
        async with Simulator(handsets=20, config=config) as sim:
            host = Host(sim.receivers[0].port)
            try:
                await asyncio.gather(*(sim.press(h, 1) for h in sim.handsets))
                host._readable()
            finally:
                host.close()
        stats = sim.receivers[0].stats
        assert stats.garbage_bytes > 0
        assert stats.frames_corrupted > 0
