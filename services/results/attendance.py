"""Who was present when: registration's audit log as steps through the day.

Pure. A member is present from ``handset.bound`` (or ``bound_without_card``)
until ``handset.returned``; a swap changes the handset, not the presence.
The weight of a member is its weight in the meeting (registration's member
list), so the sum is what a vote opened at that moment would have frozen.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.results.charts import AttendancePoint

ARRIVE = frozenset({"handset.bound", "handset.bound_without_card"})
LEAVE = frozenset({"handset.returned"})


@dataclass(frozen=True)
class PresenceChange:
    at: datetime.datetime
    action: str
    member: str | None


def attendance(
    changes: Iterable[PresenceChange], weights: Mapping[str, int]
) -> list[AttendancePoint]:
    """One point per moment the presence changed, oldest first, starting at the first."""
    present: set[str] = set()
    points: list[AttendancePoint] = []
    for change in sorted(changes, key=lambda c: c.at):
        if change.member is None:
            continue
        if change.action in ARRIVE:
            present.add(change.member)
        elif change.action in LEAVE:
            present.discard(change.member)
        else:
            continue
        point = AttendancePoint(
            at=change.at,
            members=len(present),
            weight=sum(weights.get(member, 0) for member in present),
        )
        if points and points[-1].at == point.at:
            points[-1] = point  # several changes in the same instant: the last counts
        else:
            points.append(point)
    return points
