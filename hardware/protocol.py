"""Receiver wire protocol v1: a sans-I/O frame codec.

Values in, values out: this module imports nothing that does I/O, so every rule
of /work/shared/PROTOCOL.md can be tested byte by byte without a port, a thread
or an event loop.

    $<BODY>*<CRC>\\r\\n      BODY = comma-separated fields, CRC = CRC-16/CCITT-FALSE

Messages are frozen dataclasses that validate themselves on construction, so an
invalid message can neither be decoded nor encoded. Integers are accepted only
in their canonical decimal form (no leading zeros, no ``+``, no ``-0``): every
frame that decodes re-encodes to the same bytes.

Errors: constructing a message with an invalid field, or encoding one whose
frame would exceed 128 bytes, raises ``ValueError``. ``FrameDecoder.feed`` never
raises; it discards and counts instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

__all__ = [
    "ACK_STATUSES",
    "MAX_FRAME",
    "POLL_STATES",
    "SEQ_MODULUS",
    "UNKNOWN_RX",
    "Ack",
    "AckStatus",
    "DecoderStats",
    "Err",
    "FrameDecoder",
    "Hello",
    "Key",
    "Message",
    "Ping",
    "Poll",
    "PollState",
    "Stat",
    "crc16",
    "encode",
    "seq_newer",
    "seq_next",
]

MAX_FRAME: Final = 128
SEQ_MODULUS: Final = 1 << 16
# PING must name a receiver, but after (re)opening a port the host may not have
# heard a HELLO yet. This id is used then; the receivers answer any PING.
UNKNOWN_RX: Final = "ALL"

AckStatus = Literal["OK", "NOPOLL", "LATE", "BADKEY", "DENY"]
PollState = Literal["OPEN", "CLOSED"]
ACK_STATUSES: Final[frozenset[str]] = frozenset(get_args(AckStatus))
POLL_STATES: Final[frozenset[str]] = frozenset(get_args(PollState))


def _make_crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_CRC_TABLE: Final = _make_crc_table()


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return crc


def seq_next(seq: int) -> int:
    """The sequence number after ``seq``, wrapping 65535 -> 0."""
    return (seq + 1) % SEQ_MODULUS


def seq_newer(a: int, b: int) -> bool:
    """True when ``a`` comes after ``b`` in serial-number arithmetic (RFC 1982).

    ``a`` is newer when it is 1..32767 steps ahead of ``b`` modulo 65536. At
    exactly half the circle the order is undefined and neither is newer.
    """
    distance = (a - b) % SEQ_MODULUS
    return 0 < distance < SEQ_MODULUS // 2


# --- field validation -------------------------------------------------------

_RX_RE: Final = re.compile(r"[A-Z0-9]{1,8}")
_HANDSET_RE: Final = re.compile(r"[0-9]{6}")
_UINT_RE: Final = re.compile(r"0|[1-9][0-9]*")
_INT_RE: Final = re.compile(r"0|-?[1-9][0-9]*")
# printable ASCII 0x20-0x7E without the three framing characters
_TEXT_RE: Final = re.compile(r"[\x20-\x23\x25-\x29\x2B\x2D-\x7E]*")


def _check_rx(rx: str) -> None:
    if not _RX_RE.fullmatch(rx):
        raise ValueError(f"rx must be 1-8 characters of A-Z0-9, got {rx!r}")


def _check_handset(handset: str) -> None:
    if not _HANDSET_RE.fullmatch(handset):
        raise ValueError(f"handset must be exactly 6 digits, got {handset!r}")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    # bool is an int subclass; True would encode as "True"
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer {low}..{high}, got {value!r}")


def _check_text(name: str, value: str, *, allow_empty: bool) -> None:
    if not isinstance(value, str) or not _TEXT_RE.fullmatch(value):
        raise ValueError(f"{name} must be printable ASCII without $ * or ',', got {value!r}")
    if not value and not allow_empty:
        raise ValueError(f"{name} must not be empty")


def _parse_int(text: str, *, signed: bool = False) -> int:
    if not (_INT_RE if signed else _UINT_RE).fullmatch(text):
        raise ValueError(f"not a canonical decimal integer: {text!r}")
    return int(text)


# --- messages ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello:
    """Receiver -> host, at power-up and in answer to PING."""

    rx: str
    firmware: str
    channel: int

    def __post_init__(self) -> None:
        _check_rx(self.rx)
        _check_text("firmware", self.firmware, allow_empty=False)
        # PROTOCOL.md gives no range for the radio channel; a non-negative int
        _check_range("channel", self.channel, 0, 65535)

    def fields(self) -> list[str]:
        return [self.rx, self.firmware, str(self.channel)]


@dataclass(frozen=True, slots=True)
class Key:
    """Receiver -> host: a button press on a handset."""

    rx: str
    handset: str
    seq: int
    key: int
    rssi: int
    battery: int

    def __post_init__(self) -> None:
        _check_rx(self.rx)
        _check_handset(self.handset)
        _check_range("seq", self.seq, 0, SEQ_MODULUS - 1)
        _check_range("key", self.key, 0, 9)
        _check_range("rssi", self.rssi, -120, 0)
        _check_range("battery", self.battery, 0, 100)

    def fields(self) -> list[str]:
        return [
            self.rx,
            self.handset,
            str(self.seq),
            str(self.key),
            str(self.rssi),
            str(self.battery),
        ]


@dataclass(frozen=True, slots=True)
class Stat:
    """Receiver -> host: a handset's heartbeat."""

    rx: str
    handset: str
    rssi: int
    battery: int

    def __post_init__(self) -> None:
        _check_rx(self.rx)
        _check_handset(self.handset)
        _check_range("rssi", self.rssi, -120, 0)
        _check_range("battery", self.battery, 0, 100)

    def fields(self) -> list[str]:
        return [self.rx, self.handset, str(self.rssi), str(self.battery)]


@dataclass(frozen=True, slots=True)
class Err:
    """Receiver -> host: a receiver-side fault such as BUFFER or RADIO."""

    rx: str
    code: str
    text: str

    def __post_init__(self) -> None:
        _check_rx(self.rx)
        _check_text("code", self.code, allow_empty=False)
        _check_text("text", self.text, allow_empty=True)

    def fields(self) -> list[str]:
        return [self.rx, self.code, self.text]


@dataclass(frozen=True, slots=True)
class Ack:
    """Host -> receiver: the answer to one KEY."""

    rx: str
    handset: str
    seq: int
    status: AckStatus

    def __post_init__(self) -> None:
        _check_rx(self.rx)
        _check_handset(self.handset)
        _check_range("seq", self.seq, 0, SEQ_MODULUS - 1)
        if self.status not in ACK_STATUSES:
            raise ValueError(f"status must be one of {sorted(ACK_STATUSES)}, got {self.status!r}")

    def fields(self) -> list[str]:
        return [self.rx, self.handset, str(self.seq), self.status]


@dataclass(frozen=True, slots=True)
class Poll:
    """Host -> receiver: the vote state, OPEN with its number of valid keys or CLOSED, 0."""

    rx: str
    state: PollState
    keys: int

    def __post_init__(self) -> None:
        _check_rx(self.rx)
        if self.state == "OPEN":
            # ten keys (1-9 and 0) exist, so an open vote offers 1..10 of them
            _check_range("keys", self.keys, 1, 10)
        elif self.state == "CLOSED":
            _check_range("keys", self.keys, 0, 0)
        else:
            raise ValueError(f"state must be OPEN or CLOSED, got {self.state!r}")

    def fields(self) -> list[str]:
        return [self.rx, self.state, str(self.keys)]


@dataclass(frozen=True, slots=True)
class Ping:
    """Host -> receiver: asks for a HELLO."""

    rx: str

    def __post_init__(self) -> None:
        _check_rx(self.rx)

    def fields(self) -> list[str]:
        return [self.rx]


Message = Hello | Key | Stat | Err | Ack | Poll | Ping

_TYPE_NAMES: Final[dict[type, str]] = {
    Hello: "HELLO",
    Key: "KEY",
    Stat: "STAT",
    Err: "ERR",
    Ack: "ACK",
    Poll: "POLL",
    Ping: "PING",
}


def _decode_fields(kind: str, f: list[str]) -> Message:
    """Build a message from its fields; ValueError when they are malformed."""
    match kind, len(f):
        case "HELLO", 3:
            return Hello(f[0], f[1], _parse_int(f[2]))
        case "KEY", 6:
            return Key(
                f[0],
                f[1],
                _parse_int(f[2]),
                _parse_int(f[3]),
                _parse_int(f[4], signed=True),
                _parse_int(f[5]),
            )
        case "STAT", 4:
            return Stat(f[0], f[1], _parse_int(f[2], signed=True), _parse_int(f[3]))
        case "ERR", 3:
            return Err(f[0], f[1], f[2])
        case "ACK", 4:
            return Ack(f[0], f[1], _parse_int(f[2]), f[3])  # type: ignore[arg-type]
        case "POLL", 3:
            return Poll(f[0], f[1], _parse_int(f[2]))  # type: ignore[arg-type]
        case "PING", 1:
            return Ping(f[0])
    raise ValueError(f"{kind} with {len(f)} fields")


_KNOWN_TYPES: Final = frozenset(_TYPE_NAMES.values())


def encode(msg: Message) -> bytes:
    """The complete frame for ``msg``, ``$`` to ``\\r\\n``.

    Raises ValueError when the frame would exceed 128 bytes (a long ERR text or
    firmware string can do that).
    """
    body = ",".join([_TYPE_NAMES[type(msg)], *msg.fields()]).encode("ascii")
    frame = b"$%s*%04X\r\n" % (body, crc16(body))
    if len(frame) > MAX_FRAME:
        raise ValueError(f"frame of {len(frame)} bytes exceeds {MAX_FRAME}")
    return frame


# --- decoding ---------------------------------------------------------------

_HEX_RE: Final = re.compile(rb"[0-9A-F]{4}")


@dataclass(slots=True)
class DecoderStats:
    """What a decoder accepted and what it threw away, by kind."""

    frames_ok: int = 0
    noise_bytes: int = 0  # bytes outside any frame
    bad_crc: int = 0
    malformed: int = 0  # broken structure or fields, truncated or too long
    unknown_type: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "frames_ok": self.frames_ok,
            "noise_bytes": self.noise_bytes,
            "bad_crc": self.bad_crc,
            "malformed": self.malformed,
            "unknown_type": self.unknown_type,
        }


@dataclass(slots=True)
class FrameDecoder:
    """Incremental decoder: feed it any bytes in any chunks, get whole messages.

    It resynchronises on ``$``: a ``$`` inside a frame abandons the partial frame
    (a receiver restarting mid-frame looks exactly like that), and a frame that
    grows past 128 bytes is abandoned as soon as it does, so one lost ``\\n``
    cannot swallow the valid frames behind it.
    """

    stats: DecoderStats = field(default_factory=DecoderStats)
    _frame: bytearray = field(default_factory=bytearray)
    _in_frame: bool = False

    def reset(self) -> None:
        """Forget a partial frame (after a reconnect); the counters stay."""
        if self._in_frame:
            self.stats.malformed += 1
        self._frame.clear()
        self._in_frame = False

    def feed(self, data: bytes) -> list[Message]:
        data = bytes(data)
        out: list[Message] = []
        pos, end = 0, len(data)
        while pos < end:
            if not self._in_frame:
                start = data.find(b"$", pos)
                if start < 0:
                    self.stats.noise_bytes += end - pos
                    break
                self.stats.noise_bytes += start - pos
                self._begin()
                pos = start + 1
                continue
            newline = data.find(b"\n", pos)
            dollar = data.find(b"$", pos)
            if dollar >= 0 and (newline < 0 or dollar < newline):
                # a new frame starts before this one ended: this one was truncated
                if not self._append(data[pos:dollar]):
                    continue  # too long; the bytes up to the `$` are now noise
                self.stats.malformed += 1
                self._begin()
                pos = dollar + 1
            elif newline >= 0:
                if not self._append(data[pos : newline + 1]):
                    continue
                msg = self._finish(bytes(self._frame))
                self._in_frame = False
                self._frame.clear()
                if msg is not None:
                    out.append(msg)
                pos = newline + 1
            else:
                if not self._append(data[pos:end]):
                    continue
                pos = end
        return out

    def _begin(self) -> None:
        self._frame.clear()
        self._frame += b"$"
        self._in_frame = True

    def _append(self, chunk: bytes) -> bool:
        """Add to the frame; False (frame abandoned) when it can no longer fit."""
        complete = chunk.endswith(b"\n")
        size = len(self._frame) + len(chunk)
        # an unfinished frame needs at least one more byte, its `\n`
        if size > MAX_FRAME or (not complete and size >= MAX_FRAME):
            self.stats.malformed += 1
            self._in_frame = False
            self._frame.clear()
            return False
        self._frame += chunk
        return True

    def _finish(self, frame: bytes) -> Message | None:
        # frame is `$...\n`, at most MAX_FRAME bytes
        if len(frame) < 9 or frame[-2:] != b"\r\n" or frame[-7:-6] != b"*":
            self.stats.malformed += 1
            return None
        body, crc_text = frame[1:-7], frame[-6:-2]
        if not _HEX_RE.fullmatch(crc_text):
            self.stats.malformed += 1
            return None
        if int(crc_text, 16) != crc16(body):
            self.stats.bad_crc += 1
            return None
        try:
            text = body.decode("ascii")
        except UnicodeDecodeError:
            self.stats.malformed += 1
            return None
        if not _TEXT_RE.fullmatch(text.replace(",", "")):
            self.stats.malformed += 1
            return None
        kind, *fields = text.split(",")
        if kind not in _KNOWN_TYPES:
            self.stats.unknown_type += 1
            return None
        try:
            msg = _decode_fields(kind, fields)
        except ValueError:
            self.stats.malformed += 1
            return None
        self.stats.frames_ok += 1
        return msg
