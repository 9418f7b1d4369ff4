"""The desk's binding changes, as ballot learns them (docs/ARCHITECTURE.md).

A binding ends when the desk ends it. Registration tells us of every change
(a handset bound, swapped out, given back) right after its own commit and
before it answers the desk: ``POST /api/meetings/{m}/bindings``, from an
outbox it retries until we take it, idempotent by registration's change id.
We also ask (``GET .../binding-changes``): at start-up, for what changed since
each open vote opened; and whenever a batch has a handset we know nothing of.

A handset's latest change decides who it votes for (``rules.member_for``).
A change made while a vote is open that binds a member of its electorate to
a new handset is recorded for the record (``elector_handsets``) and
announced on the event stream.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.ballot import events, repository
from services.ballot.frozen import FrozenVote
from services.ballot.models import utcnow
from services.ballot.schemas import BindingChangeIn, BindingChanges
from services.common.errors import UpstreamFailed, UpstreamUnavailable
from services.common.http import ServiceClient, fitted, url_path

log = logging.getLogger(__name__)

# Changes asked for at once (registration pages by change id).
PAGE = 1000
# A handset registration was just asked about is not asked about again for
# this long (a handset bound to nobody may be pressed in every batch); the
# desk's changes reach us by the push anyway.
LOOKUP_QUIET_SECONDS = 2.0


class Lookups:
    """When this process last asked registration about a handset."""

    def __init__(self, quiet: float = LOOKUP_QUIET_SECONDS) -> None:
        self.quiet = quiet
        self._asked: dict[tuple[str, str], float] = {}

    def recent(self, meeting: str) -> set[str]:
        now = time.monotonic()
        self._asked = {k: at for k, at in self._asked.items() if now - at < self.quiet}
        return {handset for (code, handset) in self._asked if code == meeting}

    def mark(self, meeting: str, handsets: Iterable[str]) -> None:
        now = time.monotonic()
        self._asked.update({(meeting, handset): now for handset in handsets})


async def learn(session: AsyncSession, *, meeting: str, changes: Sequence[BindingChangeIn]) -> int:
    """Store the changes we did not have; how many were new."""
    changes = sorted({change.id: change for change in changes}.values(), key=lambda c: c.id)
    locked = await repository.lock_meeting(session, meeting)
    learned_at = utcnow()
    first = locked.bindings_version + 1
    new = set(
        await repository.add_binding_changes(
            session,
            [
                {
                    "change_id": change.id,
                    "learned_seq": first + number,
                    "meeting": meeting,
                    "handset": change.handset,
                    "member": change.member,
                    "bound": change.bound,
                    "changed_at": change.at,
                    "learned_at": learned_at,
                }
                for number, change in enumerate(changes)
            ],
        )
    )
    if new:
        # Numbers of changes already known are skipped; the version only grows.
        locked.bindings_version += len(changes)
        await session.flush()
    vote = await repository.open_vote(session, meeting) if new else None
    if vote is not None:
        swapped_in = [
            change
            for change in changes
            if change.id in new and change.bound and change.id > (vote.bindings_seen or 0)
        ]
        electors = await repository.electors_among(session, vote.id, {c.member for c in swapped_in})
        for change in swapped_in:
            if change.member in electors and await repository.add_elector_handset(
                session, vote_id=vote.id, member=change.member, handset=change.handset
            ):
                data = {"member": change.member, "handset": change.handset}
                await events.emit(session, locked, "handset", vote_id=vote.id, data=data)
                log.info("ballot.binding.swapped_in", extra={"vote_id": vote.id, **data})
    if new:
        log.info("ballot.binding.learned", extra={"meeting": meeting, "changes": len(new)})
    return len(new)


async def fetch(
    registration: ServiceClient, *, meeting: str, after: int, handsets: Iterable[str] = ()
) -> list[BindingChangeIn]:
    """Registration's changes of a meeting after change ``after`` (of these handsets)."""
    wanted = sorted(handsets)
    found: list[BindingChangeIn] = []
    while True:
        params = [("after", str(after)), ("limit", str(PAGE))]
        params += [("handset", handset) for handset in wanted]
        body = await registration.get_bytes(
            url_path("/api/meetings/{}/binding-changes", meeting), params=params
        )
        what = "bindingen die niet kloppen"
        page = fitted(BindingChanges, body, upstream=registration.name, what=what).changes
        found += page
        if len(page) < PAGE:
            return found
        after = page[-1].id


async def look_up(
    session: AsyncSession,
    registration: ServiceClient,
    *,
    meeting: str,
    vote: FrozenVote,
    handsets: set[str],
) -> None:
    """Ask registration about handsets the open vote does not know: everything
    the desk changed since the vote opened (a swap we were not told of ends
    the old handset too), and whatever became of these handsets before."""
    changes = await fetch(registration, meeting=meeting, after=vote.bindings_seen)
    changes += await fetch(registration, meeting=meeting, after=0, handsets=handsets)
    await learn(session, meeting=meeting, changes=changes)


async def catch_up(sessions: async_sessionmaker[AsyncSession], registration: ServiceClient) -> None:
    """At start-up: what the desk changed since each open vote opened, in case
    registration's outbox has not delivered it yet. Registration down: logged;
    its outbox and our look-ups cover it."""
    async with sessions() as session:
        votes = [
            (vote.meeting, vote.bindings_seen or 0) for vote in await repository.open_votes(session)
        ]
    for meeting, after in votes:
        try:
            changes = await fetch(registration, meeting=meeting, after=after)
        except (UpstreamUnavailable, UpstreamFailed) as exc:
            log.warning(
                "ballot.binding.catch_up_failed", extra={"meeting": meeting, "error": exc.detail}
            )
            continue
        async with sessions.begin() as session:
            await learn(session, meeting=meeting, changes=changes)
