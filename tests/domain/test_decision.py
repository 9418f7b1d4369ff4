"""The decision rule at every boundary, plus properties over random votes."""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain.decision import (
    AGENDA_KINDS,
    MAJORITY_RULES,
    Base,
    MajorityRule,
    Option,
    OptionRole,
    Outcome,
    UnfitOptions,
    UnknownMajority,
    VoteKind,
    Voter,
    check_options,
    decide,
    explain,
    kind_of,
    offered_rule,
)

FOR, AGAINST, ABSTAIN = 1, 2, 3
FOR_AGAINST_OPTIONS = (
    Option(FOR, "Voor", OptionRole.FOR),
    Option(AGAINST, "Tegen", OptionRole.AGAINST),
    Option(ABSTAIN, "Onthouding", OptionRole.ABSTAIN),
)
HALF = MajorityRule.more_than_half()
TWO_THIRDS = MajorityRule.at_least_two_thirds()
MORE_THAN_TWO_THIRDS = MajorityRule(2, 3)


def for_against(
    *,
    voor: int = 0,
    tegen: int = 0,
    onthouding: int = 0,
    afwezig: int = 0,
    rule: MajorityRule = HALF,
    base: Base = Base.CAST_FOR_AGAINST,
) -> Outcome:
    """One member per group carrying the group's whole weight; 0 leaves it out."""
    electorate: list[Voter] = []
    choices: dict[str, int] = {}
    for code, weight, key in (
        ("GM_VOOR", voor, FOR),
        ("GM_TEGEN", tegen, AGAINST),
        ("GM_ONTH", onthouding, ABSTAIN),
        ("GM_AFW", afwezig, None),
    ):
        if weight:
            electorate.append(Voter(code, code, weight))
            if key is not None:
                choices[code] = key
    return decide(
        electorate=electorate, choices=choices, options=FOR_AGAINST_OPTIONS, rule=rule, base=base
    )


def candidates(n: int, *, abstain: bool = True) -> tuple[Option, ...]:
    options = tuple(Option(k, f"Kandidaat {k}", OptionRole.CHOICE) for k in range(1, n + 1))
    if abstain:
        options += (Option(0, "Onthouding", OptionRole.ABSTAIN),)
    return options


def choice(
    weights: dict[int, int],
    *,
    n: int = 3,
    afwezig: int = 0,
    rule: MajorityRule = HALF,
    base: Base = Base.CAST_FOR_AGAINST,
) -> Outcome:
    """One member per option key (0 = onthouding) carrying that option's weight."""
    electorate = [Voter(f"GM{k:04d}", f"Gemeente {k}", w) for k, w in weights.items() if w]
    choices = {f"GM{k:04d}": k for k, w in weights.items() if w}
    if afwezig:
        electorate.append(Voter("GM9999", "Afwezig", afwezig))
    return decide(
        electorate=electorate, choices=choices, options=candidates(n), rule=rule, base=base
    )


class TestMajorityRule:
    def test_default_is_more_than_half(self) -> None:
        assert MajorityRule() == HALF == MajorityRule(1, 2, inclusive=False)
        assert HALF.threshold == Fraction(1, 2)

    def test_two_thirds_is_at_least(self) -> None:
        assert MajorityRule(2, 3, inclusive=True) == TWO_THIRDS
        assert TWO_THIRDS.threshold == Fraction(2, 3)

    @pytest.mark.parametrize(
        ("numerator", "denominator", "inclusive"),
        [
            (1, 0, False),  # no denominator
            (1, -2, False),
            (1, 3, False),  # not a majority
            (1, 2, True),  # at least half: a tie would pass
            (4, 3, True),  # more than everything
            (1, 1, False),  # more than all votes can never be reached
        ],
    )
    def test_rejects_rules_that_are_no_majority(
        self, numerator: int, denominator: int, inclusive: bool
    ) -> None:
        with pytest.raises(ValueError):
            MajorityRule(numerator, denominator, inclusive=inclusive)

    def test_unanimity_is_allowed(self) -> None:
        rule = MajorityRule(1, 1, inclusive=True)
        assert rule.is_met(10, 10)
        assert not rule.is_met(9, 10)

    def test_is_met_is_never_true_on_an_empty_base(self) -> None:
        assert not HALF.is_met(0, 0)
        assert not TWO_THIRDS.is_met(0, 0)

    @pytest.mark.parametrize(
        ("rule", "words"),
        [
            (HALF, "meer dan de helft"),
            (TWO_THIRDS, "ten minste twee derden"),
            (MORE_THAN_TWO_THIRDS, "meer dan twee derden"),
            (MajorityRule(3, 4, inclusive=True), "ten minste drie kwart"),
            (MajorityRule(3, 5), "meer dan 3/5"),
        ],
    )
    def test_describe(self, rule: MajorityRule, words: str) -> None:
        assert rule.describe() == words


class TestInvalidInput:
    def test_member_outside_the_electorate(self) -> None:
        with pytest.raises(ValueError, match="not in the electorate"):
            decide(
                electorate=[Voter("GM0363", "Amsterdam", 75)],
                choices={"GM0344": FOR},
                options=FOR_AGAINST_OPTIONS,
                rule=HALF,
                base=Base.CAST_FOR_AGAINST,
            )

    def test_key_outside_the_options(self) -> None:
        with pytest.raises(ValueError, match="not an option"):
            decide(
                electorate=[Voter("GM0363", "Amsterdam", 75)],
                choices={"GM0363": 9},
                options=FOR_AGAINST_OPTIONS,
                rule=HALF,
                base=Base.CAST_FOR_AGAINST,
            )

    def test_duplicate_member(self) -> None:
        with pytest.raises(ValueError, match="twice"):
            decide(
                electorate=[Voter("GM0363", "Amsterdam", 75), Voter("GM0363", "Amsterdam", 75)],
                choices={},
                options=FOR_AGAINST_OPTIONS,
            )

    @pytest.mark.parametrize("weight", [0, -1])
    def test_weight_below_one(self, weight: int) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            decide(
                electorate=[Voter("GM0363", "Amsterdam", weight)],
                choices={},
                options=FOR_AGAINST_OPTIONS,
            )

    def test_duplicate_option_keys(self) -> None:
        with pytest.raises(ValueError, match="unique"):
            decide(
                electorate=[],
                choices={},
                options=(Option(1, "Voor", OptionRole.FOR), Option(1, "Tegen", OptionRole.AGAINST)),
            )

    @pytest.mark.parametrize(
        "roles",
        [
            (OptionRole.FOR,),
            (OptionRole.FOR, OptionRole.FOR, OptionRole.AGAINST),
            (OptionRole.FOR, OptionRole.AGAINST, OptionRole.CHOICE, OptionRole.CHOICE),
            (OptionRole.CHOICE, OptionRole.ABSTAIN),
            (OptionRole.ABSTAIN,),
            (),
        ],
    )
    def test_option_set_of_neither_kind(self, roles: tuple[OptionRole, ...]) -> None:
        options = tuple(Option(k, str(k), role) for k, role in enumerate(roles))
        with pytest.raises(ValueError, match="options must be"):
            decide(electorate=[], choices={}, options=options)


class TestMoreThanHalf:
    def test_exactly_half_is_rejected(self) -> None:
        outcome = for_against(voor=75, tegen=75)
        assert outcome.adopted is False
        assert outcome.share_for == Fraction(1, 2)
        assert outcome.share_winning_side == Fraction(1, 2)

    def test_one_weight_unit_over_half_is_adopted(self) -> None:
        outcome = for_against(voor=76, tegen=75)
        assert outcome.adopted is True
        assert outcome.share_for == Fraction(76, 151)
        assert outcome.share_winning_side == Fraction(76, 151)

    def test_one_weight_unit_under_half_is_rejected(self) -> None:
        outcome = for_against(voor=75, tegen=76)
        assert outcome.adopted is False
        assert outcome.share_winning_side == Fraction(76, 151)

    def test_odd_base_needs_more_than_the_half(self) -> None:
        # Base 151: half is 75 1/2, so 76 is enough and 75 is not.
        assert for_against(voor=76, tegen=75).required == Fraction(151, 2)
        assert for_against(voor=76, tegen=75).adopted is True

    def test_unanimous(self) -> None:
        outcome = for_against(voor=17_000)
        assert outcome.adopted is True
        assert outcome.share_for == 1
        assert outcome.share_against == 0

    def test_unanimous_against(self) -> None:
        outcome = for_against(tegen=17_000)
        assert outcome.adopted is False
        assert outcome.share_against == 1
        assert outcome.share_winning_side == 1


class TestNothingCast:
    def test_nobody_voted(self) -> None:
        outcome = for_against(afwezig=100)
        assert outcome.adopted is False
        assert outcome.base_weight == 0
        assert outcome.share_for is None
        assert outcome.share_against is None
        assert outcome.share_winning_side is None
        assert outcome.voted_members == outcome.voted_weight == 0
        assert outcome.non_voters == ("GM_AFW",)
        assert outcome.non_voters_weight == 100

    def test_empty_electorate(self) -> None:
        outcome = for_against()
        assert outcome.adopted is False
        assert outcome.electorate_members == outcome.electorate_weight == 0

    def test_all_abstain_leaves_an_empty_default_base(self) -> None:
        outcome = for_against(onthouding=150)
        assert outcome.base_weight == 0
        assert outcome.voted_weight == 150
        assert outcome.adopted is False
        assert outcome.share_for is None
        assert all(t.share is None for t in outcome.tallies)

    def test_all_abstain_with_abstentions_in_the_base(self) -> None:
        outcome = for_against(onthouding=150, base=Base.CAST_INCLUDING_ABSTENTIONS)
        assert outcome.base_weight == 150
        assert outcome.adopted is False
        assert outcome.share_for == 0
        assert outcome.share_winning_side == 0


class TestCappedMembers:
    """Amsterdam 75 voor, Schiermonnikoog 1 tegen, Utrecht 75 onthouding."""

    ELECTORATE: ClassVar[tuple[Voter, ...]] = (
        Voter("GM0363", "Amsterdam", 75),
        Voter("GM0088", "Schiermonnikoog", 1),
        Voter("GM0344", "Utrecht", 75),
        Voter("GM0599", "Rotterdam", 75),
    )
    CHOICES: ClassVar[dict[str, int]] = {"GM0363": FOR, "GM0088": AGAINST, "GM0344": ABSTAIN}

    def decide(self, base: Base) -> Outcome:
        return decide(
            electorate=self.ELECTORATE,
            choices=self.CHOICES,
            options=FOR_AGAINST_OPTIONS,
            rule=HALF,
            base=base,
        )

    def test_default_base_leaves_abstentions_out(self) -> None:
        outcome = self.decide(Base.CAST_FOR_AGAINST)
        assert outcome.adopted is True
        assert outcome.base_weight == 76
        assert outcome.base_keys == (FOR, AGAINST)
        assert outcome.share_for == Fraction(75, 76)
        assert outcome.share_against == Fraction(1, 76)

    def test_abstentions_in_the_base_reject_it(self) -> None:
        outcome = self.decide(Base.CAST_INCLUDING_ABSTENTIONS)
        assert outcome.adopted is False
        assert outcome.base_weight == 151
        assert outcome.base_keys == (FOR, AGAINST, ABSTAIN)
        assert outcome.share_for == Fraction(75, 151)
        assert outcome.share_winning_side == Fraction(1, 151)

    def test_tallies_and_totals(self) -> None:
        outcome = self.decide(Base.CAST_FOR_AGAINST)
        assert [(t.key, t.weight, t.members, t.codes) for t in outcome.tallies] == [
            (FOR, 75, 1, ("GM0363",)),
            (AGAINST, 1, 1, ("GM0088",)),
            (ABSTAIN, 75, 1, ("GM0344",)),
        ]
        assert outcome.tally(ABSTAIN).in_base is False
        assert outcome.tally(ABSTAIN).share is None
        assert (outcome.electorate_members, outcome.electorate_weight) == (4, 226)
        assert (outcome.voted_members, outcome.voted_weight) == (3, 151)
        assert outcome.non_voters == ("GM0599",)
        assert (outcome.non_voters_count, outcome.non_voters_weight) == (1, 75)
        assert outcome.kind is VoteKind.FOR_AGAINST
        assert outcome.winner is None and outcome.runoff is None

    def test_unknown_tally(self) -> None:
        with pytest.raises(KeyError):
            self.decide(Base.CAST_FOR_AGAINST).tally(42)

    def test_member_codes_of_a_tally_are_sorted(self) -> None:
        outcome = decide(
            electorate=[Voter("GM0599", "Rotterdam", 75), Voter("GM0363", "Amsterdam", 75)],
            choices={"GM0599": FOR, "GM0363": FOR},
            options=FOR_AGAINST_OPTIONS,
        )
        assert outcome.tally(FOR).codes == ("GM0363", "GM0599")
        assert outcome.tally_for_role(OptionRole.FOR).members == 2

    def test_non_voters_are_sorted(self) -> None:
        outcome = decide(
            electorate=[Voter("GM0599", "Rotterdam", 75), Voter("GM0363", "Amsterdam", 75)],
            choices={},
            options=FOR_AGAINST_OPTIONS,
        )
        assert outcome.non_voters == ("GM0363", "GM0599")


class TestTwoThirds:
    def test_at_least_two_thirds_exactly_is_adopted(self) -> None:
        outcome = for_against(voor=100, tegen=50, rule=TWO_THIRDS)
        assert outcome.share_for == Fraction(2, 3)
        assert outcome.adopted is True

    def test_more_than_two_thirds_exactly_is_rejected(self) -> None:
        outcome = for_against(voor=100, tegen=50, rule=MORE_THAN_TWO_THIRDS)
        assert outcome.adopted is False

    def test_one_unit_under_two_thirds_is_rejected(self) -> None:
        assert for_against(voor=99, tegen=50, rule=TWO_THIRDS).adopted is False

    def test_one_unit_over_two_thirds_is_adopted_either_way(self) -> None:
        assert for_against(voor=101, tegen=50, rule=TWO_THIRDS).adopted is True
        assert for_against(voor=101, tegen=50, rule=MORE_THAN_TWO_THIRDS).adopted is True

    def test_rejected_with_a_majority_for(self) -> None:
        # The winning side is tegen even though it is a minority of the base.
        outcome = for_against(voor=60, tegen=40, rule=TWO_THIRDS)
        assert outcome.adopted is False
        assert outcome.share_winning_side == Fraction(2, 5)

    def test_abstentions_in_the_base_count_against(self) -> None:
        outcome = for_against(
            voor=100, tegen=40, onthouding=10, rule=TWO_THIRDS, base=Base.CAST_INCLUDING_ABSTENTIONS
        )
        assert outcome.required == 100
        assert outcome.adopted is True
        outcome = for_against(
            voor=100, tegen=40, onthouding=11, rule=TWO_THIRDS, base=Base.CAST_INCLUDING_ABSTENTIONS
        )
        assert outcome.adopted is False


class TestChoice:
    def test_majority_wins(self) -> None:
        outcome = choice({1: 4898, 2: 5102})
        assert outcome.kind is VoteKind.CHOICE
        assert outcome.winner == 2
        assert outcome.runoff is None and outcome.runoff_ambiguous is False
        assert outcome.adopted is None and outcome.share_for is None
        assert outcome.tally(2).share == Fraction(5102, 10_000)

    def test_exactly_half_does_not_win(self) -> None:
        outcome = choice({1: 50, 2: 30, 3: 20})
        assert outcome.winner is None
        assert outcome.runoff == (1, 2)

    def test_three_candidates_without_majority_go_to_a_runoff(self) -> None:
        outcome = choice({1: 30, 2: 45, 3: 25})
        assert outcome.winner is None
        assert outcome.runoff == (2, 1)
        assert outcome.runoff_ambiguous is False

    def test_tie_for_second_place_is_ambiguous(self) -> None:
        outcome = choice({1: 40, 2: 30, 3: 30})
        assert outcome.winner is None
        assert outcome.runoff is None
        assert outcome.runoff_ambiguous is True

    def test_three_way_tie_is_ambiguous(self) -> None:
        outcome = choice({1: 30, 2: 30, 3: 30})
        assert outcome.runoff is None and outcome.runoff_ambiguous is True

    def test_tie_for_first_place_only_is_not_ambiguous(self) -> None:
        outcome = choice({1: 20, 2: 40, 3: 40})
        assert outcome.runoff == (2, 3)
        assert outcome.runoff_ambiguous is False

    def test_member_count_never_breaks_a_tie(self) -> None:
        electorate = [
            Voter("GM0001", "A", 30),
            Voter("GM0002", "B", 20),
            Voter("GM0003", "C", 10),
            Voter("GM0004", "D", 40),
        ]
        outcome = decide(
            electorate=electorate,
            choices={"GM0001": 2, "GM0002": 3, "GM0003": 3, "GM0004": 1},
            options=candidates(3),
        )
        assert outcome.tally(2).weight == outcome.tally(3).weight == 30
        assert outcome.tally(3).members == 2
        assert outcome.runoff is None and outcome.runoff_ambiguous is True

    def test_two_options_tied_go_to_a_revote(self) -> None:
        outcome = choice({1: 50, 2: 50}, n=2)
        assert outcome.winner is None
        assert outcome.runoff == (1, 2)
        assert outcome.runoff_ambiguous is False

    def test_second_place_tied_at_zero_is_ambiguous(self) -> None:
        outcome = choice({1: 40, 0: 60}, n=3, base=Base.CAST_INCLUDING_ABSTENTIONS)
        assert outcome.winner is None
        assert outcome.runoff is None and outcome.runoff_ambiguous is True

    def test_abstentions_stay_out_of_the_default_base(self) -> None:
        outcome = choice({1: 51, 2: 30, 0: 100})
        assert outcome.base_weight == 81
        assert outcome.base_keys == (1, 2, 3)
        assert outcome.winner == 1

    def test_abstentions_in_the_base_can_prevent_a_majority(self) -> None:
        outcome = choice({1: 51, 2: 30, 0: 100}, base=Base.CAST_INCLUDING_ABSTENTIONS)
        assert outcome.base_weight == 181
        assert outcome.base_keys == (0, 1, 2, 3)
        assert outcome.winner is None
        assert outcome.runoff == (1, 2)

    def test_nobody_voted(self) -> None:
        outcome = choice({}, afwezig=10)
        assert outcome.winner is None
        assert outcome.runoff is None and outcome.runoff_ambiguous is False
        assert all(t.share is None for t in outcome.tallies)

    def test_all_abstain(self) -> None:
        outcome = choice({0: 10})
        assert outcome.base_weight == 0
        assert outcome.winner is None and outcome.runoff is None

    def test_qualified_majority(self) -> None:
        assert choice({1: 200, 2: 100}, rule=TWO_THIRDS).winner == 1
        assert choice({1: 200, 2: 100}, rule=MORE_THAN_TWO_THIRDS).winner is None


class TestExplain:
    def test_adopted_with_the_default_base(self) -> None:
        lines = explain(for_against(voor=76, tegen=74, onthouding=10, afwezig=1))
        assert lines == [
            "Stemgerechtigd (aanwezig): 4 leden, 161 stemmen",
            "Gestemd: 3 leden, 160 stemmen",
            "Niet gestemd: 1 lid, 1 stem (GM_AFW)",
            "Voor: 1 lid, 76 stemmen",
            "Tegen: 1 lid, 74 stemmen",
            "Onthouding: 1 lid, 10 stemmen",
            "Uitgebracht (basis: voor + tegen): 150 stemmen",
            "Vereist: meer dan 1/2 van 150 = meer dan 75",
            "Voor: 76 > 75: aangenomen",
            "Aandeel voor: 76/150 van de basis",
        ]

    def test_exactly_half_rejected(self) -> None:
        lines = explain(for_against(voor=75, tegen=75))
        assert "Niet gestemd: 0 leden, 0 stemmen" in lines
        assert lines[-2:] == ["Voor: 75 ≤ 75: verworpen", "Aandeel voor: 75/150 van de basis"]

    def test_fractions_are_written_exactly(self) -> None:
        lines = explain(for_against(voor=99, tegen=50, rule=TWO_THIRDS))
        assert "Vereist: ten minste 2/3 van 149 = ten minste 99 1/3" in lines
        assert "Voor: 99 < 99 1/3: verworpen" in lines
        lines = explain(for_against(voor=100, tegen=50, rule=TWO_THIRDS))
        assert "Voor: 100 ≥ 100: aangenomen" in lines

    def test_required_below_one(self) -> None:
        lines = explain(for_against(voor=1))
        assert "Uitgebracht (basis: voor + tegen): 1 stem" in lines
        assert "Vereist: meer dan 1/2 van 1 = meer dan 1/2" in lines

    def test_abstentions_in_the_base(self) -> None:
        lines = explain(
            for_against(voor=75, tegen=1, onthouding=75, base=Base.CAST_INCLUDING_ABSTENTIONS)
        )
        assert "Uitgebracht (basis: voor + tegen + onthouding): 151 stemmen" in lines

    def test_nothing_cast(self) -> None:
        lines = explain(for_against(onthouding=10))
        assert lines[-1] == "Geen uitgebrachte stemmen: niet aangenomen; aandelen niet gedefinieerd"
        lines = explain(choice({}, afwezig=3))
        assert lines[-2:] == [
            "Uitgebracht (basis: alle keuzes): 0 stemmen",
            "Geen uitgebrachte stemmen: niemand gekozen; aandelen niet gedefinieerd",
        ]

    def test_choice_winner(self) -> None:
        lines = explain(choice({1: 49, 2: 51}))
        assert lines[-2:] == [
            "Vereist: meer dan 1/2 van 100 = meer dan 50",
            "Kandidaat 2: 51 > 50: gekozen",
        ]

    def test_choice_runoff(self) -> None:
        lines = explain(choice({1: 30, 2: 45, 3: 25, 0: 5}, base=Base.CAST_INCLUDING_ABSTENTIONS))
        assert lines[-4:] == [
            "Uitgebracht (basis: alle keuzes + onthouding): 105 stemmen",
            "Vereist: meer dan 1/2 van 105 = meer dan 52 1/2",
            "Geen optie heeft meer dan 52 1/2: geen meerderheid",
            "Beste twee voor een volgende ronde: Kandidaat 2 (45) en Kandidaat 1 (30)",
        ]

    def test_choice_ambiguous(self) -> None:
        lines = explain(choice({1: 40, 2: 30, 3: 30}))
        assert lines[-1] == (
            "Gelijke stand om de tweede plaats: geen eenduidige beste twee; de voorzitter beslist"
        )


# --- properties ---------------------------------------------------------------------

ROLES_FA = st.sampled_from([FOR, AGAINST, ABSTAIN])
RULES = st.sampled_from(
    [HALF, TWO_THIRDS, MORE_THAN_TWO_THIRDS, MajorityRule(3, 4), MajorityRule(1, 1, inclusive=True)]
)
BASES = st.sampled_from(list(Base))


@st.composite
def votes(draw: st.DrawFn, keys: st.SearchStrategy[int]) -> tuple[list[Voter], dict[str, int]]:
    codes = draw(st.lists(st.integers(0, 9999), unique=True, max_size=40))
    electorate = [Voter(f"GM{c:04d}", f"Gemeente {c}", draw(st.integers(1, 75))) for c in codes]
    choices = {v.code: draw(keys) for v in electorate if draw(st.booleans())}
    return electorate, choices


class TestProperties:
    @given(data=st.data(), vote=votes(ROLES_FA), rule=RULES, base=BASES)
    def test_order_of_electorate_and_choices_does_not_matter(
        self,
        data: st.DataObject,
        vote: tuple[list[Voter], dict[str, int]],
        rule: MajorityRule,
        base: Base,
    ) -> None:
        electorate, choices = vote
        shuffled = data.draw(st.permutations(electorate))
        reordered = dict(data.draw(st.permutations(list(choices.items()))))
        options = data.draw(st.permutations(FOR_AGAINST_OPTIONS))
        first = decide(
            electorate=electorate,
            choices=choices,
            options=FOR_AGAINST_OPTIONS,
            rule=rule,
            base=base,
        )
        second = decide(
            electorate=shuffled, choices=reordered, options=options, rule=rule, base=base
        )
        assert first == second
        assert explain(first) == explain(second)

    @given(data=st.data(), vote=votes(st.integers(0, 4)), base=BASES)
    def test_order_does_not_matter_in_a_choice_vote(
        self, data: st.DataObject, vote: tuple[list[Voter], dict[str, int]], base: Base
    ) -> None:
        electorate, choices = vote
        options = candidates(4)
        first = decide(electorate=electorate, choices=choices, options=options, base=base)
        second = decide(
            electorate=data.draw(st.permutations(electorate)),
            choices=dict(data.draw(st.permutations(list(choices.items())))),
            options=data.draw(st.permutations(options)),
            base=base,
        )
        assert first == second

    @given(vote=votes(ROLES_FA), rule=RULES, base=BASES)
    def test_for_against_arithmetic(
        self, vote: tuple[list[Voter], dict[str, int]], rule: MajorityRule, base: Base
    ) -> None:
        electorate, choices = vote
        outcome = decide(
            electorate=electorate,
            choices=choices,
            options=FOR_AGAINST_OPTIONS,
            rule=rule,
            base=base,
        )
        w_for, w_against, w_abstain = (outcome.tally(k).weight for k in (FOR, AGAINST, ABSTAIN))
        assert w_for + w_against + w_abstain == outcome.voted_weight
        assert outcome.voted_weight + outcome.non_voters_weight == outcome.electorate_weight
        assert outcome.voted_members + outcome.non_voters_count == outcome.electorate_members
        expected_base = w_for + w_against
        if base is Base.CAST_INCLUDING_ABSTENTIONS:
            expected_base += w_abstain
        assert outcome.base_weight == expected_base
        # The rule, stated on whole numbers without any division.
        n, d = rule.numerator, rule.denominator
        met = w_for * d >= n * expected_base if rule.inclusive else w_for * d > n * expected_base
        assert outcome.adopted is (met and expected_base > 0)
        if expected_base == 0:
            assert outcome.share_for is None and outcome.share_against is None
        else:
            assert outcome.share_for is not None and outcome.share_against is not None
            if base is Base.CAST_FOR_AGAINST:
                assert outcome.share_for + outcome.share_against == 1
            else:
                assert outcome.share_for + outcome.share_against <= 1

    @given(vote=votes(st.integers(0, 4)), base=BASES)
    def test_choice_arithmetic(self, vote: tuple[list[Voter], dict[str, int]], base: Base) -> None:
        electorate, choices = vote
        outcome = decide(electorate=electorate, choices=choices, options=candidates(4), base=base)
        choice_weights = sorted(
            (t.weight for t in outcome.tallies if t.role is OptionRole.CHOICE), reverse=True
        )
        if outcome.winner is not None:
            assert 2 * outcome.tally(outcome.winner).weight > outcome.base_weight
            assert outcome.runoff is None and not outcome.runoff_ambiguous
        elif outcome.base_weight == 0:
            assert outcome.runoff is None and not outcome.runoff_ambiguous
        elif outcome.runoff is not None:
            a, b = outcome.runoff
            assert [outcome.tally(a).weight, outcome.tally(b).weight] == choice_weights[:2]
            assert choice_weights[1] > choice_weights[2]
        else:
            assert outcome.runoff_ambiguous
            assert choice_weights[1] == choice_weights[2]


class TestOfferedRules:
    """The catalogue ballot checks votes against: each one is decidable."""

    def test_the_catalogue_in_words(self) -> None:
        assert [(rule.describe(), rule.notation) for rule in MAJORITY_RULES] == [
            ("meer dan de helft", "1/2"),
            ("meer dan twee derden", "2/3"),
            ("ten minste twee derden", ">=2/3"),
            ("meer dan drie kwart", "3/4"),
            ("ten minste drie kwart", ">=3/4"),
        ]

    @pytest.mark.parametrize("rule", MAJORITY_RULES, ids=lambda rule: rule.notation)
    def test_every_offered_rule_is_found_and_decides(self, rule: MajorityRule) -> None:
        found = offered_rule(rule.numerator, rule.denominator, inclusive=rule.inclusive)
        assert found == rule
        assert for_against(voor=4, tegen=1, rule=found).adopted is True
        assert for_against(voor=1, tegen=1, rule=found).adopted is False

    @pytest.mark.parametrize(
        ("numerator", "denominator", "inclusive", "words"),
        [
            (1, 2, True, "ten minste de helft"),  # results cannot decide it
            (1, 3, False, "meer dan 1/3"),
            (3, 5, False, "meer dan 3/5"),  # decidable, but not offered
            (2, 4, False, "meer dan de helft"),  # the same threshold, other terms
            (1, 0, False, "meer dan 1/0"),
        ],
    )
    def test_anything_else_is_refused_in_dutch(
        self, numerator: int, denominator: int, inclusive: bool, words: str
    ) -> None:
        with pytest.raises(UnknownMajority) as refused:
            offered_rule(numerator, denominator, inclusive=inclusive)
        assert str(refused.value).startswith(f"'{words}' is geen meerderheid")
        assert "kies uit: meer dan de helft (1/2), meer dan twee derden (2/3)" in str(refused.value)


class TestOptionsPerKind:
    F, A, N, C = OptionRole.FOR, OptionRole.AGAINST, OptionRole.ABSTAIN, OptionRole.CHOICE

    @pytest.mark.parametrize(
        ("roles", "kind"),
        [
            ((F, A), VoteKind.FOR_AGAINST),
            ((F, A, N, N), VoteKind.FOR_AGAINST),
            ((C, C), VoteKind.CHOICE),
            ((C, C, C, N), VoteKind.CHOICE),
            ((F,), None),
            ((F, F, A), None),
            ((C,), None),
            ((C, C, F), None),
            ((N, N), None),
            ((), None),
        ],
    )
    def test_kind_of(self, roles: tuple[OptionRole, ...], kind: VoteKind | None) -> None:
        assert kind_of(list(roles)) is kind

    def test_every_agenda_kind_is_checked(self) -> None:
        for kind, decided in AGENDA_KINDS.items():
            fitting = [self.F, self.A] if decided is VoteKind.FOR_AGAINST else [self.C, self.C]
            other = [self.C, self.C] if decided is VoteKind.FOR_AGAINST else [self.F, self.A]
            check_options(kind, fitting)
            with pytest.raises(UnfitOptions, match=f"^een {kind} heeft "):
                check_options(kind, other)

    def test_a_proefstemming_takes_any_keys(self) -> None:
        check_options("proefstemming", [self.C] * 10)
