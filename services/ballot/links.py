"""How the votes of an agenda hang together: amendments, motion parts, rounds.

Pure: votes in, answers out; the service reads the votes and acts on them.

    voorstel / motie  <--amends--  amendement     (voted before what it amends)
    motie             <--part_of-- motie          (a part voted separately)
    any vote          <--follows-- its next round (held again, or a runoff)

Decisions taken where the rules are silent:

* An amendment amends a voorstel or a motie; a motion part belongs to a motie
  that is not itself a part (one level, as in the minutes). Links stay within
  one meeting and never point at the vote itself.
* An amendment is *decided* when its latest round is closed (by a vote or bij
  acclamatie). An annulled amendment decided nothing: until it is held again
  and that round closes, it is undecided.
* A proposal held again keeps the amendments of its earlier rounds: they are
  about the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

AMENDABLE = frozenset({"voorstel", "motie"})


class Linked(Protocol):
    """What this module reads of a vote (``VoteRead`` and the ORM row both fit)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def amends_vote_id(self) -> int | None: ...
    @property
    def part_of_vote_id(self) -> int | None: ...
    @property
    def follows_vote_id(self) -> int | None: ...


class BadLinkError(ValueError):
    """A link the agenda cannot have (the message is Dutch)."""


def _kind(value: object) -> str:
    return str(getattr(value, "value", value))


def check_target(*, kind: str, link: str, target: Linked | None, own_id: int | None) -> None:
    """Whether a vote of ``kind`` may link (``amends`` or ``part_of``) to ``target``."""
    if target is None:
        raise BadLinkError("die stemming bestaat niet in deze vergadering")
    if target.id == own_id:
        raise BadLinkError("een stemming kan niet naar zichzelf verwijzen")
    target_kind = _kind(target.kind)
    if link == "amends":
        if kind != "amendement":
            raise BadLinkError("alleen een amendement wijzigt een voorstel of motie")
        if target_kind not in AMENDABLE:
            raise BadLinkError(
                f"een amendement wijzigt een voorstel of motie, niet een {target_kind}"
            )
    else:
        if kind != "motie":
            raise BadLinkError("alleen een motie kan een onderdeel van een motie zijn")
        if target_kind != "motie" or target.part_of_vote_id is not None:
            raise BadLinkError("een onderdeel hoort bij een motie die zelf geen onderdeel is")


def names(votes: Sequence[Linked]) -> str:
    """ "3 ('Amendement A'), 5 ('Amendement B')": votes as a refusal names them."""
    return ", ".join(f"{v.id} ('{v.title}')" for v in votes)


def _followers(votes: Sequence[Linked]) -> dict[int, Linked]:
    return {v.follows_vote_id: v for v in votes if v.follows_vote_id is not None}


def latest_round(vote: Linked, votes: Sequence[Linked]) -> Linked:
    """The last vote in the line of ``vote`` held again (itself if never)."""
    followers = _followers(votes)
    seen = {vote.id}
    while vote.id in followers and followers[vote.id].id not in seen:
        vote = followers[vote.id]
        seen.add(vote.id)
    return vote


def earlier_rounds(vote: Linked, votes: Sequence[Linked]) -> list[int]:
    """The ids of ``vote`` and every vote it was held again from."""
    by_id = {v.id: v for v in votes}
    line = [vote.id]
    while vote.follows_vote_id is not None and vote.follows_vote_id not in line:
        earlier = by_id.get(vote.follows_vote_id)
        if earlier is None:
            break
        line.append(earlier.id)
        vote = earlier
    return line


def undecided_amendments(proposal: Linked, votes: Sequence[Linked]) -> list[Linked]:
    """The amendments of ``proposal`` (of any of its rounds) not yet decided:
    per amendment its latest round, the one the chair would put to the vote."""
    rounds = set(earlier_rounds(proposal, votes))
    undecided: dict[int, Linked] = {}
    for vote in votes:
        if vote.amends_vote_id in rounds and vote.follows_vote_id is None:
            latest = latest_round(vote, votes)
            if _kind(latest.status) != "closed":
                undecided[latest.id] = latest
    return list(undecided.values())


@dataclass
class Node:
    """A vote with the amendments and parts that hang under it, in agenda order."""

    vote: Linked
    children: list[Node]


def tree(votes: Sequence[Linked]) -> list[Node]:
    """The agenda as a tree: top-level votes in order, each with its amendments
    and motion parts (also in order). A link to a vote not in ``votes`` makes
    the vote top-level rather than lost."""
    ids = {v.id for v in votes}
    nodes = {v.id: Node(v, []) for v in votes}
    roots = []
    for vote in votes:
        parent = vote.amends_vote_id or vote.part_of_vote_id
        if parent is not None and parent in ids and parent != vote.id:
            nodes[parent].children.append(nodes[vote.id])
        else:
            roots.append(nodes[vote.id])
    return roots
