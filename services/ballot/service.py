"""The ballot logic: the votes of a meeting and their lifecycle.

    prepared --open--> open --close--> closed --annul--> annulled
        ^                                 |                  |
        +----------- held again ----------+------------------+
                  (a new prepared vote with follows_vote_id)

No FastAPI here. Functions flush but never commit: the request owns the
transaction. Every change locks the meeting row first and writes its event in
the same transaction (events.py). Presses live in presses.py, the read side
(record, progress, who has not voted) in record.py.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import events, repository
from services.ballot.agenda import Agenda
from services.ballot.errors import (
    AlreadyHeldAgain,
    AnotherVoteOpen,
    BadLink,
    BadOrder,
    EmptyElectorate,
    VoteNotFound,
    WrongVoteState,
)
from services.ballot.models import BallotMeeting, Elector, Vote, utcnow
from services.ballot.schemas import (
    AgendaReport,
    Majority,
    MeetingState,
    Option,
    OptionRole,
    SkippedRow,
    VoteAgain,
    VoteCreate,
    VoteKind,
    VoteRead,
    VoteStatus,
)
from services.common.errors import Invalid
from services.common.http import ServiceClient


def vote_read(vote: Vote) -> VoteRead:
    return VoteRead(
        id=vote.id,
        meeting=vote.meeting,
        position=vote.position,
        kind=vote.kind,
        title=vote.title,
        agenda_item=vote.agenda_item,
        office=vote.office,
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
        is_test=vote.kind == VoteKind.PROEFSTEMMING,
        decided_by=vote.decided_by,
        acclamation_adopted=vote.acclamation_adopted,
    )


def _emit_vote(session: AsyncSession, locked: BallotMeeting, kind: str, vote: Vote) -> None:
    data = {"vote": vote_read(vote).model_dump(mode="json")}
    events.emit(session, locked, kind, vote_id=vote.id, data=data)


async def get_vote(session: AsyncSession, vote_id: int) -> Vote:
    vote = await repository.vote(session, vote_id)
    if vote is None:
        raise VoteNotFound(f"Stemming {vote_id} bestaat niet.")
    return vote


async def _lock_vote(session: AsyncSession, vote_id: int) -> tuple[BallotMeeting, Vote]:
    """The vote, re-read after its meeting is locked, so its status is current."""
    vote = await get_vote(session, vote_id)
    locked = await repository.lock_meeting(session, vote.meeting)
    await session.refresh(vote)
    return locked, vote


async def add_vote(session: AsyncSession, locked: BallotMeeting, data: VoteCreate) -> Vote:
    """A new prepared vote at the end of the meeting's order (meeting already locked)."""
    for link in (data.amends_vote_id, data.part_of_vote_id, data.follows_vote_id):
        if link is not None:
            linked = await repository.vote(session, link)
            if linked is None or linked.meeting != locked.code:
                raise BadLink(f"Stemming {link} bestaat niet in deze vergadering.")
    assert data.options is not None  # filled in by the schema
    vote = Vote(
        meeting=locked.code,
        position=await repository.next_position(session, locked.code),
        kind=data.kind.value,
        title=data.title,
        agenda_item=data.agenda_item,
        office=data.office,
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
    _emit_vote(session, locked, "created", vote)
    return vote


async def create_vote(session: AsyncSession, *, meeting: str, data: VoteCreate) -> Vote:
    locked = await repository.lock_meeting(session, meeting)
    return await add_vote(session, locked, data)


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
    locked, vote = await _lock_vote(session, vote_id)
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
    locked.version += 1
    await session.flush()
    _emit_vote(session, locked, "opened", vote)
    return vote


async def close_vote(session: AsyncSession, *, vote_id: int) -> Vote:
    locked, vote = await _lock_vote(session, vote_id)
    if vote.status != VoteStatus.OPEN:
        raise WrongVoteState(f"Stemming {vote_id} is niet open ({vote.status}).")
    now = utcnow()
    vote.status = VoteStatus.CLOSED.value
    vote.closed_at = now
    locked.last_closed_at = now
    locked.version += 1
    await session.flush()
    _emit_vote(session, locked, "closed", vote)
    return vote


async def acclaim_vote(session: AsyncSession, *, vote_id: int, adopted: bool) -> Vote:
    """Record that a prepared item was decided bij acclamatie.

    Only when nobody in the room objects; otherwise the chair opens it as a
    weighted vote. The receivers are not involved: no POLL, no LATE window.
    """
    locked, vote = await _lock_vote(session, vote_id)
    if vote.status != VoteStatus.PREPARED:
        raise WrongVoteState(
            f"Alleen een voorbereide stemming kan bij acclamatie worden besloten ({vote.status})."
        )
    roles = {option.role for option in vote_read(vote).options}
    if vote.kind == VoteKind.PROEFSTEMMING or not {OptionRole.FOR, OptionRole.AGAINST} <= roles:
        raise WrongVoteState(
            "Bij acclamatie besluiten kan alleen over een voorstel, motie of amendement"
            " (voor/tegen)."
        )
    vote.status = VoteStatus.CLOSED.value
    vote.closed_at = utcnow()
    vote.decided_by = "acclamation"
    vote.acclamation_adopted = adopted
    await session.flush()
    _emit_vote(session, locked, "acclaimed", vote)
    return vote


async def annul_vote(session: AsyncSession, *, vote_id: int, reason: str) -> Vote:
    locked, vote = await _lock_vote(session, vote_id)
    if vote.status != VoteStatus.CLOSED:
        raise WrongVoteState(
            f"Alleen een gesloten stemming kan nietig worden verklaard ({vote.status})."
        )
    vote.status = VoteStatus.ANNULLED.value
    vote.annulled_at = utcnow()
    vote.annulled_reason = reason
    await session.flush()
    _emit_vote(session, locked, "annulled", vote)
    return vote


async def hold_again(session: AsyncSession, *, vote_id: int, data: VoteAgain) -> Vote:
    """A fresh prepared copy of a closed or annulled vote, linked by ``follows_vote_id``.

    Any closed vote may be held again, not only one without a majority: the
    outcome is computed by the results service, and the chair decides (a
    further round between the best two candidates is the usual case). Once
    per vote, so a double click does not prepare two copies.
    """
    locked, vote = await _lock_vote(session, vote_id)
    if vote.status not in (VoteStatus.CLOSED, VoteStatus.ANNULLED):
        raise WrongVoteState(
            "Alleen een gesloten of nietig verklaarde stemming kan opnieuw worden gehouden"
            f" ({vote.status})."
        )
    follower = await repository.follower(session, vote.id)
    if follower is not None:
        raise AlreadyHeldAgain(
            f"Stemming {vote_id} wordt al opnieuw gehouden als stemming {follower.id}."
        )
    source = vote_read(vote)
    try:
        copy = VoteCreate(
            kind=source.kind,
            title=data.title or source.title,
            agenda_item=source.agenda_item,
            office=source.office,
            options=data.options or source.options,
            majority=source.majority,
            abstentions_cast=source.abstentions_cast,
            named=source.named,
            amends_vote_id=source.amends_vote_id,
            part_of_vote_id=source.part_of_vote_id,
            follows_vote_id=vote.id,
        )
    except ValidationError as exc:
        raise Invalid(f"Deze opties passen niet bij de stemming: {exc.errors()[0]['msg']}") from exc
    return await add_vote(session, locked, copy)


async def reorder(session: AsyncSession, *, meeting: str, vote_ids: list[int]) -> None:
    """Put the prepared votes in a new order, among the positions they already hold.

    Votes that were opened keep their place: the order of what happened is
    history. The positions are swapped, not renumbered, so nothing else moves.
    """
    locked = await repository.lock_meeting(session, meeting)
    prepared = await repository.votes(session, meeting, status=VoteStatus.PREPARED.value)
    if len(set(vote_ids)) != len(vote_ids) or set(vote_ids) != {v.id for v in prepared}:
        raise BadOrder(
            "Geef elke voorbereide stemming van deze vergadering precies één keer op"
            f" (nu voorbereid: {', '.join(str(v.id) for v in prepared) or 'geen'})."
        )
    by_id = {vote.id: vote for vote in prepared}
    for position, vote_id in zip(sorted(v.position for v in prepared), vote_ids, strict=True):
        by_id[vote_id].position = position
    await session.flush()
    events.emit(session, locked, "reordered", data={"vote_ids": vote_ids})


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


async def import_agenda(session: AsyncSession, *, meeting: str, agenda: Agenda) -> AgendaReport:
    """Prepare the votes of an agenda, after the votes already there.

    A vote whose agenda item and title the meeting already has is skipped, so
    importing the same file twice (or a corrected one) prepares nothing twice.
    """
    locked = await repository.lock_meeting(session, meeting)
    existing = {(v.agenda_item, v.title) for v in await repository.votes(session, meeting)}
    created: list[VoteRead] = []
    skipped = list(agenda.skipped)
    for row, data in agenda.votes:
        if (data.agenda_item, data.title) in existing:
            reason = "deze stemming bestaat al (zelfde agendapunt en titel)"
            skipped.append(SkippedRow(row=row, title=data.title, reason=reason))
            continue
        try:
            vote = await add_vote(session, locked, data)
        except BadLink as exc:
            skipped.append(SkippedRow(row=row, title=data.title, reason=exc.detail))
            continue
        existing.add((data.agenda_item, data.title))
        created.append(vote_read(vote))
    skipped.sort(key=lambda each: each.row)
    return AgendaReport(read=agenda.read, created=created, skipped=skipped)
