"""Recording a batch of presses (PROTOCOL.md, "Delivery rules").

Two steps, so another service's latency never holds the meeting lock:

1. ``current_bindings`` (no lock, its own short session): if a vote is open
   and the batch has a handset that is not in its frozen electorate, ask the
   registration service who holds which handset *now*. A handset swapped at
   the desk during the vote is one of these.
2. ``record_presses`` (request session, meeting row locked): each press gets
   its status; a swapped handset of a member of the frozen electorate is
   recorded as that member's (``elector_handsets``) and its press counts for
   the member; the press events are written in the same transaction.

When registration cannot be reached, a batch is answered 503 only if it really
needs the answer: a new press, during an open vote, from a handset the vote
does not know. Answering such presses DENY would tell a delegate with a
freshly swapped handset that they may not vote; answering them OK without
knowing the member is impossible. The gateway retries a 503 and the handset
retransmits, so the press is stored as soon as registration is back. Every
other batch (known handsets, no open vote, duplicates) is unaffected.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.ballot import events, metrics, repository
from services.ballot.models import ElectorHandset, Press, Vote, utcnow
from services.ballot.rules import OpenVote, PressStatus, status_for_new_press, supersedes
from services.ballot.schemas import Option, PressBatch, PressIn, PressResult
from services.common.errors import UpstreamFailed, UpstreamUnavailable
from services.common.http import ServiceClient

log = logging.getLogger(__name__)

# Outside any vote, a repeat of a press stored without a vote (NOPOLL) is
# looked for this far back; a handset retransmits for about 6 s and a gateway
# holds presses while we are down.
UNATTACHED_WINDOW = datetime.timedelta(minutes=10)

# handset -> member code, as the registration service has it now.
Bindings = dict[str, str]


async def current_bindings(
    sessions: async_sessionmaker[AsyncSession],
    registration: ServiceClient,
    *,
    meeting: str,
    batch: PressBatch,
) -> Bindings | None:
    """Who holds which handset now, if the batch needs to know; else ``None``.

    ``None`` also when registration cannot be reached: ``record_presses``
    then refuses only the batches that needed the answer.
    """
    handsets = {press.handset for press in batch.presses}
    if not handsets:
        return None
    async with sessions() as session:
        vote = await repository.open_vote(session, meeting)
        if vote is None:
            return None
        unknown = handsets - await repository.known_handsets(session, vote.id, handsets)
    if not unknown:
        return None
    try:
        body = await registration.get_json(f"/api/meetings/{meeting}/electorate")
    except (UpstreamUnavailable, UpstreamFailed) as exc:
        log.warning(
            "ballot.press.bindings_unavailable",
            extra={"meeting": meeting, "handsets": sorted(unknown), "error": exc.detail},
        )
        return None
    return {member["handset"]: member["code"] for member in body["members"]}


class _Batch:
    """One batch of presses against the state of the meeting, under its lock."""

    def __init__(self, session: AsyncSession, meeting: str, bindings: Bindings | None) -> None:
        self.session = session
        self.meeting = meeting
        self.bindings = bindings
        self.now = utcnow()
        self.seen: dict[tuple[str, int], Press] = {}
        self.counted: dict[str, Press] = {}
        self.new: list[Press] = []

    async def prepare(self, handsets: set[str]) -> None:
        self.locked = await repository.lock_meeting(self.session, self.meeting)
        self.vote = await repository.open_vote(self.session, self.meeting)
        self.last_closed_vote = await repository.last_closed_vote(self.session, self.meeting)
        # The earlier presses a new one can be a repeat of, loaded for the whole
        # batch at once; the latest row wins.
        for earlier in await self._repeat_candidates(handsets):
            self.seen[(earlier.handset, earlier.seq)] = earlier
        self.handsets: dict[str, str] = {}
        self.electors: set[str] = set()
        self.open: OpenVote | None = None
        if self.vote is not None:
            options = [Option.model_validate(option) for option in self.vote.options]
            self.open = OpenVote(keys=frozenset(option.key for option in options))
            electors = await repository.electors(self.session, self.vote.id)
            self.electors = {elector.member for elector in electors}
            self.handsets = {elector.handset: elector.member for elector in electors}
            for swapped in await repository.elector_handsets(self.session, self.vote.id):
                self.handsets[swapped.handset] = swapped.member
            self.counted = {
                press.member: press
                for press in await repository.counted_presses(self.session, self.vote.id)
                if press.member is not None
            }

    async def _repeat_candidates(self, handsets: set[str]) -> Sequence[Press]:
        """Presses that a press with the same handset and seq repeats.

        PROTOCOL.md: duplicates are "same handset and seq within the same vote".
        While a vote is open that vote is the scope, so a handset whose counter
        started again (a battery swap) is never answered with an earlier vote's
        status. With no vote open, a repeat is a retransmission of a press stored
        in the vote that just closed, or of a press stored without a vote since.
        """
        if self.vote is not None:
            return await repository.presses_of_handsets(
                self.session, self.meeting, handsets, vote_id=self.vote.id
            )
        since = self.now - UNATTACHED_WINDOW
        closed = self.last_closed_vote
        if closed is not None and closed.closed_at is not None:
            since = max(since, closed.closed_at)
        return await repository.presses_of_handsets(
            self.session,
            self.meeting,
            handsets,
            vote_id=closed.id if closed is not None else None,
            unattached_since=since,
        )

    def _member(self, handset: str) -> str | None:
        """The member a handset votes for in the open vote, or ``None`` (DENY)."""
        if handset in self.handsets:
            return self.handsets[handset]
        if self.bindings is None:
            raise UpstreamUnavailable(
                f"Stemkastje {handset} hoort niet bij de stemming en de registratie-dienst"
                " is niet bereikbaar om na te gaan of het is omgewisseld. Probeer het zo opnieuw.",
                upstream="registratie",
            )
        member = self.bindings.get(handset)
        if member is None or member not in self.electors:
            return None
        assert self.vote is not None
        self.session.add(ElectorHandset(vote_id=self.vote.id, member=member, handset=handset))
        self.handsets[handset] = member
        events.emit(
            self.session,
            self.locked,
            "handset",
            vote_id=self.vote.id,
            data={"member": member, "handset": handset},
        )
        log.info("ballot.press.handset_swapped", extra={"member": member, "handset": handset})
        return member

    def record(self, press: PressIn) -> PressStatus:
        key = (press.handset, press.seq)
        earlier = self.seen.get(key)
        if earlier is not None:
            return PressStatus(earlier.status)
        member = self._member(press.handset) if self.open is not None else None
        status = status_for_new_press(
            open_vote=self.open,
            last_closed_at=self.locked.last_closed_at,
            now=self.now,
            member=member,
            key=press.key,
        )
        vote = {
            PressStatus.NOPOLL: None,
            PressStatus.LATE: self.last_closed_vote,
        }.get(status, self.vote)
        row = Press(
            meeting=self.meeting,
            vote_id=vote.id if vote else None,
            receiver=press.receiver,
            handset=press.handset,
            seq=press.seq,
            key=press.key,
            rssi=press.rssi,
            battery=press.battery,
            received_at=press.received_at,
            stored_at=self.now,
            status=status.value,
            member=member,
            counted=False,
        )
        if status is PressStatus.OK and member is not None:
            self._count(member, row)
        self.session.add(row)
        self.seen[key] = row
        self.new.append(row)
        return status

    def _count(self, member: str, row: Press) -> None:
        current = self.counted.get(member)
        if current is None or supersedes(
            new_handset=row.handset,
            new_seq=row.seq,
            counted_handset=current.handset,
            counted_seq=current.seq,
        ):
            if current is not None:
                current.counted = False
            row.counted = True
            self.counted[member] = row

    def emit_presses(self) -> None:
        """One ``press`` event per press stored for a vote, as it stands at commit."""
        votes: dict[int, Vote] = {v.id: v for v in (self.vote, self.last_closed_vote) if v}
        for row in self.new:
            if row.vote_id is None:
                continue
            data: dict[str, object] = {
                "member": row.member,
                "handset": row.handset,
                "seq": row.seq,
                "status": row.status,
                "counted": row.counted,
            }
            # A secret vote never shows who pressed what, not even live.
            if votes[row.vote_id].named:
                data["key"] = row.key
            events.emit(self.session, self.locked, "press", vote_id=row.vote_id, data=data)


async def record_presses(
    session: AsyncSession, *, meeting: str, batch: PressBatch, bindings: Bindings | None = None
) -> list[PressResult]:
    started = time.perf_counter()
    recorder = _Batch(session, meeting, bindings)
    await recorder.prepare({press.handset for press in batch.presses})
    results = []
    for press in batch.presses:
        status = recorder.record(press)
        results.append(PressResult(handset=press.handset, seq=press.seq, status=status))
    recorder.emit_presses()
    await session.flush()
    metrics.count_batch(
        session,
        started=started,
        stored=[row.status for row in recorder.new],
        repeats=len(results) - len(recorder.new),
    )
    return results
