"""The handset registry: what the gateway heard of each handset, joined with
who holds it, and the warnings before a vote.

No FastAPI here; flush, never commit. The rules are in ``handset_health.py``.
"""

from __future__ import annotations

import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registration import handset_health, repository
from services.registration.models import HandsetSighting, Meeting, Member, utcnow
from services.registration.schemas import (
    HandsetRead,
    HandsetRegistry,
    HandsetReport,
    HandsetSeen,
)


async def record_sightings(
    session: AsyncSession, *, meeting: Meeting, report: HandsetReport
) -> int:
    """Keep the gateway's latest sighting of every handset in the report."""
    newest: dict[str, HandsetSeen] = {}
    for seen in report.handsets:
        earlier = newest.get(seen.handset)
        if earlier is None or seen.last_seen > earlier.last_seen:
            newest[seen.handset] = seen
    rows = [{"meeting_id": meeting.id, **seen.model_dump()} for seen in newest.values()]
    await repository.store_sightings(session, rows)
    return len(rows)


def _read(
    handset: str,
    holder: Member | None,
    sighting: HandsetSighting | None,
    now: datetime.datetime,
) -> HandsetRead:
    health = handset_health.Sighting(sighting.battery, sighting.last_seen) if sighting else None
    return HandsetRead(
        handset=handset,
        member=holder.code if holder else None,
        name=holder.name if holder else None,
        weight=holder.weight if holder else None,
        receiver=sighting.receiver if sighting else None,
        rssi=sighting.rssi if sighting else None,
        battery=sighting.battery if sighting else None,
        last_seen=sighting.last_seen if sighting else None,
        in_range=handset_health.in_range(health, now),
        problems=[
            problem.value
            for problem in handset_health.problems(
                bound=holder is not None, sighting=health, now=now
            )
        ],
    )


async def registry(
    session: AsyncSession, *, meeting: Meeting, now: datetime.datetime | None = None
) -> HandsetRegistry:
    now = now or utcnow()
    holders = {
        registration.handset: member
        for member, registration in await repository.present_members(session, meeting)
    }
    seen = {sighting.handset: sighting for sighting in await repository.sightings(session, meeting)}
    handsets = [
        _read(handset, holders.get(handset), seen.get(handset), now)
        for handset in sorted(set(holders) | set(seen))
    ]
    warnings = sorted(
        (h for h in handsets if h.problems), key=lambda h: (-(h.weight or 0), h.name or "")
    )
    return HandsetRegistry(
        meeting=meeting.code,
        checked_at=now,
        bound=len(holders),
        in_range=sum(1 for h in handsets if h.member and h.in_range),
        warnings=warnings,
        handsets=handsets,
    )
