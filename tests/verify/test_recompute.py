"""The verifier's own decision rule at the boundaries of DOMAIN.md."""

from __future__ import annotations

from fractions import Fraction

import pytest

from verify.recompute import check_percentage, decide

HALF = {"numerator": 1, "denominator": 2, "inclusive": False}
TWO_THIRDS = {"numerator": 2, "denominator": 3, "inclusive": True}
FOR_AGAINST = {1: "for", 2: "against", 3: "abstain"}


def test_a_tie_is_rejected() -> None:
    _, base, adopted, *_ = decide(
        FOR_AGAINST, {1: 50, 2: 50, 3: 9}, majority=HALF, abstentions_cast=False
    )
    assert (base, adopted) == (100, False)


def test_abstentions_in_the_base_when_cast() -> None:
    _, base, adopted, *_ = decide(
        FOR_AGAINST, {1: 51, 2: 40, 3: 20}, majority=HALF, abstentions_cast=True
    )
    assert (base, adopted) == (111, False)


def test_exactly_two_thirds_meets_at_least_two_thirds() -> None:
    *_, adopted, _, _, _ = decide(
        {1: "for", 2: "against"}, {1: 2, 2: 1}, majority=TWO_THIRDS, abstentions_cast=False
    )
    assert adopted is True


def test_choice_without_majority_goes_to_the_best_two() -> None:
    roles = {1: "choice", 2: "choice", 3: "choice"}
    result = decide(roles, {1: 40, 2: 35, 3: 25}, majority=HALF, abstentions_cast=False)
    assert result[3:] == (None, [1, 2], False)
    tied = decide(roles, {1: 40, 2: 30, 3: 30}, majority=HALF, abstentions_cast=False)
    assert tied[3:] == (None, None, True)


def test_percentage_must_not_suggest_the_other_outcome() -> None:
    rule = (Fraction(1, 2), False)
    share = Fraction(50_004, 100_000)
    assert check_percentage("50,01%", share, rule, "voor") == []
    assert check_percentage("50,00%", share, rule, "voor")
    assert check_percentage("100%", Fraction(99_996, 100_000), None, "voor")
    assert check_percentage("98,68%", Fraction(75, 76), rule, "voor") == []


@pytest.mark.parametrize(
    "text", ["٩٨,٦٨%", "98,６8%", "98.68%", "98,68", "+98,68%", "98_68%", " 98,68%", "1e2%"]
)
def test_a_percentage_is_read_only_as_the_services_write_it(text: str) -> None:
    """ASCII digits with a decimal comma: Fraction() alone would also read "٩٨"."""
    assert check_percentage(text, Fraction(75, 76), None, "voor") == [
        f"voor: percentage {text!r} is onleesbaar"
    ]
    assert check_percentage("100%", Fraction(1), None, "voor") == []
    assert check_percentage("0%", Fraction(0), None, "voor") == []
