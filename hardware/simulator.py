"""Simulated receivers with handsets, behind real pseudo-terminals.

A ``SimulatedReceiver`` behaves like the firmware in PROTOCOL.md: it owns the
leader side of a pty pair, and the host opens the follower's device path with
pyserial exactly as it would open ``/dev/ttyACM0``. With a ``link`` it keeps a
stable symlink pointing at the current pty, the way udev keeps
``/dev/serial/by-id/...``: unplugging removes it, replugging creates a new pty
and points the link at it.

Everything runs on one asyncio loop (the pty leader is non-blocking and read
through ``loop.add_reader``), so tests and benchmarks drive it directly::

    async with Simulator(receivers=2, handsets=342) as sim:
        print(sim.receivers[0].port)          # give this to the gateway
        result = await sim.press("000001", 1)  # PressResult once ACKed or given up
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import time
import tty
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from hardware.protocol import (
    Ack,
    FrameDecoder,
    Hello,
    Key,
    Message,
    Ping,
    Poll,
    Stat,
    encode,
    seq_next,
)
from hardware.waiters import Waiters

log = logging.getLogger(__name__)

BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit


@dataclass(frozen=True, slots=True)
class SimConfig:
    """How the simulated hardware behaves; the defaults are the real thing."""

    paced: bool = True  # write at the line rate, not as fast as the pty takes it
    baudrate: int = 115200
    garbage_rate: float = 0.0  # chance per frame of a burst of random bytes before it
    bitflip_rate: float = 0.0  # chance per frame of one flipped bit
    truncate_rate: float = 0.0  # chance per frame of sending only a prefix
    retransmit_interval: float = 0.3
    retransmits: int = 20
    stat_interval: float | None = 30.0  # heartbeat period per handset; None: none
    battery_drain: float = 0.2  # percent per heartbeat
    firmware: str = "2.1"
    seed: int | None = None


@dataclass(slots=True)
class PressResult:
    """What happened to one press, as the handset saw it."""

    handset: str
    seq: int
    key: int
    pressed_at: float  # time.monotonic()
    acked: bool = False
    status: str | None = None
    via: str | None = None  # the receiver whose ACK arrived first
    time_to_ack: float | None = None
    attempts: int = 0
    superseded: bool = False  # a later press on the same handset replaced it
    # The host's share (time.monotonic()): when the first KEY frame's last byte
    # was written to the line, and when the ACK's bytes were read from it.
    sent_at: float | None = None
    ack_read_at: float | None = None

    @property
    def host_time(self) -> float | None:
        """From the first KEY frame on the line to its ACK: what the host took."""
        if self.sent_at is None or self.ack_read_at is None:
            return None
        return self.ack_read_at - self.sent_at

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ReceiverStats:
    frames_sent: int = 0
    bytes_sent: int = 0
    garbage_bytes: int = 0
    frames_corrupted: int = 0
    frames_dropped: int = 0  # sent while unplugged
    acks: int = 0
    polls: int = 0
    pings: int = 0
    plugs: int = 0


class SimulatedReceiver:
    """One receiver on its own pseudo-terminal."""

    def __init__(
        self,
        rx: str,
        *,
        channel: int = 11,
        config: SimConfig | None = None,
        rng: random.Random | None = None,
        link: str | None = None,
        on_ack: Callable[[SimulatedReceiver, Ack, float], None] | None = None,
    ) -> None:
        self.rx = rx
        self.channel = channel
        self.config = config or SimConfig()
        self.link = link
        self.stats = ReceiverStats()
        self.decoder = FrameDecoder()
        self.received: list[Message] = []
        self.last_poll: Poll | None = None
        self.device: str | None = None
        self._rng = rng or random.Random(self.config.seed)
        self._on_ack = on_ack
        self._waiters = Waiters()
        self._leader: int | None = None
        self._follower: int | None = None
        self._outbox: asyncio.Queue[tuple[bytes, Callable[[float], None] | None]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._line_free_at = 0.0
        self._link_serial = itertools.count()

    @property
    def plugged(self) -> bool:
        return self._leader is not None

    @property
    def port(self) -> str:
        """The path the host should open: the stable link if there is one."""
        if self.link is not None:
            return self.link
        if self.device is None:
            raise RuntimeError(f"receiver {self.rx} is not plugged in")
        return self.device

    async def start(self) -> None:
        self.plug()

    def plug(self) -> None:
        """Power up on a fresh pty: like plugging the receiver into USB."""
        if self.plugged:
            return
        loop = asyncio.get_running_loop()
        leader, follower = os.openpty()
        # raw before the host opens it: no echo, no CR/LF translation
        tty.setraw(follower)
        os.set_blocking(leader, False)
        self._leader, self._follower = leader, follower
        self.device = os.ttyname(follower)
        self.decoder.reset()
        self.last_poll = None  # a powered-up receiver knows no vote state yet
        self._outbox = asyncio.Queue()
        loop.add_reader(leader, self._on_readable)
        self._writer = loop.create_task(self._write_loop(), name=f"sim-{self.rx}-writer")
        if self.link is not None:
            self._point_link(self.device)
        self.stats.plugs += 1
        log.info("simulator.receiver.plugged", extra={"rx": self.rx, "device": self.device})
        self.send(Hello(self.rx, self.config.firmware, self.channel))

    async def unplug(self) -> None:
        """Vanish: the host's reads fail and the stable link disappears."""
        if self._leader is None:
            return
        asyncio.get_running_loop().remove_reader(self._leader)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)
        for fd in (self._leader, self._follower):
            if fd is not None:
                os.close(fd)
        self._leader = self._follower = None
        log.info("simulator.receiver.unplugged", extra={"rx": self.rx, "device": self.device})

    async def replug(self) -> None:
        await self.unplug()
        self.plug()

    async def stop(self) -> None:
        await self.unplug()

    def send(self, msg: Message, on_written: Callable[[float], None] | None = None) -> None:
        """Queue a frame for the host; lost when unplugged, as over the air.

        ``on_written`` is called with ``time.monotonic()`` once its last byte is
        on the line."""
        if not self.plugged:
            self.stats.frames_dropped += 1
            return
        self._outbox.put_nowait((encode(msg), on_written))

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, re-checked on every frame from the host."""
        await self._waiters.wait_for(predicate, within)

    async def wait_for_poll(self, state: str, keys: int, within: float = 5.0) -> None:
        def seen() -> bool:
            poll = self.last_poll
            return poll is not None and (poll.state, poll.keys) == (state, keys)

        await self.wait_for(seen, within)

    def _point_link(self, target: str) -> None:
        # atomically, so the host never sees a missing or half-made link
        assert self.link is not None
        temp = f"{self.link}.tmp-{os.getpid()}-{next(self._link_serial)}"
        os.symlink(target, temp)
        os.replace(temp, self.link)

    def _on_readable(self) -> None:
        assert self._leader is not None
        try:
            data = os.read(self._leader, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return  # nobody has the follower open: nothing to read
        read_at = time.monotonic()
        for msg in self.decoder.feed(data):
            self._handle(msg, read_at)
        self._waiters.notify()

    def _handle(self, msg: Message, read_at: float) -> None:
        self.received.append(msg)
        match msg:
            case Ping():
                # answered whatever rx it names: the host may not know ours yet
                self.stats.pings += 1
                self.send(Hello(self.rx, self.config.firmware, self.channel))
            case Poll():
                self.stats.polls += 1
                self.last_poll = msg
            case Ack():
                self.stats.acks += 1
                if self._on_ack is not None:
                    self._on_ack(self, msg, read_at)
            case _:
                log.warning(
                    "simulator.receiver.unexpected", extra={"rx": self.rx, "frame": repr(msg)}
                )

    def _mangle(self, frame: bytes) -> bytes:
        """Apply the configured line faults to one outgoing frame."""
        cfg, rng = self.config, self._rng
        out = frame
        if cfg.bitflip_rate and rng.random() < cfg.bitflip_rate:
            pos = rng.randrange(len(out))
            out = out[:pos] + bytes([out[pos] ^ (1 << rng.randrange(8))]) + out[pos + 1 :]
            self.stats.frames_corrupted += 1
        if cfg.truncate_rate and rng.random() < cfg.truncate_rate:
            out = out[: rng.randrange(1, len(out))]
            self.stats.frames_corrupted += 1
        if cfg.garbage_rate and rng.random() < cfg.garbage_rate:
            garbage = rng.randbytes(rng.randint(1, 24))
            self.stats.garbage_bytes += len(garbage)
            out = garbage + out
        return out

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            frame, on_written = await self._outbox.get()
            data = self._mangle(frame)
            if self.config.paced:
                # one frame at a time at the line rate of 8N1
                now = loop.time()
                start = max(now, self._line_free_at)
                if start > now:
                    await asyncio.sleep(start - now)
                self._line_free_at = start + len(data) * BITS_PER_BYTE / self.config.baudrate
            await self._write_all(data)
            self.stats.frames_sent += 1
            self.stats.bytes_sent += len(data)
            if on_written is not None:
                on_written(time.monotonic())

    async def _write_all(self, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        view = memoryview(data)
        while view:
            fd = self._leader
            if fd is None:
                return
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                # the host is not reading fast enough: wait until the pty drains
                ready: asyncio.Future[None] = loop.create_future()

                def wake(fut: asyncio.Future[None] = ready) -> None:
                    if not fut.done():
                        fut.set_result(None)

                loop.add_writer(fd, wake)
                try:
                    await ready
                finally:
                    loop.remove_writer(fd)


@dataclass(slots=True)
class Handset:
    """A stemkastje: an id, its press counter and the receivers that hear it."""

    id: str
    receivers: list[SimulatedReceiver]
    seq: int = 0  # the seq of the next press
    battery: float = 100.0
    rssi: dict[str, int] = field(default_factory=dict)  # base level per receiver
    current: PressResult | None = None


@dataclass(frozen=True, slots=True)
class ScenarioEvent:
    at_ms: int
    handset: str
    key: int


class Simulator:
    """A hall: receivers, handsets and the presses they make."""

    def __init__(
        self,
        *,
        receivers: int = 1,
        handsets: int = 10,
        first_handset: int = 1,
        config: SimConfig | None = None,
        links: Sequence[str | None] = (),
        overlap: float = 0.0,
    ) -> None:
        self.config = config or SimConfig()
        self._rng = random.Random(self.config.seed)
        self.receivers = [
            SimulatedReceiver(
                f"R{n + 1:02d}",
                channel=11 + 5 * n,
                config=self.config,
                rng=random.Random(self._rng.random()),
                link=links[n] if n < len(links) else None,
                on_ack=self._on_ack,
            )
            for n in range(receivers)
        ]
        self.handsets: dict[str, Handset] = {}
        shared = round(overlap * handsets)
        for i in range(handsets):
            hid = f"{first_handset + i:06d}"
            heard_by = [self.receivers[i % receivers]]
            if i < shared and receivers > 1:
                heard_by.append(self.receivers[(i + 1) % receivers])
            self.handsets[hid] = Handset(hid, [])
            self.hear(hid, *(r.rx for r in heard_by))
        self.results: list[PressResult] = []
        self.late_acks = 0
        self._pending: dict[tuple[str, int], tuple[PressResult, asyncio.Future[None]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def receiver(self, rx: str) -> SimulatedReceiver:
        return next(r for r in self.receivers if r.rx == rx)

    def hear(self, handset_id: str, *rx_ids: str) -> None:
        """Set which receivers pick up this handset's radio."""
        handset = self.handsets[handset_id]
        handset.receivers = [self.receiver(rx) for rx in rx_ids]
        for rx in rx_ids:
            handset.rssi.setdefault(rx, self._rng.randint(-90, -45))

    async def start(self) -> None:
        for receiver in self.receivers:
            await receiver.start()
        if self.config.stat_interval:
            self._spawn(self._heartbeats(self.config.stat_interval))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for receiver in self.receivers:
            await receiver.stop()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def press(self, handset_id: str, key: int) -> asyncio.Task[PressResult]:
        """Press a key; the task ends when the press is ACKed or given up."""
        return self._spawn(self._press(self.handsets[handset_id], key))

    async def burst(
        self,
        keys: Mapping[int, float],
        within_s: float,
        handsets: Iterable[str] | None = None,
    ) -> list[PressResult]:
        """Every handset presses once at a random moment within the window."""
        choices, weights = list(keys), list(keys.values())

        async def one(hid: str, delay: float, key: int) -> PressResult:
            await asyncio.sleep(delay)
            return await self.press(hid, key)

        return list(
            await asyncio.gather(
                *(
                    one(hid, self._rng.uniform(0, within_s), self._rng.choices(choices, weights)[0])
                    for hid in (handsets if handsets is not None else list(self.handsets))
                )
            )
        )

    async def play(self, events: Iterable[ScenarioEvent]) -> list[PressResult]:
        """Press keys at the scenario's times, relative to now."""
        loop = asyncio.get_running_loop()
        origin = loop.time()
        tasks = []
        for event in sorted(events, key=lambda e: e.at_ms):
            delay = origin + event.at_ms / 1000 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(self.press(event.handset, event.key))
        return list(await asyncio.gather(*tasks))

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _key_for(self, handset: Handset, receiver: SimulatedReceiver, seq: int, key: int) -> Key:
        rssi = handset.rssi[receiver.rx] + self._rng.randint(-3, 3)
        return Key(
            receiver.rx, handset.id, seq, key, max(-120, min(0, rssi)), round(handset.battery)
        )

    async def _press(self, handset: Handset, key: int) -> PressResult:
        loop = asyncio.get_running_loop()
        seq, handset.seq = handset.seq, seq_next(handset.seq)
        if handset.current is not None and not handset.current.acked:
            handset.current.superseded = True
        result = PressResult(handset.id, seq, key, pressed_at=time.monotonic())
        handset.current = result
        self.results.append(result)
        acked: asyncio.Future[None] = loop.create_future()
        self._pending[(handset.id, seq)] = (result, acked)
        try:
            for _ in range(1 + self.config.retransmits):
                if result.superseded:
                    break
                result.attempts += 1
                for receiver in handset.receivers:
                    receiver.send(
                        self._key_for(handset, receiver, seq, key),
                        on_written=self._first_sent(result),
                    )
                done, _ = await asyncio.wait({acked}, timeout=self.config.retransmit_interval)
                if done:
                    break
        finally:
            del self._pending[(handset.id, seq)]
            if not acked.done():
                acked.cancel()
        log.debug("simulator.press.done", extra=result.as_dict())
        return result

    @staticmethod
    def _first_sent(result: PressResult) -> Callable[[float], None]:
        def written(at: float) -> None:
            if result.sent_at is None:
                result.sent_at = at

        return written

    def _on_ack(self, receiver: SimulatedReceiver, ack: Ack, read_at: float) -> None:
        entry = self._pending.get((ack.handset, ack.seq))
        if entry is None or entry[1].done():
            self.late_acks += 1  # the other receiver's copy, or after giving up
            return
        result, acked = entry
        result.acked = True
        result.status = ack.status
        result.via = receiver.rx
        result.time_to_ack = time.monotonic() - result.pressed_at
        result.ack_read_at = read_at
        acked.set_result(None)

    async def _heartbeats(self, period: float) -> None:
        # spread the handsets over the period instead of all at once
        handsets = list(self.handsets.values())
        if not handsets:
            return
        step = period / len(handsets)
        await asyncio.sleep(self._rng.uniform(0, step))
        for handset in itertools.cycle(handsets):
            handset.battery = max(0.0, handset.battery - self.config.battery_drain)
            for receiver in handset.receivers:
                rssi = max(-120, min(0, handset.rssi[receiver.rx] + self._rng.randint(-3, 3)))
                receiver.send(Stat(receiver.rx, handset.id, rssi, round(handset.battery)))
            await asyncio.sleep(step)

    def summary(self) -> dict[str, Any]:
        done = [r for r in self.results if r.acked]
        return {
            "presses": len(self.results),
            "acked": len(done),
            "pending": len(self._pending),
            "late_acks": self.late_acks,
            "by_status": dict(sorted(Counter(str(r.status) for r in done).items())),
        }
