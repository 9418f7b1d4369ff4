"""The chair's screen as a server-sent event stream: one follower of ballot per meeting.

A browser on ``GET /api/meetings/{m}/stream`` gets the same JSON as
``/api/meetings/{m}/current`` (event ``current``) at once, and again whenever
it changes. Behind every browser of one meeting sits one ``MeetingFeed``:

* ``_follow`` reads ballot's event stream (``/api/meetings/{m}/events``, our
  auditor token) and marks the feed dirty on every event; it reconnects with
  ``Last-Event-ID`` after a drop, with backoff while ballot is away.
* ``_recompute`` calls ``service.current`` when the feed is dirty, at most once
  per ``coalesce`` seconds, and always once more after the last event of a
  burst (an event during a recompute or the pause after it marks it dirty
  again). It publishes only when the screen's content changed (``server_time``
  and the elapsed seconds do not count: the browser keeps its own clock).
  While ballot's stream is down it recomputes every ``fallback`` seconds, so
  the screen still follows; with the stream up every ``refresh`` seconds, as
  a safety net for changes without an event.

``current`` decides what the public may see (the running tally only when the
chair switched it on), so the stream never shows more than ``/current``.

The chair's screen setting is results' own: a change pokes the feed of the
process that made it, and on PostgreSQL a NOTIFY on ``CHANNEL`` in the same
transaction pokes the feeds of every other results process (each LISTENs, see
``services.common.notify``); on SQLite, and should the listener be down, they
see it at their next ``refresh``.

When ``current`` fails (ballot unreachable), subscribers get an event
``problem`` with the problem JSON; the screen keeps what it shows and says it
is reconnecting. The feed starts with its first subscriber and stops
``linger`` seconds after its last one left (a reloading browser does not make
it start over).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.errors import AlvError
from services.common.http import ServiceClient, url_path
from services.results import service

log = logging.getLogger(__name__)
_EVENT_ID = re.compile(r"[0-9]{1,18}")

# The PostgreSQL channel on which results processes poke each other's feeds
# after a screen setting changed; the payload is the meeting.
CHANNEL = "results_screen"


@dataclass(frozen=True)
class StreamTiming:
    """How the feeds pace themselves; seconds."""

    coalesce: float = 0.1
    fallback: float = 1.0
    refresh: float = 5.0
    heartbeat: float = 15.0
    backoff_min: float = 0.5
    backoff_max: float = 10.0
    linger: float = 10.0


def _sse(event: str, event_id: int, body: dict[str, Any]) -> str:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\nevent: {event}\ndata: {data}\n\n"


def _content(body: dict[str, Any]) -> str:
    """What the screen shows, without what changes by itself (the clock)."""
    shown = dict(body, server_time=None)
    if isinstance(shown.get("progress"), dict):
        shown["progress"] = dict(shown["progress"], elapsed_seconds=None)
    return json.dumps(shown, sort_keys=True)


async def _upstream_event_ids(response: httpx.Response) -> AsyncIterator[int | None]:
    """The id of every event on ballot's stream (None for one without an id)."""
    event_id: int | None = None
    has_data = False
    async for line in response.aiter_lines():
        if not line:
            if has_data:
                yield event_id
            event_id, has_data = None, False
        elif line.startswith("id:"):
            value = line[3:].strip()
            event_id = int(value) if _EVENT_ID.fullmatch(value) else None
        elif line.startswith("data:"):
            has_data = True


class MeetingFeed:
    """The screen of one meeting, kept current for all its subscribers."""

    def __init__(self, hub: ScreenHub, meeting: str) -> None:
        self.hub = hub
        self.meeting = meeting
        self.subscribers = 0
        self.upstream_up = False
        # The latest ``current`` event and the problem, if computing it fails now.
        self.current: str | None = None
        self.current_id = 0
        self.problem: str | None = None
        self._content: str | None = None
        self._ids = 0
        self._dirty = asyncio.Event()
        self._dirty.set()  # compute at once for the first subscriber
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stop_handle: asyncio.TimerHandle | None = None

    # --- for subscribers --------------------------------------------------------------

    def waiter(self) -> asyncio.Event:
        """Set at the next change; take it before looking at the feed."""
        return self._changed

    def poke(self) -> None:
        self._dirty.set()

    # --- life ---------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"results.screen.{self.meeting}"
        )

    def stop(self) -> asyncio.Task[None] | None:
        if self._stop_handle is not None:
            self._stop_handle.cancel()
            self._stop_handle = None
        if self._task is not None:
            self._task.cancel()
        return self._task

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._follow())
            group.create_task(self._recompute_loop())

    # --- following ballot ---------------------------------------------------------------

    async def _follow(self) -> None:
        path = url_path("/api/meetings/{}/events", self.meeting)
        after: int | None = None
        delay = self.hub.timing.backoff_min
        while True:
            headers = {"Last-Event-ID": str(after)} if after is not None else {}
            try:
                async with self.hub.events.stream("GET", path, headers=headers) as response:
                    if response.status_code != 200:
                        await response.aread()
                        log.warning(
                            "results.screen.upstream_refused",
                            extra={"meeting": self.meeting, "status": response.status_code},
                        )
                    else:
                        self._set_upstream(True)
                        delay = self.hub.timing.backoff_min
                        async for event_id in _upstream_event_ids(response):
                            if event_id is not None:
                                after = event_id
                            self._dirty.set()
            except httpx.HTTPError as exc:
                log.warning(
                    "results.screen.upstream_lost",
                    extra={"meeting": self.meeting, "error": repr(exc)},
                )
            self._set_upstream(False)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.hub.timing.backoff_max)

    def _set_upstream(self, up: bool) -> None:
        if up != self.upstream_up:
            self.upstream_up = up
            # Up: events may have been missed meanwhile. Down: switch to the fallback.
            self._dirty.set()

    # --- computing ----------------------------------------------------------------------

    async def _recompute_loop(self) -> None:
        loop = asyncio.get_running_loop()
        timing = self.hub.timing
        while True:
            idle = timing.refresh if self.upstream_up else timing.fallback
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a
            # cancel that comes as the event is set, and this loop would never end.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(idle):
                    await self._dirty.wait()
            self._dirty.clear()
            started = loop.time()
            await self._recompute()
            # Coalesce a burst: events during this pause mark the feed dirty
            # again and are taken together in the next round.
            await asyncio.sleep(max(0.0, timing.coalesce - (loop.time() - started)))

    async def _recompute(self) -> None:
        try:
            async with self.hub.sessions() as session:
                current = await service.current(
                    session,
                    ballot=self.hub.ballot,
                    registration=self.hub.registration,
                    meeting=self.meeting,
                )
                await session.commit()  # current() may have stored an outcome
        except AlvError as exc:
            self._fail({"status": exc.status_code, "code": exc.code, "detail": exc.detail})
            return
        except Exception:  # a screen must survive anything; the next round tries again
            log.exception("results.screen.recompute_failed", extra={"meeting": self.meeting})
            self._fail(
                {"status": 500, "code": "internal", "detail": "Het scherm kon niet bijgewerkt."}
            )
            return
        body = current.model_dump(mode="json")
        content = _content(body)
        if content == self._content and self.problem is None:
            return
        self._ids += 1
        self._content = content
        self.current = _sse("current", self._ids, body)
        self.current_id = self._ids
        self.problem = None
        self._notify()

    def _fail(self, problem: dict[str, Any]) -> None:
        if self.problem is None:
            log.warning("results.screen.unavailable", extra={"meeting": self.meeting, **problem})
            self._ids += 1
            self.problem = _sse("problem", self._ids, problem)
            self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()


class ScreenHub:
    """The feeds of this process, one per meeting with subscribers."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        ballot: ServiceClient,
        registration: ServiceClient,
        events: httpx.AsyncClient,
        timing: StreamTiming | None = None,
    ) -> None:
        self.sessions = sessions
        self.ballot = ballot
        self.registration = registration
        self.events = events
        self.timing = timing or StreamTiming()
        self._feeds: dict[str, MeetingFeed] = {}
        self._stopping: set[asyncio.Task[None]] = set()

    def feed(self, meeting: str) -> MeetingFeed | None:
        return self._feeds.get(meeting)

    def poke(self, meeting: str) -> None:
        """Something of ours changed (the screen setting): compute again."""
        feed = self._feeds.get(meeting)
        if feed is not None:
            feed.poke()

    def poke_all(self) -> None:
        """Compute every feed again (another process's changes may have been missed)."""
        for feed in self._feeds.values():
            feed.poke()

    @asynccontextmanager
    async def subscribe(self, meeting: str) -> AsyncIterator[MeetingFeed]:
        feed = self._feeds.get(meeting)
        if feed is None:
            feed = self._feeds[meeting] = MeetingFeed(self, meeting)
            feed.start()
        elif feed._stop_handle is not None:
            feed._stop_handle.cancel()
            feed._stop_handle = None
        feed.subscribers += 1
        try:
            yield feed
        finally:
            feed.subscribers -= 1
            if feed.subscribers == 0:
                if self.timing.linger > 0:
                    feed._stop_handle = asyncio.get_running_loop().call_later(
                        self.timing.linger, self._stop, feed
                    )
                else:
                    self._stop(feed)

    def _stop(self, feed: MeetingFeed) -> None:
        if feed.subscribers or self._feeds.get(feed.meeting) is not feed:
            return
        del self._feeds[feed.meeting]
        task = feed.stop()
        if task is not None and not task.done():
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)

    async def aclose(self) -> None:
        tasks = [task for feed in self._feeds.values() if (task := feed.stop()) is not None]
        self._feeds.clear()
        tasks += self._stopping
        await asyncio.gather(*tasks, return_exceptions=True)


async def stream(hub: ScreenHub, *, meeting: str) -> AsyncIterator[str]:
    """The text/event-stream of one browser: the screen now, then every change."""
    yield "retry: 1000\n\n"
    async with hub.subscribe(meeting) as feed:
        sent_current = 0
        sent_problem: str | None = None
        while True:
            changed = feed.waiter()
            if feed.current is not None and feed.current_id != sent_current:
                sent_current = feed.current_id
                yield feed.current
            if feed.problem != sent_problem:
                sent_problem = feed.problem
                if sent_problem is not None:
                    yield sent_problem
                continue
            try:
                async with asyncio.timeout(hub.timing.heartbeat):  # not wait_for: see above
                    await changed.wait()
            except TimeoutError:
                yield ": keepalive\n\n"
