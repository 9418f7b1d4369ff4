"""The results service's own Prometheus metrics (shared ones: ``services.common.metrics``)."""

from __future__ import annotations

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database import after_commit

OUTCOMES = Counter(
    "results_outcomes_computed_total",
    "Outcomes computed: stored once when a vote closed, or a live tally of an open vote.",
    ["kind"],
)


def count_live() -> None:
    OUTCOMES.labels("live").inc()


def count_stored(session: AsyncSession, stored: int) -> None:
    """Counted once committed: a request that rolls back stored nothing."""
    after_commit(session, lambda: OUTCOMES.labels("stored").inc(stored))
