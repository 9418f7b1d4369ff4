"""The gateway: receivers on serial ports in, the ballot service over HTTP out.

    reader threads --KEY--> asyncio queue --batch--> POST /presses --> ACK per press
    GET /state every ~200 ms --change--> POLL to every receiver (and on reconnect/HELLO)

The gateway owns nothing durable. It writes ``ACK ... OK`` (or any status) only
after the ballot service answered 2xx for the batch holding that press, and
with exactly the status the ballot service gave. While the ballot service is
unreachable or failing it keeps the batch and retries with backoff without
acknowledging anything; the handsets retransmit and the ballot service dedupes.

When a press was made is when we first heard it (PROTOCOL.md 1.1). Every
attempt to deliver a batch carries ``sent_at`` (our wall clock as it is sent)
and per press ``received_at = sent_at - how long we have held it`` (measured
on the monotonic clock), so both are on one clock even if the wall clock
steps; ballot uses only their difference. A held press keeps being delivered,
however old: ballot decides where it belongs. What is held is bounded: at
most ``hold_max`` presses waiting, plus ``in_flight`` batches on their way;
when the wait is full the oldest waiting press is dropped (counted, logged;
it was never acknowledged, so its handset still shows no tick).

A batch goes when none is on its way, or when the latest has been on its way
for ``further_batch_after_ms`` (up to ``in_flight`` at once); meanwhile
presses gather for the next one, so batches grow with load and stay small
when the hall is quiet. Ballot records a meeting's batches one at a time, and
a second gateway hearing the same presses sends its own: a batch sent at once
behind one on its way would wait for both gateways' batches there.

Typical use::

    gateway = Gateway(GatewaySettings(ports=[...], meeting="alv-2023-12", token=...))
    async with gateway:            # opens the ports, starts forwarding
        ...
    await gateway.run()            # the same plus the diagnostics app, until cancelled
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hardware.config import GatewaySettings
from hardware.handset_report import HandsetReporter
from hardware.protocol import ACK_STATUSES, Ack, Err, Hello, Key, Message, Poll, Stat
from hardware.transport import ReceiverPort, open_serial
from hardware.waiters import Waiters

log = logging.getLogger(__name__)

# seconds; the upper bounds of the press-to-ACK histogram
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RETRYABLE_4XX = frozenset({408, 429})


def utc_iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class PendingPress:
    link: ReceiverLink
    key: Key
    # time.monotonic() when we first heard it: immune to wall clock steps
    received_mono: float

    @property
    def ident(self) -> tuple[str, str, int]:
        return (self.link.port.spec, self.key.handset, self.key.seq)

    def as_json(self, sent_at: datetime, sent_mono: float) -> dict[str, Any]:
        """The press in an attempt sent at ``sent_at`` (wall) = ``sent_mono``."""
        k = self.key
        held = timedelta(seconds=max(0.0, sent_mono - self.received_mono))
        return {
            "receiver": k.rx,
            "handset": k.handset,
            "seq": k.seq,
            "key": k.key,
            "rssi": k.rssi,
            "battery": k.battery,
            "received_at": utc_iso(sent_at - held),
        }


@dataclass(slots=True)
class HandsetStatus:
    handset: str
    receiver: str
    rssi: int
    battery: int
    last_seen: datetime
    presses: int = 0
    heartbeats: int = 0

    def as_json(self) -> dict[str, Any]:
        # never the key pressed: the diagnostics page must not reveal votes
        return {
            "handset": self.handset,
            "receiver": self.receiver,
            "rssi": self.rssi,
            "battery": self.battery,
            "last_seen": utc_iso(self.last_seen),
            "presses": self.presses,
            "heartbeats": self.heartbeats,
        }


@dataclass(slots=True)
class ReceiverLink:
    """A receiver port plus what the gateway learnt from and did with it."""

    port: ReceiverPort
    hello: Hello | None = None
    last_error: Err | None = None
    received: Counter[str] = field(default_factory=Counter)  # by message type
    acks: Counter[str] = field(default_factory=Counter)  # by status
    polls_sent: int = 0

    def as_json(self) -> dict[str, Any]:
        port = self.port
        return {
            "port": port.spec,
            "device": port.device,
            "connected": port.connected,
            "rx": port.rx,
            "firmware": self.hello.firmware if self.hello else None,
            "channel": self.hello.channel if self.hello else None,
            "reconnects": port.stats.reconnects,
            "bytes_in": port.stats.bytes_in,
            "bytes_out": port.stats.bytes_out,
            "write_errors": port.stats.write_errors,
            **port.decoder.stats.as_dict(),
            "received": dict(self.received),
            "acks": dict(self.acks),
            "polls_sent": self.polls_sent,
            "last_error": (
                {"code": self.last_error.code, "text": self.last_error.text}
                if self.last_error
                else None
            ),
        }


@dataclass(frozen=True, slots=True)
class BallotState:
    state: str
    keys: int
    version: int


class LatencyStats:
    """Press-to-ACK times: a histogram for Prometheus, recent samples for percentiles."""

    def __init__(self, recent: int = 10_000) -> None:
        self.buckets = [0] * len(LATENCY_BUCKETS)
        self.count = 0
        self.total = 0.0
        self.recent: deque[float] = deque(maxlen=recent)

    def add(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        self.recent.append(seconds)
        for i, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                self.buckets[i] += 1

    def percentile(self, q: float) -> float | None:
        if not self.recent:
            return None
        ordered = sorted(self.recent)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def system_clock(skew_s: float = 0.0) -> Callable[[], datetime]:
    """The wall clock (UTC), off by ``skew_s`` seconds when testing a skewed gateway."""
    skew = timedelta(seconds=skew_s)
    return lambda: datetime.now(UTC) + skew


class Gateway:
    def __init__(
        self,
        settings: GatewaySettings,
        *,
        client: httpx.AsyncClient | None = None,
        opener: Callable[[str], Any] = open_serial,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        # The wall clock for sent_at (and diagnostics); what a press's time is
        # made of is measured on time.monotonic().
        self.clock = clock or system_clock(settings.clock_skew_s)
        self.links = [
            ReceiverLink(
                ReceiverPort(
                    spec,
                    on_message=self._from_thread_message,
                    on_connect=self._from_thread_connect,
                    on_lost=self._from_thread_lost,
                    opener=opener,
                    reconnect_initial=settings.reconnect_initial_s,
                    reconnect_max=settings.reconnect_max_s,
                )
            )
            for spec in settings.ports
        ]
        self._links_by_port = {id(link.port): link for link in self.links}
        self.handsets: dict[str, HandsetStatus] = {}
        self.reporter: HandsetReporter | None = None
        self.ballot_state: BallotState | None = None
        self.latency = LatencyStats()
        self.counters: Counter[str] = Counter()
        self._client = client
        self._own_client = client is None
        # Presses waiting for a batch, oldest first (at most settings.hold_max).
        self._waiting: deque[PendingPress] = deque()
        self._arrived = asyncio.Event()
        # Idents of the presses waiting or on their way: retransmissions of
        # them are answered with the first copy's answer.
        self._in_flight: set[tuple[str, str, int]] = set()
        self._batches_in_flight = 0
        # loop.time() when the latest batch went; set when one is answered
        self._last_sent = 0.0
        self._answered = asyncio.Event()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._state_ok = True
        # Set when the state poll sees the ballot service answer again, so a
        # batch waiting out its retry backoff goes at once: handsets give up
        # retransmitting after about 6 s and every second of backoff counts.
        self._ballot_back = asyncio.Event()
        self._waiters = Waiters()
        meeting = settings.meeting
        self._presses_path = f"/api/meetings/{meeting}/presses"
        self._state_path = f"/api/meetings/{meeting}/state"

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` over the gateway's state holds (tests, tools).

        Re-checked after every message, connection change, batch outcome and state poll.
        """
        await self._waiters.wait_for(predicate, within)

    @property
    def queue_depth(self) -> int:
        """Presses held: waiting for a batch or in a batch on its way."""
        return len(self._in_flight)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._client is None:
            token = self.settings.token.get_secret_value()
            self._client = httpx.AsyncClient(
                base_url=self.settings.ballot_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.settings.request_timeout_s,
            )
        self._tasks = [
            self._loop.create_task(self._forward_loop(), name="gateway-forward"),
            self._loop.create_task(self._follow_state(), name="gateway-state"),
        ]
        self._start_reporter()
        for link in self.links:
            link.port.start()
        log.info("gateway.started", extra={"ports": self.settings.ports})

    def _start_reporter(self) -> None:
        """The handsets' battery and signal to registration (handset_report.py)."""
        settings = self.settings
        if not settings.registration_url:
            self.reporter = None
            return
        assert self._loop is not None
        self._registration = httpx.AsyncClient(
            base_url=settings.registration_url,
            headers={"Authorization": f"Bearer {settings.token.get_secret_value()}"},
            timeout=settings.request_timeout_s,
        )
        self.reporter = HandsetReporter(
            self.handsets,
            client=self._registration,
            meeting=settings.meeting,
            interval=settings.handset_report_s,
        )
        self._tasks.append(self._loop.create_task(self.reporter.run(), name="gateway-handsets"))

    async def stop(self) -> None:
        for task in [*self._tasks, *self._deliveries]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._deliveries, return_exceptions=True)
        if self.reporter is not None:
            await self._registration.aclose()
        await asyncio.gather(*(asyncio.to_thread(link.port.stop) for link in self.links))
        if self._own_client and self._client is not None:
            await self._client.aclose()
        log.info("gateway.stopped")

    async def __aenter__(self) -> Gateway:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def run(self) -> None:
        """Run with the diagnostics app on the configured host and port until stopped."""
        import uvicorn

        from hardware.diagnostics import create_app

        config = uvicorn.Config(
            create_app(self),
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            lifespan="off",
            ws="none",
        )
        async with self:
            await uvicorn.Server(config).serve()

    # --- from the port threads to the loop ------------------------------------------

    def _call_in_loop(self, callback: Callable[..., None], *args: Any) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed while shutting down
            self._loop.call_soon_threadsafe(callback, *args)

    def _from_thread_message(self, port: ReceiverPort, msg: Message) -> None:
        self._call_in_loop(self._on_message, port, msg, time.monotonic())

    def _from_thread_connect(self, port: ReceiverPort) -> None:
        self._call_in_loop(self._on_connect, port)

    def _from_thread_lost(self, port: ReceiverPort, exc: BaseException | None) -> None:
        self._call_in_loop(self._waiters.notify)

    # --- on the loop ----------------------------------------------------------------

    def _on_connect(self, port: ReceiverPort) -> None:
        link = self._links_by_port[id(port)]
        log.info("gateway.receiver.connected", extra={"port": port.spec, "rx": port.rx})
        self._send_poll(link)  # if we know who is there; else after its HELLO
        self._waiters.notify()

    def _on_message(self, port: ReceiverPort, msg: Message, mono: float) -> None:
        link = self._links_by_port[id(port)]
        link.received[type(msg).__name__.upper()] += 1
        now = self.clock()
        match msg:
            case Key():
                self._seen(msg.handset, msg.rx, msg.rssi, msg.battery, now).presses += 1
                self._enqueue(PendingPress(link, msg, mono))
            case Stat():
                self._seen(msg.handset, msg.rx, msg.rssi, msg.battery, now).heartbeats += 1
            case Hello():
                link.hello = msg
                log.info(
                    "gateway.receiver.hello",
                    extra={"rx": msg.rx, "firmware": msg.firmware, "channel": msg.channel},
                )
                # a HELLO means a (re)started receiver: it has forgotten the state
                self._send_poll(link)
            case Err():
                link.last_error = msg
                log.warning(
                    "gateway.receiver.error",
                    extra={"rx": msg.rx, "code": msg.code, "text": msg.text},
                )
            case _:
                log.warning("gateway.receiver.unexpected", extra={"port": port.spec})
        self._waiters.notify()

    def _seen(self, handset: str, rx: str, rssi: int, battery: int, now: datetime) -> HandsetStatus:
        status = self.handsets.get(handset)
        if status is None:
            status = self.handsets[handset] = HandsetStatus(handset, rx, rssi, battery, now)
        else:
            status.receiver, status.rssi, status.battery, status.last_seen = rx, rssi, battery, now
        return status

    def _enqueue(self, press: PendingPress) -> None:
        ident = press.ident
        if ident in self._in_flight:
            # a retransmission via the same receiver while the first copy is on its
            # way: the answer to that copy is the answer to this one
            self.counters["presses_coalesced"] += 1
            return
        if len(self._waiting) >= self.settings.hold_max:
            dropped = self._waiting.popleft()
            self._in_flight.discard(dropped.ident)
            self.counters["presses_dropped"] += 1
            log.warning(
                "gateway.press.dropped",
                extra={
                    "handset": dropped.key.handset,
                    "seq": dropped.key.seq,
                    "held": len(self._waiting),
                },
            )
        self._in_flight.add(ident)
        self.counters["presses_received"] += 1
        self._waiting.append(press)
        self._arrived.set()

    def _send_poll(self, link: ReceiverLink) -> None:
        state, rx = self.ballot_state, link.port.rx
        if state is None or rx is None:
            return
        try:
            poll = Poll(rx, state.state, state.keys)  # type: ignore[arg-type]
        except ValueError as exc:
            log.error("gateway.state.invalid", extra={"state": repr(state), "error": str(exc)})
            return
        link.port.send_message(poll)
        link.polls_sent += 1

    # --- forwarding -------------------------------------------------------------------

    async def _forward_loop(self) -> None:
        """Form batches and send them, up to ``in_flight`` at once.

        A batch is formed only when a slot is free and a further batch is
        due: until then presses gather and the next batch takes them all (up
        to batch_max).
        """
        slots = asyncio.Semaphore(self.settings.in_flight)
        loop = asyncio.get_running_loop()
        while True:
            await slots.acquire()
            await self._further_batch_due()
            batch = await self._next_batch()
            self._batches_in_flight += 1
            self._last_sent = loop.time()
            task = loop.create_task(self._send(batch, slots))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)

    async def _further_batch_due(self) -> None:
        """Until another batch may go: at once when none is on its way, else
        when the latest has been on its way for ``further_batch_after_ms``
        (ballot is slow for it: a registration look-up, a retry) or is answered.

        A second batch sent at once queues in ballot behind the first for
        the meeting lock, and with a second gateway hearing the same presses
        behind that one's two as well. Held back, its presses join the next
        batch instead: fewer, larger batches, each waiting for fewer."""
        loop = asyncio.get_running_loop()
        after = self.settings.further_batch_after_ms / 1000
        while self._batches_in_flight and (remaining := self._last_sent + after - loop.time()) > 0:
            self._answered.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):  # not wait_for: see _next_batch
                    await self._answered.wait()

    async def _next_batch(self) -> list[PendingPress]:
        """The waiting presses once there is one, when the oldest has waited
        batch_wait_ms for more (presses that gathered while a batch was on its
        way have: they go at once)."""
        while not self._waiting:
            self._arrived.clear()
            await self._arrived.wait()
        limit = self.settings.batch_max
        deadline = self._waiting[0].received_mono + self.settings.batch_wait_ms / 1000
        while len(self._waiting) < limit and (remaining := deadline - time.monotonic()) > 0:
            self._arrived.clear()
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a
            # cancel that comes as the event is set, and the gateway would not stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._arrived.wait()
        return [self._waiting.popleft() for _ in range(min(limit, len(self._waiting)))]

    async def _send(self, batch: list[PendingPress], slots: asyncio.Semaphore) -> None:
        try:
            await self._deliver(batch)
        except Exception:
            # a bug must not stop the forwarder: the handsets will retransmit
            log.exception("gateway.batch.crashed", extra={"presses": len(batch)})
        finally:
            self._batches_in_flight -= 1
            self._answered.set()
            slots.release()
            for press in batch:
                self._in_flight.discard(press.ident)
            self._waiters.notify()

    async def _deliver(self, batch: list[PendingPress]) -> None:
        """POST the batch until the ballot service takes it or rejects it."""
        assert self._client is not None
        delay = self.settings.retry_initial_s
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            # Per attempt: how long each press has been held, as of now.
            sent_at = self.clock()
            body = {
                "sent_at": utc_iso(sent_at),
                "presses": [press.as_json(sent_at, started) for press in batch],
            }
            try:
                response = await self._client.post(self._presses_path, json=body)
            except httpx.HTTPError as exc:
                self.counters["batches_failed"] += 1
                log.warning(
                    "gateway.ballot.unreachable",
                    extra={"error": repr(exc), "presses": len(batch), "attempt": attempt},
                )
            else:
                status = response.status_code
                if response.is_success:
                    self.counters["batches_ok"] += 1
                    self._acknowledge(batch, response, time.monotonic() - started)
                    return
                if 400 <= status < 500 and status not in RETRYABLE_4XX:
                    # a bug or a configuration error (token, meeting), not a glitch:
                    # retrying the same batch would fail the same way
                    self.counters["batches_rejected"] += 1
                    log.error(
                        "gateway.batch.rejected",
                        extra={
                            "status": status,
                            "body": response.text[:500],
                            "presses": len(batch),
                        },
                    )
                    return
                self.counters["batches_failed"] += 1
                log.warning(
                    "gateway.ballot.error",
                    extra={"status": status, "presses": len(batch), "attempt": attempt},
                )
            self._waiters.notify()
            self._ballot_back.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):  # not wait_for: see _next_batch
                    await self._ballot_back.wait()
            delay = min(delay * 2, self.settings.retry_max_s)

    def _acknowledge(self, batch: list[PendingPress], response: httpx.Response, rtt: float) -> None:
        try:
            results = response.json()["results"]
            if not isinstance(results, list):
                raise TypeError("results is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            self.counters["batches_unreadable"] += 1
            log.error("gateway.batch.unreadable", extra={"error": str(exc)})
            return
        if len(results) != len(batch):
            log.error(
                "gateway.batch.mismatch", extra={"presses": len(batch), "results": len(results)}
            )
        now = time.monotonic()
        for press, result in zip(batch, results, strict=False):
            key = press.key
            if (
                not isinstance(result, dict)
                or result.get("handset") != key.handset
                or result.get("seq") != key.seq
                or result.get("status") not in ACK_STATUSES
            ):
                self.counters["results_invalid"] += 1
                log.error("gateway.press.bad_result", extra={"result": repr(result)[:200]})
                continue
            status = result["status"]
            press.link.port.send_message(Ack(key.rx, key.handset, key.seq, status))
            press.link.acks[status] += 1
            self.latency.add(now - press.received_mono)
            log.debug(
                "gateway.press.forwarded",
                extra={"rx": key.rx, "handset": key.handset, "seq": key.seq, "status": status},
            )
        log.debug("gateway.batch.stored", extra={"presses": len(batch), "rtt": round(rtt, 4)})

    # --- following the vote state -------------------------------------------------------

    async def _follow_state(self) -> None:
        assert self._client is not None
        interval = self.settings.state_poll_ms / 1000
        while True:
            try:
                response = await self._client.get(self._state_path)
                response.raise_for_status()
                data = response.json()
                state = str(data["state"])
                keys = int(data["keys"]) if state == "OPEN" else 0
                current = BallotState(state, keys, int(data.get("version", 0)))
            except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
                if self._state_ok:
                    log.warning("gateway.state.unavailable", extra={"error": repr(exc)})
                self._state_ok = False
            else:
                if not self._state_ok:
                    log.info("gateway.state.available")
                    self._ballot_back.set()
                self._state_ok = True
                if current != self.ballot_state:
                    log.info(
                        "gateway.state.changed",
                        extra={"state": current.state, "keys": keys, "version": current.version},
                    )
                    self.ballot_state = current
                    for link in self.links:
                        self._send_poll(link)
            self._waiters.notify()
            await asyncio.sleep(interval)

    # --- views for diagnostics ------------------------------------------------------------

    def receivers_json(self) -> list[dict[str, Any]]:
        return [link.as_json() for link in self.links]

    def handsets_json(self) -> list[dict[str, Any]]:
        return [status.as_json() for _, status in sorted(self.handsets.items())]

    def health_json(self) -> dict[str, Any]:
        connected = sum(1 for link in self.links if link.port.connected)
        return {
            "status": "ok" if connected == len(self.links) and self._state_ok else "degraded",
            "receivers": len(self.links),
            "connected": connected,
            "ballot_reachable": self._state_ok,
            "queue_depth": self.queue_depth,
            "batches_in_flight": self._batches_in_flight,
            "state": self.ballot_state.state if self.ballot_state else None,
            "latency_p50_s": self.latency.percentile(0.5),
            "latency_p99_s": self.latency.percentile(0.99),
        }
