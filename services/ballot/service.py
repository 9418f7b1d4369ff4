"""The ballot logic: the votes of a meeting, their lifecycle, and presses.

No FastAPI here. Functions flush but never commit: the request owns the
transaction, so a press batch is answered only after it is durable.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import repository
from services.ballot.errors import (
    AnotherVoteOpen,
    BadLink,
    EmptyElectorate,
    VoteNotFound,
    WrongVoteState,
)
from services.ballot.models import Elector, Press, Vote, utcnow
from services.ballot.rules import OpenVote, PressStatus, status_for_new_press, supersedes
from services.ballot.schemas import (
    CountedPress,
    ElectorRead,
    Majority,
    MeetingState,
    Option,
    PressBatch,
    PressIn,
    PressResult,
    Progress,
    VoteCreate,
    VoteRead,
    VoteRecord,
    VoteStatus,
)
from services.common.http import ServiceClient

# A handset retransmits for 6 s and a gateway may hold presses while we are
# down; a press with the same handset and seq within this window is the same
# press, answered with its first status.
DEDUPE_WINDOW = datetime.timedelta(minutes=10)


def vote_read(vote: Vote) -> VoteRead:
    return VoteRead(
        id=vote.id,
        meeting=vote.meeting,
        position=vote.position,
        kind=vote.kind,
        title=vote.title,
        agenda_item=vote.agenda_item,
        options=[Option.model_validate(option) for option in vote.options],
        majority=Majority(
            numerator=vote.majority_numerator,
            denominator=vote.majority_denominator,
            inclusive=vote.majority_inclusive,
        ),
        abstentions_cast=vote.abstentions_cast,
        named=vote.named,
        status=vote.status,
        opened_at=vote.opened_at,
        closed_at=vote.closed_at,
        annulled_reason=vote.annulled_reason,
        amends_vote_id=vote.amends_vote_id,
        part_of_vote_id=vote.part_of_vote_id,
        follows_vote_id=vote.follows_vote_id,
    )


async def get_vote(session: AsyncSession, vote_id: int) -> Vote:
    vote = await repository.vote(session, vote_id)
    if vote is None:
        raise VoteNotFound(f"Stemming {vote_id} bestaat niet.")
    return vote


async def create_vote(session: AsyncSession, *, meeting: str, data: VoteCreate) -> Vote:
    await repository.lock_meeting(session, meeting)
    for link in (data.amends_vote_id, data.part_of_vote_id, data.follows_vote_id):
        if link is not None:
            linked = await repository.vote(session, link)
            if linked is None or linked.meeting != meeting:
                raise BadLink(f"Stemming {link} bestaat niet in deze vergadering.")
    assert data.options is not None  # filled in by the schema
    vote = Vote(
        meeting=meeting,
        position=await repository.next_position(session, meeting),
        kind=data.kind.value,
        title=data.title,
        agenda_item=data.agenda_item,
        options=[option.model_dump(mode="json") for option in data.options],
        majority_numerator=data.majority.numerator,
        majority_denominator=data.majority.denominator,
        majority_inclusive=data.majority.inclusive,
        abstentions_cast=data.abstentions_cast,
        named=data.named,
        status=VoteStatus.PREPARED.value,
        amends_vote_id=data.amends_vote_id,
        part_of_vote_id=data.part_of_vote_id,
        follows_vote_id=data.follows_vote_id,
    )
    session.add(vote)
    await session.flush()
    return vote


async def open_vote(session: AsyncSession, *, vote_id: int, registration: ServiceClient) -> Vote:
    vote = await get_vote(session, vote_id)
    if vote.status != VoteStatus.PREPARED:
        raise WrongVoteState(f"Stemming {vote_id} is al geopend geweest ({vote.status}).")
    # Fetched before taking the lock: another service's latency must not hold
    # up every press batch of the meeting.
    electorate = await registration.get_json(f"/api/meetings/{vote.meeting}/electorate")
    members = electorate["members"]
    if not members:
        raise EmptyElectorate("Er is niemand aangemeld: de stemming kan niet worden geopend.")
    meeting = await repository.lock_meeting(session, vote.meeting)
    await session.refresh(vote)
    if vote.status != VoteStatus.PREPARED:
        raise WrongVoteState(f"Stemming {vote_id} is zojuist al geopend.")
    current = await repository.open_vote(session, vote.meeting)
    if current is not None:
        raise AnotherVoteOpen(
            f"Stemming {current.id} ('{current.title}') is nog open. Sluit die eerst."
        )
    for member in members:
        session.add(
            Elector(
                vote_id=vote.id,
                member=member["code"],
                name=member["name"],
                weight=member["weight"],
                handset=member["handset"],
            )
        )
    vote.status = VoteStatus.OPEN.value
    vote.opened_at = utcnow()
    meeting.version += 1
    await session.flush()
    return vote


async def close_vote(session: AsyncSession, *, vote_id: int) -> Vote:
    vote = await get_vote(session, vote_id)
    meeting = await repository.lock_meeting(session, vote.meeting)
    await session.refresh(vote)
    if vote.status != VoteStatus.OPEN:
        raise WrongVoteState(f"Stemming {vote_id} is niet open ({vote.status}).")
    now = utcnow()
    vote.status = VoteStatus.CLOSED.value
    vote.closed_at = now
    meeting.last_closed_at = now
    meeting.version += 1
    await session.flush()
    return vote


async def annul_vote(session: AsyncSession, *, vote_id: int, reason: str) -> Vote:
    vote = await get_vote(session, vote_id)
    await repository.lock_meeting(session, vote.meeting)
    await session.refresh(vote)
    if vote.status != VoteStatus.CLOSED:
        raise WrongVoteState(
            f"Alleen een gesloten stemming kan nietig worden verklaard ({vote.status})."
        )
    vote.status = VoteStatus.ANNULLED.value
    vote.annulled_at = utcnow()
    vote.annulled_reason = reason
    await session.flush()
    return vote


async def meeting_state(session: AsyncSession, *, meeting: str) -> MeetingState:
    found = await repository.meeting(session, meeting)
    vote = await repository.open_vote(session, meeting)
    return MeetingState(
        meeting=meeting,
        state="OPEN" if vote else "CLOSED",
        vote_id=vote.id if vote else None,
        keys=len(vote.options) if vote else 0,
        version=found.version if found else 0,
    )


class _Batch:
    """One batch of presses against the state of the meeting, under its lock."""

    def __init__(self, session: AsyncSession, meeting: str) -> None:
        self.session = session
        self.meeting = meeting
        self.now = utcnow()
        self.seen: dict[tuple[str, int], Press] = {}
        self.counted: dict[str, Press] = {}

    async def prepare(self) -> None:
        state = await repository.lock_meeting(self.session, self.meeting)
        self.last_closed_at = state.last_closed_at
        self.vote = await repository.open_vote(self.session, self.meeting)
        self.last_closed_vote = await repository.last_closed_vote(self.session, self.meeting)
        self.handsets: dict[str, str] = {}
        self.open: OpenVote | None = None
        if self.vote is not None:
            self.open = OpenVote(keys=frozenset(o.key for o in vote_read(self.vote).options))
            electors = await repository.electors(self.session, self.vote.id)
            self.handsets = {elector.handset: elector.member for elector in electors}
            self.counted = {
                press.member: press
                for press in await repository.counted_presses(self.session, self.vote.id)
                if press.member is not None
            }

    async def record(self, press: PressIn) -> PressStatus:
        key = (press.handset, press.seq)
        earlier = self.seen.get(key) or await repository.recent_press(
            self.session, self.meeting, press.handset, press.seq, self.now - DEDUPE_WINDOW
        )
        if earlier is not None:
            self.seen[key] = earlier
            return PressStatus(earlier.status)
        member = self.handsets.get(press.handset)
        status = status_for_new_press(
            open_vote=self.open,
            last_closed_at=self.last_closed_at,
            now=self.now,
            member=member,
            key=press.key,
        )
        vote_id = {
            PressStatus.NOPOLL: None,
            PressStatus.LATE: self.last_closed_vote.id if self.last_closed_vote else None,
        }.get(status, self.vote.id if self.vote else None)
        row = Press(
            meeting=self.meeting,
            vote_id=vote_id,
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


async def record_presses(
    session: AsyncSession, *, meeting: str, batch: PressBatch
) -> list[PressResult]:
    recorder = _Batch(session, meeting)
    await recorder.prepare()
    results = []
    for press in batch.presses:
        status = await recorder.record(press)
        results.append(PressResult(handset=press.handset, seq=press.seq, status=status))
    await session.flush()
    return results


async def record(session: AsyncSession, *, vote_id: int) -> VoteRecord:
    vote = await get_vote(session, vote_id)
    return VoteRecord(
        vote=vote_read(vote),
        electorate=[
            ElectorRead.model_validate(e) for e in await repository.electors(session, vote_id)
        ],
        counted=[
            CountedPress(
                member=press.member or "",
                key=press.key,
                handset=press.handset,
                seq=press.seq,
                stored_at=press.stored_at,
            )
            for press in await repository.counted_presses(session, vote_id)
        ],
    )


async def progress(session: AsyncSession, *, vote_id: int) -> Progress:
    vote = await get_vote(session, vote_id)
    electors: Sequence[Elector] = await repository.electors(session, vote_id)
    weights = {elector.member: elector.weight for elector in electors}
    voted = {press.member for press in await repository.counted_presses(session, vote_id)}
    return Progress(
        vote_id=vote.id,
        status=vote.status,
        electorate_members=len(electors),
        electorate_weight=sum(weights.values()),
        voted_members=len(voted),
        voted_weight=sum(weights.get(member or "", 0) for member in voted),
        opened_at=vote.opened_at,
        closed_at=vote.closed_at,
    )
