"""Ballot's own Prometheus metrics (the shared ones are in ``services.common.metrics``)."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database import after_commit
from services.common.metrics import LATENCY_BUCKETS

PRESSES = Counter(
    "ballot_presses_total",
    "Presses stored, by the status they were answered with (a repeat is not stored again).",
    ["status"],
)
REFUSED = Counter(
    "ballot_press_refusals_total",
    "Presses stored that do not count, by status and reason (rules.Reason).",
    ["status", "reason"],
)
CLOCK_OFFSETS = Counter(
    "ballot_gateway_clock_offsets_total",
    "Batches whose gateway clock was more than 2 s off ours (never used to place a press).",
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
    session: AsyncSession,
    *,
    started: float,
    stored: Iterable[tuple[str, str | None]],
    repeats: int,
) -> None:
    """Count a batch once it is committed: ``stored`` are the (status, reason)
    of the new presses (a reason for every one that does not count)."""
    stored = list(stored)
    by_status = Tally(status for status, _ in stored)
    refused = Tally((status, reason) for status, reason in stored if reason)

    def committed() -> None:
        BATCH_SECONDS.observe(time.perf_counter() - started)
        for status, count in by_status.items():
            PRESSES.labels(status).inc(count)
        for (status, reason), count in refused.items():
            REFUSED.labels(status, reason).inc(count)
        if repeats:
            REPEATS.inc(repeats)

    after_commit(session, committed)
