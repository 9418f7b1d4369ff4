"""Serial transport for receivers, in the manner of pyserial's ``serial.threaded``.

One ``ReceiverPort`` per configured receiver. Its reader thread owns the port
(like ``ReaderThread``), feeds every byte to a ``FrameDecoder`` and calls one
hook per decoded message (like ``FramedPacket.handle_packet``). Unlike
``ReaderThread`` a lost connection is not fatal: the thread logs it, closes the
port and keeps reopening the configured path with backoff until it reappears,
possibly as a new device behind a stable ``/dev/serial/by-id`` link or a new
``usb:VID:PID[:SERIAL]`` match. After every (re)open it sends ``PING`` and calls
``on_connect`` so the owner can replay the vote state.

Writes go through a single writer thread per port, so callers on the event loop
never block on a slow or vanished device; frames queued while the port is down
are dropped (an ACK that never arrives is retransmitted by the handset, a POLL
is replayed on reconnect).

Hooks run on the port's threads; the owner hands them to its event loop.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import serial
import serial.tools.list_ports

from hardware.protocol import UNKNOWN_RX, FrameDecoder, Message, Ping, encode

log = logging.getLogger(__name__)

BAUDRATE = 115200


class PortInfo(Protocol):
    """What we use of ``serial.tools.list_ports_common.ListPortInfo``."""

    device: str
    vid: int | None
    pid: int | None
    serial_number: str | None


@dataclass(frozen=True, slots=True)
class UsbMatch:
    """A receiver identified by USB ids instead of a path: ``usb:VID:PID[:SERIAL]``."""

    vid: int
    pid: int
    serial_number: str | None = None

    @classmethod
    def parse(cls, spec: str) -> UsbMatch:
        """``usb:2341:0043`` or ``usb:2341:0043:95635333`` (ids in hex)."""
        parts = spec.split(":")
        if parts[0] != "usb" or len(parts) not in (3, 4):
            raise ValueError(f"expected usb:VID:PID[:SERIAL], got {spec!r}")
        serial_number = parts[3] if len(parts) == 4 and parts[3] else None
        return cls(int(parts[1], 16), int(parts[2], 16), serial_number)

    def matches(self, info: PortInfo) -> bool:
        if (info.vid, info.pid) != (self.vid, self.pid):
            return False
        return self.serial_number is None or info.serial_number == self.serial_number

    def find(self, ports: Iterable[PortInfo] | None = None) -> str:
        """The device path of the one matching port; LookupError if none or several."""
        candidates = serial.tools.list_ports.comports() if ports is None else ports
        found = sorted(info.device for info in candidates if self.matches(info))
        if not found:
            raise LookupError(f"no USB port matches {self}")
        if len(found) > 1:
            # never guess between two receivers: their ACKs would go astray
            raise LookupError(f"{len(found)} USB ports match {self}: {found}")
        return found[0]

    def __str__(self) -> str:
        tail = f":{self.serial_number}" if self.serial_number else ""
        return f"usb:{self.vid:04x}:{self.pid:04x}{tail}"


def resolve(spec: str, ports: Iterable[PortInfo] | None = None) -> str:
    """The path or URL to open for a configured port spec, looked up anew each time."""
    if spec.startswith("usb:"):
        return UsbMatch.parse(spec).find(ports)
    return spec


def open_serial(path: str, *, read_timeout: float = 0.1) -> Any:
    """Open like the real receivers want it; URLs such as ``loop://`` work too."""
    return serial.serial_for_url(path, baudrate=BAUDRATE, timeout=read_timeout, write_timeout=2.0)


@dataclass(slots=True)
class PortStats:
    connects: int = 0
    reconnects: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    write_errors: int = 0


MessageHook = Callable[["ReceiverPort", Message], None]
ConnectHook = Callable[["ReceiverPort"], None]
LostHook = Callable[["ReceiverPort", BaseException | None], None]


def _ignore_lost(port: ReceiverPort, exc: BaseException | None) -> None:
    pass


class ReceiverPort:
    """A receiver's serial port that reconnects by itself."""

    def __init__(
        self,
        spec: str,
        *,
        on_message: MessageHook,
        on_connect: ConnectHook,
        on_lost: LostHook = _ignore_lost,
        opener: Callable[[str], Any] = open_serial,
        reconnect_initial: float = 0.05,
        reconnect_max: float = 2.0,
    ) -> None:
        self.spec = spec
        self.device: str | None = None
        self.rx: str | None = None  # learnt from the frames the receiver sends
        self.decoder = FrameDecoder()
        self.stats = PortStats()
        self._on_message = on_message
        self._on_connect = on_connect
        self._on_lost = on_lost
        self._opener = opener
        self._reconnect_initial = reconnect_initial
        self._reconnect_max = reconnect_max
        self._serial: Any = None
        self._lock = threading.Lock()  # guards _serial between reader and writer
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read_loop, name=f"rx-read {spec}", daemon=True)
        self._writer = threading.Thread(
            target=self._write_loop, name=f"rx-write {spec}", daemon=True
        )

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def start(self) -> None:
        self._reader.start()
        self._writer.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._outbox.put(None)
        # Under the lock _close takes: the reader thread may be closing the port
        # right now, and cancelling a closed port's read fails (EBADF).
        with self._lock:
            port = self._serial
            if port is not None and hasattr(port, "cancel_read"):
                port.cancel_read()
        self._reader.join(timeout)
        self._writer.join(timeout)

    def send(self, frame: bytes) -> None:
        """Queue a frame; never blocks. Dropped if the port is down when it is written."""
        self._outbox.put(frame)

    def send_message(self, msg: Message) -> None:
        self.send(encode(msg))

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    # --- reader thread ------------------------------------------------------------

    def _read_loop(self) -> None:
        delay = self._reconnect_initial
        while not self._stop.is_set():
            port = self._open()
            if port is None:
                self._stop.wait(delay)
                delay = min(delay * 2, self._reconnect_max)
                continue
            delay = self._reconnect_initial
            error = self._pump(port)
            self._close(port)
            if not self._stop.is_set():
                log.warning(
                    "gateway.port.lost",
                    extra={"port": self.spec, "device": self.device, "error": repr(error)},
                )
                self._on_lost(self, error)

    def _open(self) -> Any:
        try:
            device = resolve(self.spec)
            port = self._opener(device)
        except (serial.SerialException, OSError, LookupError, ValueError) as exc:
            if self.stats.connects == 0 or log.isEnabledFor(logging.DEBUG):
                log.info("gateway.port.open_failed", extra={"port": self.spec, "error": str(exc)})
            return None
        self.device = device
        self.decoder.reset()
        with self._lock:
            self._serial = port
        self.stats.connects += 1
        if self.stats.connects > 1:
            self.stats.reconnects += 1
        self._connected.set()
        log.info(
            "gateway.port.opened",
            extra={"port": self.spec, "device": device, "reconnects": self.stats.reconnects},
        )
        # ask who is there: a HELLO sent at power-up may have gone before we opened
        self.send_message(Ping(self.rx or UNKNOWN_RX))
        self._on_connect(self)
        return port

    def _pump(self, port: Any) -> BaseException | None:
        """Read until the port fails or we are stopped; the error, if any."""
        while not self._stop.is_set():
            try:
                data = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: pyserial's posix read after a concurrent close
                return exc
            if not data:
                continue
            self.stats.bytes_in += len(data)
            for msg in self.decoder.feed(data):
                self.rx = msg.rx
                try:
                    self._on_message(self, msg)
                except Exception:
                    log.exception("gateway.port.hook_failed", extra={"port": self.spec})
        return None

    def _close(self, port: Any) -> None:
        self._connected.clear()
        with self._lock:
            self._serial = None
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    # --- writer thread ------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            frame = self._outbox.get()
            if frame is None:
                return
            # coalesce what queued up meanwhile into one write
            chunks = [frame]
            while True:
                try:
                    more = self._outbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._outbox.put(None)
                    break
                chunks.append(more)
            self._write(b"".join(chunks))

    def _write(self, data: bytes) -> None:
        with self._lock:
            port = self._serial
            if port is None:
                return
            try:
                port.write(data)
            except (serial.SerialException, OSError) as exc:
                # the reader sees the same failure and reconnects
                self.stats.write_errors += 1
                log.warning(
                    "gateway.port.write_failed", extra={"port": self.spec, "error": str(exc)}
                )
                return
        self.stats.bytes_out += len(data)
