"""Prometheus metrics of the services, with the official client (prometheus-client).

``GET /metrics`` on every service. What all three have: the latency of every
request per route template (``alv_http_request_duration_seconds``), measured
until the response starts, so a server-sent event stream counts its start and
not its whole life; and the number of open server-sent event followers
(``alv_sse_followers``). Each service adds its own next to its code
(``services/ballot/metrics.py``, ``services/results/metrics.py``).

Metrics live in the client's default registry, as the client intends: one
service per process in production. Tests run several apps in one process and
so read deltas.

**Several workers** (``uvicorn --workers``): each worker is a process with
its own counters, and a scrape reaches one of them at random. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory of its own per service
(``alv serve`` empties it at start-up): the client then keeps every value in
a file per process and ``/metrics`` adds the files of all workers up. Without
it (one worker, the default) values stay in memory.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# From a cached read (a few ms) to a batch of 1000 presses on a slow disk.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "alv_http_request_duration_seconds",
    "Time from a request's arrival until its response starts, per route template.",
    ["service", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
SSE_FOLLOWERS = Gauge(
    "alv_sse_followers",
    "Open server-sent event streams, per stream.",
    ["service", "stream"],
    multiprocess_mode="livesum",
)


class RequestMetrics:
    """ASGI middleware: every HTTP request into ``REQUEST_SECONDS``.

    The route is the template the router matched (``/api/votes/{vote_id}``),
    never the path itself, so vote ids and meeting codes make no new series;
    a path no route matched is ``unmatched``.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        observed = False

        def observe(status: int) -> None:
            nonlocal observed
            if observed:
                return
            observed = True
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUEST_SECONDS.labels(self.service, scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                observe(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            observe(500)  # no response started: the server answers 500 or nothing


async def followed(body: AsyncIterator[str], *, service: str, stream: str) -> AsyncIterator[str]:
    """``body`` passed through, counted in ``alv_sse_followers`` while it is open."""
    gauge = SSE_FOLLOWERS.labels(service, stream)
    gauge.inc()
    try:
        async for chunk in body:
            yield chunk
    finally:
        gauge.dec()


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
    )
    async def metrics() -> Response:
        """Prometheus text format: this process, or all workers (``PROMETHEUS_MULTIPROC_DIR``)."""
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return router


def exposition() -> bytes:
    """The metrics in the text format: of this process, or added up over every
    process that shares ``PROMETHEUS_MULTIPROC_DIR``."""
    registry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


def prepare_multiprocess_dir() -> None:
    """Empty ``PROMETHEUS_MULTIPROC_DIR`` before the workers start (the client's rule:
    files left by an earlier run would be added to this one's)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def process_stopped() -> None:
    """This worker's live gauges leave the sum (multiprocess mode only)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())
