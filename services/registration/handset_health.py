"""Whether a handset is fit to vote: the rules of the handset registry.

Pure: values in, values out. "In range" means the gateway heard the handset
(a press or a heartbeat) within the last minute; a handset heartbeats every
30 seconds, so one missed heartbeat is not yet a warning. A battery below 20%
is low: replace it before a vote, not during one.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

IN_RANGE = datetime.timedelta(minutes=1)
LOW_BATTERY = 20  # percent; below this a bound handset is a warning


class Problem(enum.StrEnum):
    NEVER_SEEN = "never_seen"
    OUT_OF_RANGE = "out_of_range"
    LOW_BATTERY = "low_battery"


@dataclass(frozen=True)
class Sighting:
    battery: int
    last_seen: datetime.datetime


def in_range(sighting: Sighting | None, now: datetime.datetime) -> bool:
    return sighting is not None and now - sighting.last_seen <= IN_RANGE


def problems(*, bound: bool, sighting: Sighting | None, now: datetime.datetime) -> list[Problem]:
    """What to warn about before a vote; only a handset bound to a member matters."""
    if not bound:
        return []
    if sighting is None:
        return [Problem.NEVER_SEEN]
    found = []
    if not in_range(sighting, now):
        found.append(Problem.OUT_OF_RANGE)
    if sighting.battery < LOW_BATTERY:
        found.append(Problem.LOW_BATTERY)
    return found
