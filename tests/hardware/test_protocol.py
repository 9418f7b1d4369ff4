"""The frame codec against PROTOCOL.md: examples, boundaries and properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.protocol import (
    MAX_FRAME,
    Ack,
    Err,
    FrameDecoder,
    Hello,
    Key,
    Message,
    Ping,
    Poll,
    Stat,
    crc16,
    encode,
    seq_newer,
    seq_next,
)

EXAMPLES: list[tuple[bytes, Message]] = [
    (b"$HELLO,R01,2.1,17*5D0A\r\n", Hello("R01", "2.1", 17)),
    (b"$KEY,R01,004711,42,1,-61,87*1245\r\n", Key("R01", "004711", 42, 1, -61, 87)),
    (b"$ACK,R01,004711,42,OK*6E32\r\n", Ack("R01", "004711", 42, "OK")),
    (b"$STAT,R01,004711,-58,86*29AB\r\n", Stat("R01", "004711", -58, 86)),
    (b"$POLL,R01,OPEN,3*8643\r\n", Poll("R01", "OPEN", 3)),
    (b"$POLL,R01,CLOSED,0*9CF9\r\n", Poll("R01", "CLOSED", 0)),
    (b"$PING,R01*FB40\r\n", Ping("R01")),
    (b"$ACK,R01,004711,42,DENY*DE35\r\n", Ack("R01", "004711", 42, "DENY")),
]


def frame(body: str, crc: int | None = None) -> bytes:
    """A frame around ``body`` with its correct CRC unless one is given."""
    raw = body.encode("latin-1")
    return b"$%s*%04X\r\n" % (raw, crc16(raw) if crc is None else crc)


def decode_one(data: bytes) -> tuple[list[Message], FrameDecoder]:
    decoder = FrameDecoder()
    return decoder.feed(data), decoder


class TestCrc:
    def test_check_value(self) -> None:
        assert crc16(b"123456789") == 0x29B1

    def test_empty_is_initial_value(self) -> None:
        assert crc16(b"") == 0xFFFF

    @pytest.mark.parametrize(("wire", "message"), EXAMPLES)
    def test_example_crc_matches_algorithm(self, wire: bytes, message: Message) -> None:
        body, crc = wire[1:-2].split(b"*")
        assert crc16(body) == int(crc, 16)


class TestExamples:
    @pytest.mark.parametrize(("wire", "message"), EXAMPLES)
    def test_decodes_as_stated(self, wire: bytes, message: Message) -> None:
        messages, decoder = decode_one(wire)
        assert messages == [message]
        assert decoder.stats.frames_ok == 1

    @pytest.mark.parametrize(("wire", "message"), EXAMPLES)
    def test_reencodes_byte_identically(self, wire: bytes, message: Message) -> None:
        assert encode(message) == wire

    def test_all_examples_in_one_stream(self) -> None:
        messages, _ = decode_one(b"".join(wire for wire, _ in EXAMPLES))
        assert messages == [message for _, message in EXAMPLES]


def key_frame(
    *,
    rx: str = "R01",
    handset: str = "004711",
    seq: str = "42",
    key: str = "1",
    rssi: str = "-61",
    battery: str = "87",
) -> bytes:
    return frame(f"KEY,{rx},{handset},{seq},{key},{rssi},{battery}")


def accepted(data: bytes) -> bool:
    messages, decoder = decode_one(data)
    if messages:
        return True
    assert decoder.stats.malformed == 1, decoder.stats
    return False


class TestFieldBoundaries:
    @pytest.mark.parametrize(
        ("rx", "ok"),
        [
            ("R", True),
            ("ABCDEFGH", True),
            ("Z9", True),
            ("0", True),
            ("", False),
            ("ABCDEFGHI", False),
            ("r01", False),
            ("R-1", False),
            ("R 1", False),
        ],
    )
    def test_rx(self, rx: str, ok: bool) -> None:
        assert accepted(key_frame(rx=rx)) is ok

    @pytest.mark.parametrize(
        ("handset", "ok"),
        [
            ("000000", True),
            ("999999", True),
            ("00471", False),
            ("0047110", False),
            ("00471A", False),
            ("-04711", False),
            ("", False),
        ],
    )
    def test_handset(self, handset: str, ok: bool) -> None:
        assert accepted(key_frame(handset=handset)) is ok

    @pytest.mark.parametrize(
        ("seq", "ok"),
        [
            ("0", True),
            ("65535", True),
            ("65536", False),
            ("-1", False),
            ("042", False),
            ("+42", False),
            ("", False),
        ],
    )
    def test_seq(self, seq: str, ok: bool) -> None:
        assert accepted(key_frame(seq=seq)) is ok

    @pytest.mark.parametrize(
        ("key", "ok"),
        [("0", True), ("9", True), ("10", False), ("-1", False), ("A", False), ("", False)],
    )
    def test_key(self, key: str, ok: bool) -> None:
        assert accepted(key_frame(key=key)) is ok

    @pytest.mark.parametrize(
        ("rssi", "ok"),
        [("0", True), ("-120", True), ("-121", False), ("1", False), ("-0", False)],
    )
    def test_rssi(self, rssi: str, ok: bool) -> None:
        assert accepted(key_frame(rssi=rssi)) is ok
        assert accepted(frame(f"STAT,R01,004711,{rssi},50")) is ok

    @pytest.mark.parametrize(
        ("battery", "ok"),
        [("0", True), ("100", True), ("101", False), ("-1", False), ("050", False)],
    )
    def test_battery(self, battery: str, ok: bool) -> None:
        assert accepted(key_frame(battery=battery)) is ok
        assert accepted(frame(f"STAT,R01,004711,-50,{battery}")) is ok

    @pytest.mark.parametrize("status", ["OK", "NOPOLL", "LATE", "BADKEY", "DENY"])
    def test_every_ack_status(self, status: str) -> None:
        assert accepted(frame(f"ACK,R01,004711,0,{status}"))

    @pytest.mark.parametrize("status", ["ok", "NACK", "", "OK "])
    def test_bad_ack_status(self, status: str) -> None:
        assert not accepted(frame(f"ACK,R01,004711,0,{status}"))

    @pytest.mark.parametrize(
        ("body", "ok"),
        [
            ("POLL,R01,OPEN,1", True),
            ("POLL,R01,OPEN,10", True),
            ("POLL,R01,OPEN,0", False),
            ("POLL,R01,OPEN,11", False),
            ("POLL,R01,CLOSED,0", True),
            ("POLL,R01,CLOSED,3", False),
            ("POLL,R01,open,3", False),
            ("POLL,R01,PAUSED,0", False),
        ],
    )
    def test_poll(self, body: str, ok: bool) -> None:
        assert accepted(frame(body)) is ok

    @pytest.mark.parametrize(
        ("body", "ok"),
        [
            ("HELLO,R01,2.1,0", True),
            ("HELLO,R01,v2.1 beta,17", True),
            ("HELLO,R01,,17", False),
            ("HELLO,R01,2.1,", False),
            ("ERR,R01,BUFFER,overflow at 500 handsets", True),
            ("ERR,R01,RADIO,", True),
            ("ERR,R01,,text", False),
            ("PING,R01", True),
            ("PING,", False),
        ],
    )
    def test_text_fields(self, body: str, ok: bool) -> None:
        assert accepted(frame(body)) is ok

    @pytest.mark.parametrize(
        "body",
        [
            "KEY,R01,004711,42,1,-61",
            "KEY,R01,004711,42,1,-61,87,1",
            "PING",
            "PING,R01,R02",
            "ACK,R01,004711,42",
        ],
    )
    def test_wrong_field_count_is_malformed(self, body: str) -> None:
        assert not accepted(frame(body))

    def test_constructors_validate(self) -> None:
        with pytest.raises(ValueError):
            Key("R01", "004711", 65536, 1, -61, 87)
        with pytest.raises(ValueError):
            Ack("R01", "004711", 1, "MAYBE")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            Key("R01", "004711", True, 1, -61, 87)
        with pytest.raises(ValueError):
            Err("R01", "CODE", "a,b")


class TestFraming:
    def test_exactly_128_bytes_is_accepted(self) -> None:
        filler = "x" * (MAX_FRAME - len(frame("ERR,R01,X,")))
        data = frame(f"ERR,R01,X,{filler}")
        assert len(data) == MAX_FRAME
        assert decode_one(data)[0] == [Err("R01", "X", filler)]
        assert encode(Err("R01", "X", filler)) == data

    def test_129_bytes_is_too_long(self) -> None:
        filler = "x" * (MAX_FRAME + 1 - len(frame("ERR,R01,X,")))
        data = frame(f"ERR,R01,X,{filler}")
        assert len(data) == MAX_FRAME + 1
        messages, decoder = decode_one(data)
        assert messages == []
        assert decoder.stats.malformed == 1
        with pytest.raises(ValueError):
            encode(Err("R01", "X", filler))

    def test_too_long_frame_does_not_swallow_the_next(self) -> None:
        data = b"$" + b"A" * 300 + EXAMPLES[0][0]
        messages, decoder = decode_one(data)
        assert messages == [EXAMPLES[0][1]]
        assert decoder.stats.malformed == 1

    def test_noise_outside_frames_is_counted(self) -> None:
        messages, decoder = decode_one(b"\x00\xffhello\r\n" + EXAMPLES[6][0] + b"zz")
        assert messages == [Ping("R01")]
        assert decoder.stats.noise_bytes == 11

    def test_bad_crc_is_counted(self) -> None:
        messages, decoder = decode_one(frame("PING,R01", crc=0xFB41))
        assert messages == []
        assert decoder.stats.bad_crc == 1

    @pytest.mark.parametrize(
        "data",
        [
            b"$PING,R01*fb40\r\n",
            b"$PING,R01*FB4\r\n",
            b"$PING,R01*FB400\r\n",
            b"$PING,R01*FB40\n",
            b"$PING,R01FB40\r\n",
            b"$PING,R01*FB40\r\r\n",
        ],
    )
    def test_broken_structure_is_malformed(self, data: bytes) -> None:
        messages, decoder = decode_one(data)
        assert messages == []
        assert decoder.stats.malformed == 1

    def test_unknown_type_is_counted(self) -> None:
        messages, decoder = decode_one(frame("BEEP,R01"))
        assert messages == []
        assert decoder.stats.unknown_type == 1

    def test_non_printable_body_is_malformed(self) -> None:
        assert not accepted(frame("ERR,R01,X,caf\xe9"))
        assert not accepted(frame("ERR,R01,X,tab\there"))

    def test_truncated_frame_resynchronises_on_dollar(self) -> None:
        messages, decoder = decode_one(b"$KEY,R01,0047" + EXAMPLES[1][0])
        assert messages == [EXAMPLES[1][1]]
        assert decoder.stats.malformed == 1

    def test_reset_forgets_partial_frame(self) -> None:
        decoder = FrameDecoder()
        assert decoder.feed(b"$PING,R0") == []
        decoder.reset()
        assert decoder.feed(b"1*FB40\r\n") == []
        assert decoder.stats.malformed == 1
        assert decoder.stats.noise_bytes == 8


class TestSeq:
    @pytest.mark.parametrize(
        ("a", "b", "newer"),
        [
            (1, 0, True),
            (0, 1, False),
            (5, 5, False),
            (0, 65535, True),
            (65535, 0, False),
            (10, 65530, True),
            (32767, 0, True),
            (32768, 0, False),
            (0, 32768, False),
            (32769, 0, False),
        ],
    )
    def test_seq_newer(self, a: int, b: int, newer: bool) -> None:
        assert seq_newer(a, b) is newer

    def test_seq_next_wraps(self) -> None:
        assert seq_next(65535) == 0
        assert seq_next(0) == 1


# --- properties ---------------------------------------------------------------

rx_ids = st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True)
handsets = st.from_regex(r"[0-9]{6}", fullmatch=True)
seqs = st.integers(0, 65535)
rssis = st.integers(-120, 0)
batteries = st.integers(0, 100)
texts = st.from_regex(r"[\x20-\x23\x25-\x29\x2B\x2D-\x7E]{0,20}", fullmatch=True)


FRAMEISH = b"$*,\r\nKEYPINGACKR01-0123456789ABCDEF"


def nonempty(s: str) -> bool:
    return bool(s)


messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(Hello, rx_ids, texts.filter(nonempty), st.integers(0, 65535)),
    st.builds(Key, rx_ids, handsets, seqs, st.integers(0, 9), rssis, batteries),
    st.builds(Stat, rx_ids, handsets, rssis, batteries),
    st.builds(Err, rx_ids, texts.filter(nonempty), texts),
    st.builds(
        Ack, rx_ids, handsets, seqs, st.sampled_from(["OK", "NOPOLL", "LATE", "BADKEY", "DENY"])
    ),
    st.builds(Poll, rx_ids, st.just("OPEN"), st.integers(1, 10)),
    st.builds(Poll, rx_ids, st.just("CLOSED"), st.just(0)),
    st.builds(Ping, rx_ids),
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


class TestProperties:
    @given(st.binary(max_size=600))
    def test_any_bytes_never_raise(self, data: bytes) -> None:
        decoder = FrameDecoder()
        for message in decoder.feed(data):
            # whatever decodes is valid, so it re-encodes byte-identically
            assert encode(message) in data

    @given(st.binary(max_size=400).map(lambda b: bytes(FRAMEISH[x % len(FRAMEISH)] for x in b)))
    def test_frame_like_bytes_never_raise(self, data: bytes) -> None:
        # an alphabet of framing characters reaches the deeper paths of the decoder
        decoder = FrameDecoder()
        for message in decoder.feed(data):
            assert encode(message) in data

    @given(st.lists(st.binary(max_size=50), max_size=20))
    def test_any_chunks_never_raise(self, chunks: list[bytes]) -> None:
        decoder = FrameDecoder()
        for chunk in chunks:
            decoder.feed(chunk)

    @given(messages)
    def test_round_trip(self, message: Message) -> None:
        data = encode(message)
        assert len(data) <= MAX_FRAME
        assert decode_one(data)[0] == [message]

    @given(st.lists(messages, min_size=1, max_size=10), st.lists(st.integers(0, 2000)))
    def test_arbitrary_chunk_boundaries(self, msgs: list[Message], cuts: list[int]) -> None:
        data = b"".join(encode(m) for m in msgs)
        decoder = FrameDecoder()
        decoded = [m for chunk in chunked(data, cuts) for m in decoder.feed(chunk)]
        assert decoded == msgs
        assert decoder.stats.frames_ok == len(msgs)

    @settings(max_examples=100)
    @given(
        st.lists(st.tuples(st.binary(max_size=200), messages), min_size=1, max_size=10),
        st.binary(max_size=200),
        st.lists(st.integers(0, 4000)),
    )
    def test_garbage_between_frames_loses_no_frame(
        self, pairs: list[tuple[bytes, Message]], tail: bytes, cuts: list[int]
    ) -> None:
        data = b"".join(garbage + encode(m) for garbage, m in pairs) + tail
        decoder = FrameDecoder()
        decoded = [m for chunk in chunked(data, cuts) for m in decoder.feed(chunk)]
        expected = [m for _, m in pairs]
        # garbage could in theory contain a valid frame of its own (a CRC collision);
        # every real frame must still be there, in order
        it = iter(decoded)
        assert all(any(m == d for d in it) for m in expected)
