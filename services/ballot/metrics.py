"""Ballot's own Prometheus metrics (the shared ones are in ``services.common.metrics``)."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.metrics import LATENCY_BUCKETS, after_commit

PRESSES = Counter(
    "ballot_presses_total",
    "Presses stored, by the status they were answered with (a repeat is not stored again).",
    ["status"],
)
REPEATS = Counter(
    "ballot_press_repeats_total",
    "Presses received again (same handset and seq) and answered with their first status.",
)
BATCH_SECONDS = Histogram(
    "ballot_press_batch_seconds",
    "Time from the start of storing a batch of presses until its commit.",
    buckets=LATENCY_BUCKETS,
)


def count_batch(
    session: AsyncSession, *, started: float, stored: Iterable[str], repeats: int
) -> None:
    """Count a batch once it is committed: ``stored`` are the statuses of new presses."""
    by_status = Tally(stored)

    def committed() -> None:
        BATCH_SECONDS.observe(time.perf_counter() - started)
        for status, count in by_status.items():
            PRESSES.labels(status).inc(count)
        if repeats:
            REPEATS.inc(repeats)

    after_commit(session, committed)
