"""Presses as a gateway sends them to ballot (docs/ARCHITECTURE.md, the batch API)."""

from __future__ import annotations

import datetime
from typing import Any

from services.common.database import utcnow


def stamp(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def press(
    handset: str,
    seq: int,
    key: int,
    receiver: str = "R01",
    *,
    received_at: datetime.datetime | None = None,
) -> dict[str, Any]:
    """A press; heard the moment its batch is sent unless ``received_at`` says
    otherwise (a press the gateway held)."""
    body: dict[str, Any] = {
        "receiver": receiver,
        "handset": handset,
        "seq": seq,
        "key": key,
        "rssi": -60,
        "battery": 90,
    }
    if received_at is not None:
        body["received_at"] = stamp(received_at)
    return body


def batch(*presses: dict[str, Any], sent_at: datetime.datetime | None = None) -> dict[str, Any]:
    """One attempt to deliver ``presses``, sent now (or at ``sent_at``, the gateway's clock)."""
    sent = stamp(sent_at or utcnow())
    return {"sent_at": sent, "presses": [{"received_at": sent, **p} for p in presses]}
