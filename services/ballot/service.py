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

from services.ballot import events, links, repository
from services.ballot.errors import (
    AlreadyHeldAgain,
    AnotherVoteOpen,
    BadLink,
    BadOrder,
    EmptyElectorate,
    UndecidedAmendments,
    VoteNotFound,
    WrongVoteState,
)
from services.ballot.frozen import FrozenVotes, frozen_vote
from services.ballot.models import BallotMeeting, Vote, utcnow
from services.ballot.schemas import (
    ElectorateIn,
    MajorityRead,
    MeetingSettings,
    MeetingState,
    Option,
    OptionRole,
    VoteAgain,
    VoteCreate,
    VoteKind,
    VoteRead,
    VoteStatus,
)
from services.common.auth import ACTOR_KEY
from services.common.errors import RequestInvalid, UpstreamFailed
from services.common.http import ServiceClient, fitted, url_path


def actor(session: AsyncSession) -> str | None:
    """Who this transaction acts for (the principal's name; set by deps.py)."""
    name = session.info.get(ACTOR_KEY)
    return str(name) if name is not None else None


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
        majority=MajorityRead(
            numerator=vote.majority_numerator,
            denominator=vote.majority_denominator,
            inclusive=vote.majority_inclusive,
        ),
        abstentions_cast=vote.abstentions_cast,
        follows_meeting_base=not vote.base_overridden,
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
        created_by=vote.created_by,
        opened_by=vote.opened_by,
        closed_by=vote.closed_by,
        annulled_by=vote.annulled_by,
    )


async def emit_vote(session: AsyncSession, locked: BallotMeeting, kind: str, vote: Vote) -> None:
    data = {"vote": vote_read(vote).model_dump(mode="json")}
    await events.emit(session, locked, kind, vote_id=vote.id, data=data)


async def get_vote(session: AsyncSession, vote_id: int) -> Vote:
    vote = await repository.vote(session, vote_id)
    if vote is None:
        raise VoteNotFound(f"Stemming {vote_id} bestaat niet.")
    return vote


async def lock_vote(session: AsyncSession, vote_id: int) -> tuple[BallotMeeting, Vote]:
    """The vote, re-read after its meeting is locked, so its status is current."""
    vote = await get_vote(session, vote_id)
    locked = await repository.lock_meeting(session, vote.meeting)
    await session.refresh(vote)
    return locked, vote


async def check_links(
    session: AsyncSession, meeting: str, data: VoteCreate, *, vote_id: int | None = None
) -> None:
    """Every link of ``data`` points at a vote of the meeting it may point at."""
    for name, link in (("amends", data.amends_vote_id), ("part_of", data.part_of_vote_id)):
        if link is None:
            continue
        target = await repository.vote(session, link)
        try:
            links.check_target(
                kind=data.kind.value,
                link=name,
                target=target if target is not None and target.meeting == meeting else None,
                own_id=vote_id,
            )
        except links.BadLinkError as exc:
            raise BadLink(f"Koppeling aan stemming {link} kan niet: {exc}.") from exc
    if data.follows_vote_id is not None:
        earlier = await repository.vote(session, data.follows_vote_id)
        if earlier is None or earlier.meeting != meeting:
            raise BadLink(f"Stemming {data.follows_vote_id} bestaat niet in deze vergadering.")


def apply(vote: Vote, data: VoteCreate, meeting: BallotMeeting) -> None:
    """The fields of a prepared vote, as ``data`` says (on creation and on edit)."""
    assert data.options is not None  # filled in by the schema
    vote.kind = data.kind.value
    vote.title = data.title
    vote.agenda_item = data.agenda_item
    vote.office = data.office
    vote.options = [option.model_dump(mode="json") for option in data.options]
    vote.majority_numerator = data.majority.numerator
    vote.majority_denominator = data.majority.denominator
    vote.majority_inclusive = data.majority.inclusive
    vote.base_overridden = data.abstentions_cast is not None
    vote.abstentions_cast = (
        meeting.abstentions_cast if data.abstentions_cast is None else data.abstentions_cast
    )
    vote.named = data.named
    vote.amends_vote_id = data.amends_vote_id
    vote.part_of_vote_id = data.part_of_vote_id


async def add_vote(
    session: AsyncSession, locked: BallotMeeting, data: VoteCreate, *, check: bool = True
) -> Vote:
    """A new prepared vote at the end of the meeting's order (meeting already locked).

    ``check=False`` only for an import that checked its links itself.
    """
    if check:
        await check_links(session, locked.code, data)
    vote = Vote(
        meeting=locked.code,
        position=await repository.next_position(session, locked.code),
        status=VoteStatus.PREPARED.value,
        follows_vote_id=data.follows_vote_id,
        created_by=actor(session),
    )
    apply(vote, data, locked)
    session.add(vote)
    await session.flush()
    await emit_vote(session, locked, "created", vote)
    return vote


async def create_vote(session: AsyncSession, *, meeting: str, data: VoteCreate) -> Vote:
    locked = await repository.lock_meeting(session, meeting)
    return await add_vote(session, locked, data)


async def check_amendments_decided(session: AsyncSession, vote: Vote) -> None:
    """An amendment is voted before what it amends: refuse to decide a proposal
    while one of its amendments is undecided (the chair may confirm and go on)."""
    if vote.kind not in links.AMENDABLE:
        return
    pending = links.undecided_amendments(vote, await repository.votes(session, vote.meeting))
    if pending:
        raise UndecidedAmendments(
            f"Over amendement {links.names(pending)} is nog niet besloten. Een amendement gaat voor"
            " wat het wijzigt: besluit eerst daarover, of bevestig dat het zo moet.",
            amendments=[v.id for v in pending],
        )


async def _electorate(
    registration: ServiceClient, meeting: str
) -> tuple[ElectorateIn, dict[str, str]]:
    """Registration's electorate, within the bounds of what ballot stores and
    with each member and each handset once, and the member of each handset;
    else UpstreamFailed (502), before the vote is touched."""
    body = await registration.get_bytes(url_path("/api/meetings/{}/electorate", meeting))
    electorate = fitted(
        ElectorateIn, body, upstream=registration.name, what="een kiezerslijst die niet klopt"
    )
    members = electorate.members
    # The frozen vote's map, built here once: a handset twice makes it
    # shorter, and so does a member twice its set of members.
    handsets = {member["handset"]: member["code"] for member in members}
    if len(handsets) != len(members) or len(set(handsets.values())) != len(members):
        raise UpstreamFailed(
            f"De {registration.name}-dienst gaf een kiezerslijst met een gemeente of een"
            " stemkastje dubbel.",
            upstream=registration.name,
        )
    return electorate, handsets


async def open_vote(
    session: AsyncSession,
    *,
    vote_id: int,
    registration: ServiceClient,
    frozen: FrozenVotes,
    despite_undecided_amendments: bool = False,
) -> Vote:
    vote = await get_vote(session, vote_id)
    if vote.status != VoteStatus.PREPARED:
        raise WrongVoteState(f"Stemming {vote_id} is al geopend geweest ({vote.status}).")
    # Fetched before taking the lock: another service's latency must not hold
    # up every press batch of the meeting.
    electorate, handsets = await _electorate(registration, vote.meeting)
    members = electorate.members
    if not members:
        raise EmptyElectorate("Er is niemand aangemeld: de stemming kan niet worden geopend.")
    locked, vote = await lock_vote(session, vote_id)
    if vote.status != VoteStatus.PREPARED:
        raise WrongVoteState(f"Stemming {vote_id} is zojuist al geopend.")
    current = await repository.open_vote(session, vote.meeting)
    if current is not None:
        raise AnotherVoteOpen(
            f"Stemming {current.id} ('{current.title}') is nog open. Sluit die eerst."
        )
    if not despite_undecided_amendments:
        await check_amendments_decided(session, vote)
    await repository.add_electors(session, vote.id, members)
    vote.status = VoteStatus.OPEN.value
    vote.opened_at = utcnow()
    vote.opened_by = actor(session)
    # Registration's changes after this one are applied on top (bindings.py).
    vote.bindings_seen = electorate.change_id or 0
    locked.version += 1
    await session.flush()
    await emit_vote(session, locked, "opened", vote)
    frozen.keep(
        frozen_vote(
            vote_id=vote.id,
            meeting=vote.meeting,
            options=vote.options,
            named=vote.named,
            bindings_seen=vote.bindings_seen,
            handsets=handsets,
        )
    )
    return vote


async def close_vote(session: AsyncSession, *, vote_id: int) -> Vote:
    locked, vote = await lock_vote(session, vote_id)
    if vote.status != VoteStatus.OPEN:
        raise WrongVoteState(f"Stemming {vote_id} is niet open ({vote.status}).")
    now = utcnow()
    vote.status = VoteStatus.CLOSED.value
    vote.closed_at = now
    vote.closed_by = actor(session)
    locked.last_closed_at = now
    locked.version += 1
    await session.flush()
    await emit_vote(session, locked, "closed", vote)
    return vote


async def acclaim_vote(
    session: AsyncSession,
    *,
    vote_id: int,
    adopted: bool,
    despite_undecided_amendments: bool = False,
) -> Vote:
    """Record that a prepared item was decided bij acclamatie.

    Only when nobody in the room objects; otherwise the chair opens it as a
    weighted vote. The receivers are not involved: no POLL, no LATE window.
    """
    locked, vote = await lock_vote(session, vote_id)
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
    if not despite_undecided_amendments:
        await check_amendments_decided(session, vote)
    vote.status = VoteStatus.CLOSED.value
    vote.closed_at = utcnow()
    vote.closed_by = actor(session)
    vote.decided_by = "acclamation"
    vote.acclamation_adopted = adopted
    await session.flush()
    await emit_vote(session, locked, "acclaimed", vote)
    return vote


async def annul_vote(session: AsyncSession, *, vote_id: int, reason: str) -> Vote:
    locked, vote = await lock_vote(session, vote_id)
    if vote.status != VoteStatus.CLOSED:
        raise WrongVoteState(
            f"Alleen een gesloten stemming kan nietig worden verklaard ({vote.status})."
        )
    vote.status = VoteStatus.ANNULLED.value
    vote.annulled_at = utcnow()
    vote.annulled_by = actor(session)
    vote.annulled_reason = reason
    await session.flush()
    await emit_vote(session, locked, "annulled", vote)
    return vote


async def hold_again(session: AsyncSession, *, vote_id: int, data: VoteAgain) -> Vote:
    """A fresh prepared copy of a closed or annulled vote, linked by ``follows_vote_id``.

    Any closed vote may be held again (a further round between the best two
    of an election is ``prepare.runoff``); the copy can be edited while it is
    prepared. Once per vote, so a double click does not prepare two copies.
    """
    locked, vote = await lock_vote(session, vote_id)
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
            options=source.options,
            majority=data.majority or source.majority.model_dump(),
            abstentions_cast=None if source.follows_meeting_base else source.abstentions_cast,
            named=source.named,
            amends_vote_id=source.amends_vote_id,
            part_of_vote_id=source.part_of_vote_id,
            follows_vote_id=vote.id,
        )
    except ValidationError as exc:
        # The copy is what the request asked for: refused like an invalid request.
        raise RequestInvalid(
            f"Zo kan stemming {vote_id} niet opnieuw worden gehouden: {exc.errors()[0]['msg']}",
            errors=[{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()],
        ) from exc
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
    await events.emit(session, locked, "reordered", data={"vote_ids": vote_ids})


async def meeting_settings(session: AsyncSession, *, meeting: str) -> MeetingSettings:
    found = await repository.meeting(session, meeting)
    return MeetingSettings(abstentions_cast=found.abstentions_cast if found else False)


async def change_settings(
    session: AsyncSession, *, meeting: str, data: MeetingSettings
) -> MeetingSettings:
    """A new base for the meeting; the prepared votes that follow it change with it
    (a vote that was opened keeps the base it was held with)."""
    locked = await repository.lock_meeting(session, meeting)
    locked.abstentions_cast = data.abstentions_cast
    for vote in await repository.votes(session, meeting, status=VoteStatus.PREPARED.value):
        if not vote.base_overridden and vote.abstentions_cast != data.abstentions_cast:
            vote.abstentions_cast = data.abstentions_cast
            await emit_vote(session, locked, "updated", vote)
    await session.flush()
    return MeetingSettings(abstentions_cast=locked.abstentions_cast)


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
