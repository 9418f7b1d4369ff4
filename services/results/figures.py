"""The record's pictures from its data: which bars, which marks, which links.

Pure: published record in, ``charts`` scenes out; the page and the PDF use
the same functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from services.results.charts import (
    AttendancePoint,
    Bar,
    ChainItem,
    Scene,
    VoteMark,
    attendance_chart,
    bar_chart,
    chain_chart,
)
from services.results.schemas_record import StemgedragVote
from services.results.text import heading


def _wins(entry: StemgedragVote, key: int, role: str) -> bool:
    decision = entry.decision
    if decision is None:
        return False
    if decision.winner is not None:
        return decision.winner == key
    return (decision.adopted is True and role == "for") or (
        decision.adopted is False and role == "against"
    )


def bars_for(entry: StemgedragVote) -> list[Bar]:
    """Every option and the non-voters; the winner marked."""
    bars = [
        Bar(
            label=t.label,
            weight=t.weight,
            members=t.members,
            percentage=t.percentage,
            role=t.role,
            counts=t.key in entry.base.keys,
            winner=_wins(entry, t.key, t.role),
        )
        for t in entry.totals
    ]
    bars.append(
        Bar(
            label="niet gestemd",
            weight=entry.non_voters.weight,
            members=entry.non_voters.members,
            percentage=None,
            role="none",
            counts=False,
        )
    )
    return bars


def result_chart(entry: StemgedragVote) -> Scene | None:
    """The bar chart of a vote; None for one decided bij acclamatie (no numbers)."""
    if entry.vote.decided_by == "acclamation":
        return None
    return bar_chart(bars_for(entry), title=f"Uitslag: {heading(entry.vote)}")


def vote_marks(entries: Sequence[StemgedragVote]) -> list[VoteMark]:
    return [
        VoteMark(sequence=e.sequence, opened_at=e.opened_at, closed_at=e.closed_at)
        for e in entries
        if e.opened_at is not None
    ]


def day_chart(
    points: Sequence[AttendancePoint], entries: Sequence[StemgedragVote], *, now: datetime.datetime
) -> Scene:
    return attendance_chart(points, vote_marks(entries), until=now)


def chain_of(entries: Sequence[StemgedragVote]) -> Scene:
    return chain_chart(
        [ChainItem(e.sequence, heading(e.vote), e.hash) for e in entries if e.hash is not None]
    )
