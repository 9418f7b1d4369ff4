"""Percentages and sentences of the minutes: every boundary, plus properties."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain.decision import (
    Base,
    MajorityRule,
    Option,
    OptionRole,
    Outcome,
    Voter,
    decide,
)
from services.results.wording import (
    Kind,
    Style,
    acclamation_sentence,
    format_percentage,
    outcome_sentence,
    votes_needed,
)

HALF = MajorityRule.more_than_half()
TWO_THIRDS = MajorityRule.at_least_two_thirds()
MORE_THAN_TWO_THIRDS = MajorityRule(2, 3)
PERCENT = Fraction(1, 100)


def parse(displayed: str) -> Fraction:
    """ "98,58%" -> the share it states (0.9858)."""
    assert displayed.endswith("%")
    return Fraction(displayed[:-1].replace(",", ".")) / 100


def pct(value: str) -> Fraction:
    """An exact share written as a percentage: pct("50.004") is 50,004%."""
    return Fraction(value) / 100


class TestFormatPercentage:
    @pytest.mark.parametrize(
        ("share", "rule", "shown"),
        [
            (Fraction(1), None, "100%"),
            (Fraction(0), None, "0%"),
            (Fraction(1, 2), None, "50,00%"),
            (Fraction(1, 2), HALF, "50,00%"),
            (Fraction(75, 76), HALF, "98,68%"),
            (Fraction(75, 151), HALF, "49,67%"),
            (pct("98.58"), None, "98,58%"),
            (pct("98.585"), None, "98,59%"),  # a half rounds up
            (pct("98.5849"), None, "98,58%"),
            (pct("5.5"), None, "5,50%"),
            # never 100% or 0% unless exact
            (pct("99.996"), None, "99,99%"),
            (pct("99.996"), HALF, "99,99%"),
            (pct("99.9999"), TWO_THIRDS, "99,99%"),
            (pct("0.001"), None, "0,01%"),
            (pct("0.004"), HALF, "0,01%"),
            # never on the wrong side of more than half
            (pct("50.004"), HALF, "50,01%"),
            (pct("50.005"), HALF, "50,01%"),
            (pct("50.0001"), HALF, "50,01%"),
            (pct("49.996"), HALF, "49,99%"),
            (pct("49.9999"), HALF, "49,99%"),
            (pct("50.004"), None, "50,00%"),  # without a rule, plain rounding
            # two thirds: 66,666...%
            (Fraction(2, 3) - Fraction(1, 10**9), TWO_THIRDS, "66,66%"),
            (Fraction(2, 3) - Fraction(1, 10**9), MORE_THAN_TWO_THIRDS, "66,66%"),
            (Fraction(2, 3), TWO_THIRDS, "66,67%"),  # met: at least two thirds
            (Fraction(2, 3), MORE_THAN_TWO_THIRDS, "66,66%"),  # not met: not more than
            (Fraction(2, 3) + Fraction(1, 10**9), MORE_THAN_TWO_THIRDS, "66,67%"),
            (Fraction(2, 3), None, "66,67%"),
            (pct("66.669"), TWO_THIRDS, "66,67%"),
            (pct("66.6"), TWO_THIRDS, "66,60%"),
            # a threshold on the grid, inclusive: exact stays exact
            (Fraction(3, 4), MajorityRule(3, 4, inclusive=True), "75,00%"),
            (pct("74.999"), MajorityRule(3, 4, inclusive=True), "74,99%"),
            (pct("75.001"), MajorityRule(3, 4), "75,01%"),
            # unanimity rule
            (Fraction(1), MajorityRule(1, 1, inclusive=True), "100%"),
            (pct("99.999"), MajorityRule(1, 1, inclusive=True), "99,99%"),
        ],
    )
    def test_examples(self, share: Fraction, rule: MajorityRule | None, shown: str) -> None:
        assert format_percentage(share, rule=rule) == shown

    @pytest.mark.parametrize("share", [Fraction(-1, 100), Fraction(101, 100)])
    def test_share_outside_zero_to_one(self, share: Fraction) -> None:
        with pytest.raises(ValueError, match="between 0 and 1"):
            format_percentage(share)

    def test_threshold_too_close_to_all_votes(self) -> None:
        # Between 99,999% and 100% no two-decimal value is both above the threshold
        # and below 100%; printing either would misstate the result.
        rule = MajorityRule(99_999, 100_000)
        with pytest.raises(ValueError, match="misstating"):
            format_percentage(pct("99.9995"), rule=rule)


RULES = st.sampled_from(
    [
        HALF,
        TWO_THIRDS,
        MORE_THAN_TWO_THIRDS,
        MajorityRule(3, 4),
        MajorityRule(3, 4, inclusive=True),
        MajorityRule(1, 1, inclusive=True),
    ]
)


@st.composite
def rules(draw: st.DrawFn) -> MajorityRule:
    """Any majority rule with a denominator up to 1,000 (all statutes use small ones)."""
    denominator = draw(st.integers(1, 1000))
    numerator = draw(st.integers(denominator // 2, denominator))
    inclusive = draw(st.booleans())
    try:
        return MajorityRule(numerator, denominator, inclusive=inclusive)
    except ValueError:
        return draw(RULES)


@st.composite
def shares(draw: st.DrawFn) -> Fraction:
    """Shares as weights produce them, plus shares crowding 0, 1/2, 2/3 and 1."""
    base = draw(st.integers(1, 20_000))
    near = draw(
        st.sampled_from([Fraction(0), Fraction(1, 2), Fraction(2, 3), Fraction(3, 4), Fraction(1)])
    )
    offset = Fraction(draw(st.integers(-3, 3)), draw(st.integers(1, 10**7)))
    candidate = near + offset
    if draw(st.booleans()) and 0 <= candidate <= 1:
        return candidate
    return Fraction(draw(st.integers(0, base)), base)


def side(value: Fraction, boundary: Fraction) -> int:
    return (value > boundary) - (value < boundary)


class TestFormatProperties:
    @given(share=shares(), rule=rules())
    def test_never_on_the_wrong_side_of_the_rule(self, share: Fraction, rule: MajorityRule) -> None:
        shown = parse(format_percentage(share, rule=rule))
        assert rule.is_met(shown, 1) is rule.is_met(share, 1)
        exact_side = side(share, rule.threshold)
        if exact_side != 0 or (rule.threshold * 10_000).denominator == 1:
            assert side(shown, rule.threshold) == exact_side

    @given(share=shares(), rule=st.none() | rules())
    def test_never_100_or_0_unless_exact(self, share: Fraction, rule: MajorityRule | None) -> None:
        displayed = format_percentage(share, rule=rule)
        assert (displayed == "100%") is (share == 1)
        assert (displayed == "0%") is (share == 0)
        assert 0 < share < 1 or displayed in ("0%", "100%")
        if 0 < share < 1:
            assert displayed.count(",") == 1 and len(displayed.split(",")[1]) == 3

    @given(share=shares(), rule=st.none() | rules())
    def test_within_one_hundredth_of_a_percent(
        self, share: Fraction, rule: MajorityRule | None
    ) -> None:
        shown = parse(format_percentage(share, rule=rule))
        assert abs(shown - share) < PERCENT / 100
        if (share * 10_000).denominator == 1:
            assert shown == share

    @given(w_for=st.integers(0, 20_000), w_against=st.integers(0, 20_000), rule=rules())
    def test_for_and_against_add_up(self, w_for: int, w_against: int, rule: MajorityRule) -> None:
        # Exactly 100% as fractions; displayed, 99,99%, 100,00% or 100,01%.
        if w_for + w_against == 0:
            return
        share_for = Fraction(w_for, w_for + w_against)
        share_against = Fraction(w_against, w_for + w_against)
        assert share_for + share_against == 1
        shown = parse(format_percentage(share_for, rule=rule)) + parse(
            format_percentage(share_against, rule=HALF)
        )
        assert pct("99.99") <= shown <= pct("100.01")


# --- sentences ---------------------------------------------------------------------

FA_OPTIONS = (
    Option(1, "Voor", OptionRole.FOR),
    Option(2, "Tegen", OptionRole.AGAINST),
    Option(3, "Onthouding", OptionRole.ABSTAIN),
)


def for_against(
    voor: int = 0,
    tegen: int = 0,
    onthouding: int = 0,
    *,
    rule: MajorityRule = HALF,
    base: Base = Base.CAST_FOR_AGAINST,
) -> Outcome:
    electorate = [Voter("GM_AFW", "Afwezig", 1)]
    choices: dict[str, int] = {}
    for key, weight in ((1, voor), (2, tegen), (3, onthouding)):
        if weight:
            electorate.append(Voter(f"GM{key}", f"Gemeente {key}", weight))
            choices[f"GM{key}"] = key
    return decide(electorate=electorate, choices=choices, options=FA_OPTIONS, rule=rule, base=base)


def choice(weights: dict[int, int], labels: dict[int, str] | None = None) -> Outcome:
    labels = labels or {}
    options = [Option(k, labels.get(k, f"Optie {k}"), OptionRole.CHOICE) for k in (1, 2, 3)]
    options.append(Option(0, "Onthouding", OptionRole.ABSTAIN))
    electorate = [Voter(f"GM{k}", f"Gemeente {k}", w) for k, w in weights.items()]
    electorate.append(Voter("GM_AFW", "Afwezig", 1))
    choices = {f"GM{k}": k for k in weights}
    return decide(electorate=electorate, choices=choices, options=options)


class TestSentence2023:
    def test_adopted(self) -> None:
        assert (
            outcome_sentence(for_against(9858, 142), kind="voorstel", style="2023")
            == "het voorstel is aangenomen met 98,58% van de stemmen"
        )

    def test_rejected(self) -> None:
        assert (
            outcome_sentence(for_against(1664, 8336), kind="motie")
            == "de motie is verworpen met 16,64% van de stemmen"
        )

    def test_exactly_half(self) -> None:
        assert (
            outcome_sentence(for_against(75, 75), kind="amendement")
            == "het amendement is verworpen met 50,00% van de stemmen"
        )

    def test_just_over_half(self) -> None:
        # 5001/10001 = 50,004...%: adopted, so never "50,00%".
        assert (
            outcome_sentence(for_against(5001, 5000), kind="voorstel")
            == "het voorstel is aangenomen met 50,01% van de stemmen"
        )

    def test_unanimous(self) -> None:
        assert (
            outcome_sentence(for_against(100), kind="voorstel")
            == "het voorstel is aangenomen met 100% van de stemmen"
        )

    def test_capped_members(self) -> None:
        assert (
            outcome_sentence(for_against(75, 1, 75), kind="voorstel")
            == "het voorstel is aangenomen met 98,68% van de stemmen"
        )
        assert (
            outcome_sentence(
                for_against(75, 1, 75, base=Base.CAST_INCLUDING_ABSTENTIONS), kind="voorstel"
            )
            == "het voorstel is verworpen met 49,67% van de stemmen"
        )

    def test_just_under_two_thirds(self) -> None:
        # 19999/30000 = 66,663%: rejected, shown below two thirds.
        outcome = for_against(19_999, 10_001, rule=TWO_THIRDS)
        assert outcome_sentence(outcome, kind="voorstel") == (
            "het voorstel is verworpen met 66,66% van de stemmen"
        )

    def test_exactly_two_thirds(self) -> None:
        assert outcome_sentence(for_against(200, 100, rule=TWO_THIRDS), kind="voorstel") == (
            "het voorstel is aangenomen met 66,67% van de stemmen"
        )
        assert outcome_sentence(
            for_against(200, 100, rule=MORE_THAN_TWO_THIRDS), kind="voorstel"
        ) == ("het voorstel is verworpen met 66,66% van de stemmen")

    def test_subject_replaces_the_noun(self) -> None:
        outcome = for_against(60, 40)
        assert outcome_sentence(outcome, kind="motie", subject="de motie Woningbouw") == (
            "de motie Woningbouw is aangenomen met 60,00% van de stemmen"
        )

    def test_nobody_voted(self) -> None:
        assert (
            outcome_sentence(for_against(), kind="motie")
            == "de motie is niet aangenomen: er is niet gestemd"
        )

    def test_all_abstain(self) -> None:
        assert outcome_sentence(for_against(onthouding=20), kind="voorstel") == (
            "het voorstel is niet aangenomen: alle uitgebrachte stemmen waren onthoudingen"
        )


class TestSentence2022:
    def test_rejected_by_a_majority(self) -> None:
        assert (
            outcome_sentence(for_against(996, 9004), kind="motie", style="2022")
            == "de motie wordt verworpen met een meerderheid van 90,04%"
        )

    def test_adopted_by_a_majority(self) -> None:
        assert (
            outcome_sentence(for_against(9858, 142), kind="voorstel", style="2022")
            == "het voorstel wordt aangenomen met een meerderheid van 98,58%"
        )

    def test_adopted_unanimously(self) -> None:
        assert (
            outcome_sentence(for_against(100, 0, 50), kind="voorstel", style="2022")
            == "het voorstel wordt aangenomen met 100%"
        )

    def test_rejected_unanimously(self) -> None:
        assert (
            outcome_sentence(for_against(0, 100), kind="motie", style="2022")
            == "de motie wordt verworpen met 100%"
        )

    def test_just_over_half_against(self) -> None:
        assert (
            outcome_sentence(for_against(5000, 5001), kind="motie", style="2022")
            == "de motie wordt verworpen met een meerderheid van 50,01%"
        )

    def test_tie_is_no_majority_against(self) -> None:
        assert outcome_sentence(for_against(75, 75), kind="motie", style="2022") == (
            "de motie wordt verworpen met 50,00% van de stemmen voor en 50,00% tegen"
            " (vereist: meer dan de helft)"
        )

    def test_missed_two_thirds(self) -> None:
        outcome = for_against(60, 40, rule=TWO_THIRDS)
        assert outcome_sentence(outcome, kind="voorstel", style="2022") == (
            "het voorstel wordt verworpen met 60,00% van de stemmen voor en 40,00% tegen"
            " (vereist: ten minste twee derden)"
        )

    def test_abstentions_in_the_base(self) -> None:
        outcome = for_against(75, 1, 75, base=Base.CAST_INCLUDING_ABSTENTIONS)
        assert outcome_sentence(outcome, kind="voorstel", style="2022") == (
            "het voorstel wordt verworpen met 49,67% van de stemmen voor en 0,66% tegen"
            " (vereist: meer dan de helft)"
        )

    def test_nobody_voted(self) -> None:
        assert (
            outcome_sentence(for_against(), kind="amendement", style="2022")
            == "het amendement wordt niet aangenomen: er is niet gestemd"
        )


class TestChoiceSentence:
    def test_ordevoorstel(self) -> None:
        assert outcome_sentence(choice({1: 4898, 2: 5102}), kind="ordevoorstel") == (
            "de leden kiezen voor optie 2 van het ordevoorstel"
            " met een meerderheid van 51,02% van de stemmen"
        )

    def test_both_styles_read_the_same(self) -> None:
        outcome = choice({1: 4898, 2: 5102})
        assert outcome_sentence(outcome, kind="ordevoorstel", style="2022") == outcome_sentence(
            outcome, kind="ordevoorstel", style="2023"
        )

    def test_election(self) -> None:
        outcome = choice({1: 3891, 2: 6109}, labels={2: "Mark Boumans"})
        assert outcome_sentence(outcome, kind="verkiezing", subject="vicevoorzitter") == (
            "de leden kiezen Mark Boumans als vicevoorzitter met 61,09% van de stemmen"
        )
        assert outcome_sentence(outcome, kind="verkiezing") == (
            "de leden kiezen Mark Boumans met 61,09% van de stemmen"
        )

    def test_election_without_majority(self) -> None:
        outcome = choice({1: 4000, 2: 3500, 3: 2500}, labels={1: "A. Jansen", 2: "B. de Vries"})
        assert outcome_sentence(outcome, kind="verkiezing", subject="vicevoorzitter") == (
            "geen kandidaat voor vicevoorzitter krijgt meer dan de helft van de stemmen;"
            " de beste twee voor een volgende stemronde zijn A. Jansen (40,00%)"
            " en B. de Vries (35,00%)"
        )

    def test_ordevoorstel_just_under_half(self) -> None:
        # 4999.6 of 10000 cannot happen with whole weights; 49996/100000 can.
        outcome = choice({1: 49_996, 2: 30_004, 3: 20_000})
        assert outcome_sentence(outcome, kind="ordevoorstel") == (
            "geen optie van het ordevoorstel krijgt meer dan de helft van de stemmen;"
            " de beste twee voor een volgende stemronde zijn optie 1 (49,99%)"
            " en optie 2 (30,00%)"
        )

    def test_tie_for_second_place(self) -> None:
        outcome = choice({1: 40, 2: 30, 3: 30})
        assert outcome_sentence(outcome, kind="verkiezing") == (
            "geen kandidaat krijgt meer dan de helft van de stemmen;"
            " door gelijke stand om de tweede plaats zijn de beste twee niet eenduidig,"
            " de voorzitter beslist over het vervolg"
        )

    def test_nobody_voted(self) -> None:
        assert outcome_sentence(choice({}), kind="ordevoorstel") == (
            "er is geen optie van het ordevoorstel gekozen: er is niet gestemd"
        )
        assert outcome_sentence(choice({}), kind="verkiezing", subject="voorzitter") == (
            "er is niemand gekozen als voorzitter: er is niet gestemd"
        )

    def test_all_abstain(self) -> None:
        assert outcome_sentence(choice({0: 10}), kind="verkiezing") == (
            "er is niemand gekozen: alle uitgebrachte stemmen waren onthoudingen"
        )


class TestSentenceErrors:
    def test_unknown_kind(self) -> None:
        with pytest.raises(ValueError, match="unknown kind"):
            outcome_sentence(for_against(1), kind="referendum")  # type: ignore[arg-type]

    def test_unknown_style(self) -> None:
        with pytest.raises(ValueError, match="unknown style"):
            outcome_sentence(for_against(1), kind="motie", style="2021")  # type: ignore[arg-type]

    @pytest.mark.parametrize("kind", ["ordevoorstel", "verkiezing"])
    def test_choice_kind_for_a_for_against_vote(self, kind: Kind) -> None:
        with pytest.raises(ValueError, match="needs a keuze vote"):
            outcome_sentence(for_against(1), kind=kind)

    @pytest.mark.parametrize("kind", ["voorstel", "motie", "amendement"])
    def test_for_against_kind_for_a_choice_vote(self, kind: Kind) -> None:
        with pytest.raises(ValueError, match="needs a voor/tegen vote"):
            outcome_sentence(choice({1: 1}), kind=kind)


class TestSentenceProperties:
    @given(
        voor=st.integers(0, 500),
        tegen=st.integers(0, 500),
        onthouding=st.integers(0, 500),
        rule=RULES,
        base=st.sampled_from(list(Base)),
        style=st.sampled_from(["2023", "2022"]),
    )
    def test_sentence_never_contradicts_the_decision(
        self,
        voor: int,
        tegen: int,
        onthouding: int,
        rule: MajorityRule,
        base: Base,
        style: Style,
    ) -> None:
        outcome = for_against(voor, tegen, onthouding, rule=rule, base=base)
        sentence = outcome_sentence(outcome, kind="voorstel", style=style)
        if outcome.adopted:
            assert " aangenomen met " in sentence
            shown = parse(re.findall(r"\d+(?:,\d\d)?%", sentence)[0])
            assert rule.is_met(shown, 1)
        else:
            assert "aangenomen met" not in sentence
        assert "%" in sentence or outcome.base_weight == 0


class TestAcclamationSentence:
    @pytest.mark.parametrize(
        ("kind", "adopted", "style", "sentence"),
        [
            ("voorstel", True, "2023", "het voorstel is bij acclamatie aangenomen"),
            ("motie", False, "2023", "de motie is bij acclamatie verworpen"),
            ("amendement", True, "2022", "het amendement wordt bij acclamatie aangenomen"),
        ],
    )
    def test_sentence(self, kind: Kind, adopted: bool, style: Style, sentence: str) -> None:
        assert acclamation_sentence(kind=kind, adopted=adopted, style=style) == sentence

    @pytest.mark.parametrize("kind", ["verkiezing", "ordevoorstel", "proefstemming"])
    def test_only_voor_tegen_kinds(self, kind: str) -> None:
        with pytest.raises(ValueError, match="bij acclamatie"):
            acclamation_sentence(kind=kind, adopted=True)  # type: ignore[arg-type]


class TestVotesNeeded:
    @pytest.mark.parametrize(
        ("rule", "base", "needed"),
        [
            (HALF, 183, 92),
            (HALF, 100, 51),
            (HALF, 1, 1),
            (TWO_THIRDS, 150, 100),
            (TWO_THIRDS, 100, 67),
            (MORE_THAN_TWO_THIRDS, 150, 101),
            (MajorityRule(1, 1, inclusive=True), 17_000, 17_000),
        ],
    )
    def test_the_fewest_whole_votes_that_meet_the_rule(
        self, rule: MajorityRule, base: int, needed: int
    ) -> None:
        assert votes_needed(rule, base) == needed

    def test_nothing_cast_needs_nothing(self) -> None:
        assert votes_needed(HALF, 0) is None

    @given(
        base=st.integers(min_value=1, max_value=20_000),
        rule=st.sampled_from([HALF, TWO_THIRDS, MORE_THAN_TWO_THIRDS, MajorityRule(3, 4)]),
    )
    def test_it_meets_the_rule_and_one_less_does_not(self, base: int, rule: MajorityRule) -> None:
        needed = votes_needed(rule, base)
        assert needed is not None
        assert rule.is_met(needed, base)
        assert not rule.is_met(needed - 1, base)
