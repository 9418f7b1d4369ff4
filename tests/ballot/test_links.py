"""How the votes of an agenda hang together (pure: links.py)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from services.ballot import links
from services.ballot.schemas import VoteKind

KINDS = [kind.value for kind in VoteKind]


@dataclass(frozen=True)
class V:
    id: int
    kind: str = "voorstel"
    title: str = "V"
    status: str = "prepared"
    amends_vote_id: int | None = None
    part_of_vote_id: int | None = None
    follows_vote_id: int | None = None


class TestWhatMayLinkToWhat:
    @pytest.mark.parametrize(("kind", "target"), list(itertools.product(KINDS, KINDS)))
    def test_an_amendment_amends_a_voorstel_or_motie_and_nothing_else_amends(
        self, kind: str, target: str
    ) -> None:
        allowed = kind == "amendement" and target in ("voorstel", "motie")
        if allowed:
            links.check_target(kind=kind, link="amends", target=V(1, target), own_id=2)
        else:
            with pytest.raises(links.BadLinkError):
                links.check_target(kind=kind, link="amends", target=V(1, target), own_id=2)

    @pytest.mark.parametrize(("kind", "target"), list(itertools.product(KINDS, KINDS)))
    def test_a_motion_part_belongs_to_a_motion(self, kind: str, target: str) -> None:
        allowed = kind == "motie" and target == "motie"
        if allowed:
            links.check_target(kind=kind, link="part_of", target=V(1, target), own_id=2)
        else:
            with pytest.raises(links.BadLinkError):
                links.check_target(kind=kind, link="part_of", target=V(1, target), own_id=2)

    def test_a_part_of_a_part_is_refused(self) -> None:
        part = V(2, "motie", part_of_vote_id=1)
        with pytest.raises(links.BadLinkError, match="zelf geen onderdeel"):
            links.check_target(kind="motie", link="part_of", target=part, own_id=3)

    def test_an_amendment_to_a_motion_part_is_fine(self) -> None:
        part = V(2, "motie", part_of_vote_id=1)
        links.check_target(kind="amendement", link="amends", target=part, own_id=3)

    @pytest.mark.parametrize("link", ["amends", "part_of"])
    def test_not_to_itself_and_not_to_nothing(self, link: str) -> None:
        with pytest.raises(links.BadLinkError, match="zichzelf"):
            links.check_target(kind="motie", link=link, target=V(1, "motie"), own_id=1)
        with pytest.raises(links.BadLinkError, match="bestaat niet"):
            links.check_target(kind="motie", link=link, target=None, own_id=1)


class TestUndecidedAmendments:
    def test_prepared_and_open_amendments_are_undecided_closed_ones_decided(self) -> None:
        proposal = V(1)
        votes = [
            proposal,
            V(2, "amendement", status="prepared", amends_vote_id=1),
            V(3, "amendement", status="open", amends_vote_id=1),
            V(4, "amendement", status="closed", amends_vote_id=1),
            V(5, "amendement", status="prepared", amends_vote_id=99),  # another proposal's
        ]
        assert [v.id for v in links.undecided_amendments(proposal, votes)] == [2, 3]

    def test_an_annulled_amendment_decided_nothing_until_held_again_and_closed(self) -> None:
        proposal = V(1)
        annulled = V(2, "amendement", status="annulled", amends_vote_id=1)
        assert [v.id for v in links.undecided_amendments(proposal, [proposal, annulled])] == [2]
        again = V(3, "amendement", status="prepared", amends_vote_id=1, follows_vote_id=2)
        votes = [proposal, annulled, again]
        assert [v.id for v in links.undecided_amendments(proposal, votes)] == [3]
        closed = V(3, "amendement", status="closed", amends_vote_id=1, follows_vote_id=2)
        assert links.undecided_amendments(proposal, [proposal, annulled, closed]) == []

    def test_a_proposal_held_again_keeps_the_amendments_of_its_earlier_rounds(self) -> None:
        first = V(1, status="annulled")
        second = V(2, follows_vote_id=1)
        amendment = V(3, "amendement", amends_vote_id=1)
        assert links.undecided_amendments(second, [first, second, amendment]) == [amendment]

    def test_rounds_that_loop_do_not_hang(self) -> None:
        a = V(1, follows_vote_id=2)
        b = V(2, follows_vote_id=1)
        assert links.latest_round(a, [a, b]).id in (1, 2)
        assert sorted(links.earlier_rounds(a, [a, b])) == [1, 2]


class TestTree:
    def test_amendments_and_parts_hang_under_their_vote_in_order(self) -> None:
        votes = [
            V(1, "amendement", amends_vote_id=3),
            V(2, "motie", part_of_vote_id=4),
            V(3, "voorstel"),
            V(4, "motie"),
            V(5, "amendement", amends_vote_id=2),
            V(6, "amendement", amends_vote_id=3),
            V(7, "voorstel", follows_vote_id=3),
        ]

        def shape(nodes: list[links.Node]) -> list[object]:
            return [(n.vote.id, shape(n.children)) if n.children else n.vote.id for n in nodes]

        assert shape(links.tree(votes)) == [(3, [1, 6]), (4, [(2, [5])]), 7]

    def test_a_link_outside_the_list_leaves_the_vote_at_the_top(self) -> None:
        assert [n.vote.id for n in links.tree([V(1, "amendement", amends_vote_id=9)])] == [1]
