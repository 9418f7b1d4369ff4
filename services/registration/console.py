"""What the secretariat's console shows of a meeting: members, cards, mail.

No FastAPI here. The console's actions are the services' own (``service``,
``cards``, ``mailing``); this module only reads what the page summarises:
the members without a figure, how many cards exist, and per member the
latest attempt to mail its current card.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database import Database
from services.common.errors import Invalid
from services.registration import repository, service
from services.registration.mailing import mail_log, transaction
from services.registration.models import Meeting, Member, utcnow
from services.registration.schemas import MailLogEntry

# Cards mailed per request of the console: each batch is one short request, so
# the page shows progress and no request runs for minutes.
SEND_BATCH = 20
_DIGITS = re.compile(r"[0-9]{1,9}")


def is_digits(text: str) -> bool:
    return _DIGITS.fullmatch(text) is not None


def json_document(text: str) -> dict[str, Any]:
    """An uploaded JSON document (an object); ``ValueError`` for anything else."""
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("verwacht een object met een lijst 'value'")
    return document


def run_start(text: str) -> datetime.datetime:
    """When a run of sending started: now for its first batch, else as the page
    handed it back (an ISO time, not in the future)."""
    now = utcnow()
    if not text:
        return now
    try:
        started = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("Het begin van deze verzendronde is geen tijdstip.") from exc
    if started.tzinfo is None or started > now:
        raise Invalid("Het begin van deze verzendronde is geen tijdstip van deze ronde.")
    return started


@dataclass(frozen=True)
class Overview:
    meeting: Meeting
    members: int
    weight: int
    without_population: list[Member]
    with_contact: int
    cards: int
    # Per member with a card: the latest attempt to mail its current card.
    latest: list[MailLogEntry]
    sent: int = field(init=False)
    failed: list[MailLogEntry] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sent", sum(1 for e in self.latest if e.status == "sent"))
        object.__setattr__(self, "failed", [e for e in self.latest if e.status == "failed"])

    @property
    def unsent(self) -> int:
        return self.cards - self.sent


async def overview(session: AsyncSession, meeting: Meeting) -> Overview:
    members = await repository.members(session, meeting)
    current = await repository.current_cards(session, meeting)
    versions = {m.code: current[m.id].version for m in members if m.id in current}
    latest: dict[str, MailLogEntry] = {}
    for entry in await mail_log(session, meeting=meeting):
        if versions.get(entry.member) == entry.card_version:
            latest[entry.member] = entry
    return Overview(
        meeting=meeting,
        members=len(members),
        weight=sum(m.weight or 0 for m in members),
        without_population=[m for m in members if m.population is None],
        with_contact=sum(1 for m in members if m.contact_email),
        cards=len(current),
        latest=sorted(latest.values(), key=lambda e: e.name),
    )


@dataclass(frozen=True)
class SendRun:
    """One run of sending (all unsent, or the failed ones again), batch by batch."""

    started: datetime.datetime
    tried: int  # members tried in this run so far
    sent: int
    failed: int
    remaining: int  # members the run still has to try

    @property
    def total(self) -> int:
        return self.tried + self.remaining


async def send_run(
    database: Database, *, meeting_code: str, started: datetime.datetime, remaining: int
) -> tuple[SendRun, Overview]:
    """The run so far (every attempt since it started) and the meeting after it,
    read in a short transaction of its own: sending holds none (mailing.py)."""
    async with transaction(database) as session:
        meeting = await service.get_meeting(session, meeting_code)
        attempts = [
            entry
            for entry in await mail_log(session, meeting=meeting)
            if entry.attempted_at >= started
        ]
        latest = {entry.member: entry for entry in attempts}
        sent = sum(1 for entry in latest.values() if entry.status == "sent")
        run = SendRun(started, len(latest), sent, len(latest) - sent, remaining)
        return run, await overview(session, meeting)
