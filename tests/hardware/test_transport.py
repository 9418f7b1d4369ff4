"""ReceiverPort and USB port matching, without a gateway."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import serial

from hardware.protocol import UNKNOWN_RX, Hello, Message, Ping, Poll
from hardware.simulator import SimulatedReceiver
from hardware.transport import ReceiverPort, UsbMatch, open_serial, resolve
from tests.hardware.conftest import sim_config


@dataclass
class FakePortInfo:
    device: str
    vid: int | None
    pid: int | None
    serial_number: str | None = None


PORTS = [
    FakePortInfo("/dev/ttyS0", None, None),
    FakePortInfo("/dev/ttyACM0", 0x2341, 0x0043, "RX-A"),
    FakePortInfo("/dev/ttyACM1", 0x2341, 0x0043, "RX-B"),
    FakePortInfo("/dev/ttyUSB0", 0x0403, 0x6001, "FT1"),
]


class TestUsbMatch:
    def test_parse(self) -> None:
        assert UsbMatch.parse("usb:2341:0043") == UsbMatch(0x2341, 0x43)
        assert UsbMatch.parse("usb:2341:0043:RX-A") == UsbMatch(0x2341, 0x43, "RX-A")

    @pytest.mark.parametrize("spec", ["usb:2341", "usb:zz:0043", "tty:2341:0043", "usb:1:2:3:4"])
    def test_parse_rejects(self, spec: str) -> None:
        with pytest.raises(ValueError):
            UsbMatch.parse(spec)

    def test_unique_vid_pid(self) -> None:
        assert UsbMatch(0x0403, 0x6001).find(PORTS) == "/dev/ttyUSB0"

    def test_serial_number_picks_one_of_two(self) -> None:
        assert UsbMatch(0x2341, 0x0043, "RX-B").find(PORTS) == "/dev/ttyACM1"

    def test_two_matches_without_serial_is_an_error(self) -> None:
        with pytest.raises(LookupError, match="2 USB ports"):
            UsbMatch(0x2341, 0x0043).find(PORTS)

    def test_no_match(self) -> None:
        with pytest.raises(LookupError):
            UsbMatch(0x2341, 0x0043, "RX-C").find(PORTS)

    def test_resolve(self) -> None:
        assert resolve("usb:0403:6001", PORTS) == "/dev/ttyUSB0"
        assert resolve("/dev/serial/by-id/usb-ALV_RX1-if00", PORTS).endswith("RX1-if00")
        assert resolve("loop://", PORTS) == "loop://"


class Recorder:
    """Hooks for a ReceiverPort that hand what happens to the test's event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.messages: asyncio.Queue[Message] = asyncio.Queue()
        self.connects: asyncio.Queue[int] = asyncio.Queue()

    def on_message(self, port: ReceiverPort, msg: Message) -> None:
        self.loop.call_soon_threadsafe(self.messages.put_nowait, msg)

    def on_connect(self, port: ReceiverPort) -> None:
        self.loop.call_soon_threadsafe(self.connects.put_nowait, port.stats.connects)

    async def next_message(self, kind: type) -> Any:
        while True:
            msg = await asyncio.wait_for(self.messages.get(), 5)
            if isinstance(msg, kind):
                return msg


@pytest.mark.anyio
class TestReceiverPort:
    async def test_loop_url_pings_on_connect(self) -> None:
        # loop:// echoes what is written, so the PING sent on connect comes back
        recorder = Recorder(asyncio.get_running_loop())
        port = ReceiverPort(
            "loop://", on_message=recorder.on_message, on_connect=recorder.on_connect
        )
        port.start()
        try:
            assert await asyncio.wait_for(recorder.connects.get(), 5) == 1
            assert await recorder.next_message(Ping) == Ping(UNKNOWN_RX)
            port.send_message(Poll("R01", "OPEN", 2))
            assert await recorder.next_message(Poll) == Poll("R01", "OPEN", 2)
            assert port.rx == "R01"
        finally:
            await asyncio.to_thread(port.stop)

    async def test_retries_opening_until_the_port_appears(self) -> None:
        recorder = Recorder(asyncio.get_running_loop())
        attempts: list[str] = []
        ready = threading.Event()

        def opener(path: str) -> Any:
            attempts.append(path)
            if len(attempts) < 3:
                raise serial.SerialException("no such device")
            ready.set()
            return open_serial("loop://")

        port = ReceiverPort(
            "/dev/serial/by-id/usb-ALV_RX1-if00",
            on_message=recorder.on_message,
            on_connect=recorder.on_connect,
            opener=opener,
            reconnect_initial=0.01,
        )
        port.start()
        try:
            await asyncio.wait_for(recorder.connects.get(), 5)
            assert len(attempts) == 3
            assert port.connected
        finally:
            await asyncio.to_thread(port.stop)

    async def test_reconnects_through_a_repointed_link(self, tmp_path: Path) -> None:
        loop = asyncio.get_running_loop()
        recorder = Recorder(loop)
        link = str(tmp_path / "rx")
        receiver = SimulatedReceiver("R07", config=sim_config(), link=link)
        await receiver.start()
        port = ReceiverPort(
            link,
            on_message=recorder.on_message,
            on_connect=recorder.on_connect,
            reconnect_initial=0.01,
            reconnect_max=0.05,
        )
        port.start()
        try:
            await asyncio.wait_for(recorder.connects.get(), 5)
            assert (await recorder.next_message(Hello)).rx == "R07"
            await receiver.replug()
            assert await asyncio.wait_for(recorder.connects.get(), 5) == 2
            # after the reconnect the port asks who is there, by the rx it learnt
            await receiver.wait_for(lambda: Ping("R07") in receiver.received)
            assert (await recorder.next_message(Hello)).rx == "R07"
            assert port.stats.reconnects == 1
        finally:
            await asyncio.to_thread(port.stop)
            await receiver.stop()
