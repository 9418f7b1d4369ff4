"""Telling registration how the handsets are doing, every few seconds.

The gateway hears every handset's battery and signal (each KEY and each STAT
heartbeat) and keeps the latest per handset in memory (``Gateway.handsets``).
This reporter sends the ones that changed since its last successful report to
the registration service, which joins them with who holds which handset (the
handset registry). It runs beside the press path and never touches it: a
registration that is down only delays the registry, the reports are retried
with the next round, and no press waits for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import httpx

log = logging.getLogger(__name__)

# One report holds at most this many handsets (registration's limit is 5000).
BATCH = 2000


class Heard(Protocol):
    """What the reporter reads of the gateway's ``HandsetStatus``."""

    handset: str
    receiver: str
    rssi: int
    battery: int
    last_seen: datetime


class HandsetReporter:
    def __init__(
        self,
        handsets: Mapping[str, Heard],
        *,
        client: httpx.AsyncClient,
        meeting: str,
        interval: float,
    ) -> None:
        self.handsets = handsets
        self.client = client
        self.interval = interval
        self.reports = 0
        self._path = f"/api/meetings/{meeting}/handsets/sightings"
        self._reported: dict[str, datetime] = {}  # handset -> last_seen as reported

    def changed(self) -> list[Heard]:
        return [s for h, s in self.handsets.items() if self._reported.get(h) != s.last_seen]

    async def report_once(self) -> int:
        """Send what changed; how many handsets registration took (0 on failure)."""
        changed = self.changed()[:BATCH]
        if not changed:
            return 0
        body = {
            "handsets": [
                {
                    "handset": s.handset,
                    "receiver": s.receiver,
                    "rssi": s.rssi,
                    "battery": s.battery,
                    "last_seen": s.last_seen.isoformat(),
                }
                for s in changed
            ]
        }
        try:
            response = await self.client.post(self._path, json=body)
        except httpx.HTTPError as exc:
            log.warning("gateway.handsets.unreachable", extra={"error": repr(exc)})
            return 0
        if not response.is_success:
            log.warning(
                "gateway.handsets.refused",
                extra={"status": response.status_code, "body": response.text[:300]},
            )
            return 0
        for status in changed:
            self._reported[status.handset] = status.last_seen
        self.reports += 1
        return len(changed)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.report_once()
            except Exception:
                # A bug here must not stop the reports, nor anything else of the gateway.
                log.exception("gateway.handsets.crashed")
