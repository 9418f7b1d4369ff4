"""Preparing the agenda: edit and remove prepared votes, the agenda as a tree,
and the runoff between the best two of an election.

No FastAPI here; flush, never commit. Every change locks the meeting row
first and writes its event in the same transaction, as in ``service.py``.
"""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import links, record, repository, service
from services.ballot.errors import AlreadyHeldAgain, NoRunoff, NotPrepared, StillLinked
from services.ballot.models import BallotMeeting, Vote
from services.ballot.schemas import (
    AgendaNode,
    Option,
    OptionRole,
    VoteCreate,
    VoteKind,
    VoteRead,
    VoteStatus,
)
from services.common.labels import VOTE_STATUSES, label

# The pure decision rule, the very code results decides with: the runoff is
# the outcome's own best two.
from services.domain import decision


async def _prepared(session: AsyncSession, vote_id: int, doing: str) -> tuple[BallotMeeting, Vote]:
    locked, vote = await service.lock_vote(session, vote_id)
    if vote.status != VoteStatus.PREPARED:
        raise NotPrepared(
            f"Stemming {vote_id} is al {label(VOTE_STATUSES, vote.status)}: alleen een"
            f" voorbereide stemming kan worden {doing}."
        )
    return locked, vote


async def edit_vote(session: AsyncSession, *, vote_id: int, data: VoteCreate) -> Vote:
    """Replace what a prepared vote puts to the meeting; its place and rounds stay."""
    locked, vote = await _prepared(session, vote_id, "gewijzigd")
    await service.check_links(session, vote.meeting, data, vote_id=vote.id)
    dependents = await repository.linked_to(session, vote.id)
    if data.kind.value not in links.AMENDABLE and any(
        d.amends_vote_id == vote.id for d in dependents
    ):
        raise StillLinked(
            f"Er zijn amendementen op stemming {vote.id}: die blijft een voorstel of motie."
        )
    if data.kind is not VoteKind.MOTIE and any(d.part_of_vote_id == vote.id for d in dependents):
        raise StillLinked(f"Stemming {vote.id} heeft onderdelen: die blijft een motie.")
    service.apply(vote, data, locked)
    await session.flush()
    await service.emit_vote(session, locked, "updated", vote)
    return vote


async def remove_vote(session: AsyncSession, *, vote_id: int) -> None:
    """Take a prepared vote off the agenda; refused while other votes link to it."""
    locked, vote = await _prepared(session, vote_id, "verwijderd")
    dependents = await repository.linked_to(session, vote.id)
    if dependents:
        raise StillLinked(
            f"Stemming {vote.id} kan niet weg: {links.names(dependents)} verwijst ernaar."
            " Verwijder of ontkoppel die eerst.",
            votes=[d.id for d in dependents],
        )
    await service.emit_vote(session, locked, "removed", vote)
    await session.delete(vote)
    await session.flush()


async def agenda(session: AsyncSession, *, meeting: str) -> list[AgendaNode]:
    """The votes as a tree, each proposal with the amendments still undecided."""
    votes = [service.vote_read(v) for v in await repository.votes(session, meeting)]

    def node(each: links.Node) -> AgendaNode:
        vote = each.vote
        assert isinstance(vote, VoteRead)
        pending = links.undecided_amendments(vote, votes) if vote.kind in links.AMENDABLE else []
        return AgendaNode(
            **vote.model_dump(),
            undecided_amendments=[v.id for v in pending],
            children=[node(child) for child in each.children],
        )

    return [node(root) for root in links.tree(votes)]


_ORDINALS = ("tweede", "derde", "vierde", "vijfde", "zesde")


def _next_round_title(title: str, rounds: int) -> str:
    """ "Verkiezing vicevoorzitter (tweede ronde)" after one round, "(derde ronde)" after two."""
    base = title
    for ordinal in _ORDINALS:
        base = base.removesuffix(f" ({ordinal} ronde)")
    number = _ORDINALS[rounds - 1] if rounds <= len(_ORDINALS) else f"{rounds + 1}e"
    return f"{base[: 300 - 20]} ({number} ronde)"


_ROLES = {role: getattr(decision.OptionRole, role.name) for role in OptionRole}


async def runoff(session: AsyncSession, *, vote_id: int) -> Vote:
    """A further round between the best two of a closed choice vote without a
    majority: taken from its outcome (the decision module, on this vote's own
    record), prepared after it and linked to it (``follows_vote_id``)."""
    locked, vote = await service.lock_vote(session, vote_id)
    source = service.vote_read(vote)
    if source.status != VoteStatus.CLOSED or source.decided_by != "vote":
        raise NoRunoff(f"Stemming {vote_id} is niet met stemkastjes gesloten: geen uitslag.")
    roles = {option.role for option in source.options}
    if OptionRole.CHOICE not in roles:
        raise NoRunoff(f"Stemming {vote_id} is geen keuze tussen kandidaten of opties.")
    follower = await repository.follower(session, vote.id)
    if follower is not None:
        raise AlreadyHeldAgain(
            f"Stemming {vote_id} heeft al een volgende ronde: stemming {follower.id}."
        )
    the_record = json.loads(await record.record_json(session, vote_id=vote.id))
    terms = source.majority
    try:
        rule = decision.MajorityRule(terms.numerator, terms.denominator, terms.inclusive)
    except ValueError as exc:  # a rule stored before ballot checked it
        raise NoRunoff(
            f"Stemming {vote_id} heeft geen meerderheid die het systeem kan beslissen."
        ) from exc
    outcome = decision.decide(
        electorate=[
            decision.Voter(e["member"], e["name"], e["weight"]) for e in the_record["electorate"]
        ],
        choices={p["member"]: p["key"] for p in the_record["counted"]},
        options=[decision.Option(o.key, o.label, _ROLES[o.role]) for o in source.options],
        rule=rule,
        base=decision.Base.CAST_INCLUDING_ABSTENTIONS
        if source.abstentions_cast
        else decision.Base.CAST_FOR_AGAINST,
    )
    if outcome.winner is not None:
        raise NoRunoff(
            f"{outcome.tally(outcome.winner).label} is gekozen: er is geen tweede ronde."
        )
    if outcome.runoff is None:
        reason = (
            "gelijke stand om de tweede plaats, de voorzitter beslist"
            if outcome.runoff_ambiguous
            else "er is niets uitgebracht"
        )
        raise NoRunoff(f"Geen eenduidige beste twee in stemming {vote_id}: {reason}.")
    best = [outcome.tally(key) for key in outcome.runoff]
    votes = await repository.votes(session, vote.meeting)
    others = [o for o in source.options if o.role is not OptionRole.CHOICE]
    options = [Option(key=n, label=t.label, role=OptionRole.CHOICE) for n, t in enumerate(best, 1)]
    options += [
        Option(key=len(best) + n, label=o.label, role=o.role) for n, o in enumerate(others, 1)
    ]
    data = VoteCreate(
        kind=source.kind,
        title=_next_round_title(source.title, len(links.earlier_rounds(vote, votes))),
        agenda_item=source.agenda_item,
        office=source.office,
        options=options,
        majority=source.majority.model_dump(),
        abstentions_cast=None if source.follows_meeting_base else source.abstentions_cast,
        named=source.named,
        follows_vote_id=vote.id,
    )
    return await service.add_vote(session, locked, data)
