"""How a result is written: percentages and the outcome sentence of the minutes.

Pure domain code, standard library only, exact arithmetic (no floats).

Percentages (``format_percentage``) are shown in hundredths of a percent with a
decimal comma ("98,58%"), rounded to the nearest hundredth (a half rounds up),
then moved one hundredth toward the exact value where rounding would misstate
it. Guarantees, for every share ``x`` in [0, 1] and displayed value ``d``:

* ``d`` is "100%" only if ``x == 1`` and "0%" only if ``x == 0``; every other
  value has two decimals, so "50,00%" means exactly half, or a share within a
  hundredth of half on the side the rule puts it (below, for "more than half").
* ``d`` is on the same side of the rule's threshold ``t`` as ``x``: above if
  ``x > t``, below if ``x < t``, equal if ``x == t`` and ``t`` has an exact
  two-decimal form. When ``x == t`` and ``t`` has none (two thirds), ``d`` is on
  the side of the decision: at least two thirds shows "66,67%", more than two
  thirds (not met) shows "66,66%". So 50,004% under "more than half" shows
  "50,01%", 49,996% shows "49,99%", and just under two thirds never "66,67%".
* ``|d - x|`` is less than one hundredth of a percent (0 if ``x`` is exactly
  representable). Hence two shares that add up to 100% display as a sum of
  99,99%, 100,00% or 100,01%, never further off.

Sentences (``outcome_sentence``) follow the minutes and start in lower case so
they can follow "Besluit:" or be capitalised by the caller:

* 2023 style, the share in favour: "het voorstel is aangenomen met 98,58% van
  de stemmen", "de motie is verworpen met 16,64% van de stemmen".
* 2022 style, the share of the winning side: "de motie wordt verworpen met een
  meerderheid van 90,04%", "het voorstel wordt aangenomen met 100%" when
  unanimous. A rejection where tegen has no majority of its own (a tie, a missed
  two-thirds majority, abstentions in the base) cannot be called "a majority
  against"; it is written with both shares and the required majority.
* Choice votes read the same in both styles, as in the minutes: "de leden kiezen
  voor optie 2 van het ordevoorstel met een meerderheid van 51,02% van de
  stemmen", "de leden kiezen Mark Boumans als vicevoorzitter met 61,09% van de
  stemmen". Without a majority the sentence names the best two for a further
  round, or says the chair decides when a tie for second place makes that
  ambiguous.
* When nothing was cast the sentence says so: "het voorstel is niet aangenomen:
  er is niet gestemd".
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor
from typing import Literal, get_args

from services.domain.decision import AGENDA_KINDS, MajorityRule, Outcome, Tally, VoteKind

Kind = Literal["voorstel", "motie", "amendement", "ordevoorstel", "verkiezing"]
Style = Literal["2023", "2022"]

_STEPS = 10_000  # hundredths of a percent in the whole
_HALF = MajorityRule.more_than_half()

_NOUNS: dict[str, str] = {
    "voorstel": "het voorstel",
    "motie": "de motie",
    "amendement": "het amendement",
    "ordevoorstel": "het ordevoorstel",
}
_CHOICE_KINDS = tuple(k for k, decided in AGENDA_KINDS.items() if decided is VoteKind.CHOICE)


def format_percentage(share: Fraction, *, rule: MajorityRule | None = None) -> str:
    """``share`` (0..1) as a percentage that never misstates 0, 100% or the rule.

    Raises ``ValueError`` for a share outside [0, 1], or when no two-decimal
    value lies on the right side of every boundary (a threshold within a
    hundredth of a percent of 100%, such as more than 99999/100000).
    """
    if not 0 <= share <= 1:
        raise ValueError(f"share {share} is not between 0 and 1")
    boundaries = [(Fraction(0), False), (Fraction(1), False)]
    if rule is not None:
        boundaries.append((rule.threshold, rule.inclusive))
    # Narrow the allowed range of steps to the exact value's side of each boundary.
    low, high = 0, _STEPS
    for boundary, inclusive in boundaries:
        scaled = boundary * _STEPS
        on_grid = scaled.denominator == 1
        if share > boundary or (share == boundary and not on_grid and inclusive):
            low = max(low, floor(scaled) + 1)
        elif share < boundary or (share == boundary and not on_grid):
            high = min(high, ceil(scaled) - 1)
        else:
            low = max(low, int(scaled))
            high = min(high, int(scaled))
    if low > high:
        raise ValueError(f"share {share} cannot be shown in two decimals without misstating it")
    nearest = floor(share * _STEPS + Fraction(1, 2))
    steps = min(max(nearest, low), high)
    if steps == _STEPS:
        return "100%"
    if steps == 0:
        return "0%"
    whole, hundredths = divmod(steps, 100)
    return f"{whole},{hundredths:02d}%"


def votes_needed(rule: MajorityRule, base_weight: int) -> int | None:
    """The fewest whole votes that meet ``rule`` out of ``base_weight`` cast:
    "meer dan de helft" of 183 is 92, "ten minste twee derden" of 100 is 67.
    None when nothing was cast (nothing can meet a rule then)."""
    if base_weight <= 0:
        return None
    required = rule.threshold * base_weight
    return ceil(required) if rule.inclusive else floor(required) + 1


def outcome_sentence(
    outcome: Outcome,
    *,
    kind: Kind,
    style: Style = "2023",
    subject: str | None = None,
) -> str:
    """The result as the minutes write it.

    ``subject`` replaces the noun ("de motie over het woningtekort" instead of
    "de motie"); in an election it is the office ("vicevoorzitter").
    """
    if kind not in get_args(Kind):
        raise ValueError(f"unknown kind of vote: {kind!r}")
    if style not in get_args(Style):
        raise ValueError(f"unknown style: {style!r}")
    expected = VoteKind.CHOICE if kind in _CHOICE_KINDS else VoteKind.FOR_AGAINST
    if outcome.kind is not expected:
        raise ValueError(f"a {kind} needs a {expected.value} vote, not {outcome.kind.value}")
    if outcome.kind is VoteKind.FOR_AGAINST:
        return _for_against(outcome, noun=subject or _NOUNS[kind], style=style)
    return _choice(outcome, kind=kind, subject=subject)


def acclamation_sentence(*, kind: Kind, adopted: bool, style: Style = "2023") -> str:
    """A decision without a vote: "de motie is bij acclamatie aangenomen"."""
    if kind in _CHOICE_KINDS or kind not in get_args(Kind):
        raise ValueError(f"a {kind} is not decided bij acclamatie")
    verb = "is" if style == "2023" else "wordt"
    verdict = "aangenomen" if adopted else "verworpen"
    return f"{_NOUNS[kind]} {verb} bij acclamatie {verdict}"


def _nothing_cast(outcome: Outcome) -> str:
    if outcome.voted_weight == 0:
        return "er is niet gestemd"
    return "alle uitgebrachte stemmen waren onthoudingen"


def _for_against(outcome: Outcome, *, noun: str, style: Style) -> str:
    verb = "is" if style == "2023" else "wordt"
    share_for, share_against = outcome.share_for, outcome.share_against
    if share_for is None or share_against is None:
        return f"{noun} {verb} niet aangenomen: {_nothing_cast(outcome)}"
    pct_for = format_percentage(share_for, rule=outcome.rule)
    verdict = "aangenomen" if outcome.adopted else "verworpen"
    if style == "2023":
        return f"{noun} is {verdict} met {pct_for} van de stemmen"
    if outcome.adopted:
        if share_for == 1:
            return f"{noun} wordt aangenomen met 100%"
        # The rule is at least "more than half", so this is a majority.
        return f"{noun} wordt aangenomen met een meerderheid van {pct_for}"
    if share_against == 1:
        return f"{noun} wordt verworpen met 100%"
    pct_against = format_percentage(share_against, rule=_HALF)
    if share_against > Fraction(1, 2):
        return f"{noun} wordt verworpen met een meerderheid van {pct_against}"
    return (
        f"{noun} wordt verworpen met {pct_for} van de stemmen voor en {pct_against} tegen"
        f" (vereist: {outcome.rule.describe()})"
    )


def _choice(outcome: Outcome, *, kind: str, subject: str | None) -> str:
    election = kind == "verkiezing"
    noun = subject or _NOUNS["ordevoorstel"]
    office = f" als {subject}" if election and subject else ""

    def name(t: Tally) -> str:
        return t.label if election else f"optie {t.key}"

    def pct(t: Tally) -> str:
        # A choice option is always in the base, and the base is not empty here.
        return format_percentage(Fraction(t.weight, outcome.base_weight), rule=outcome.rule)

    if outcome.base_weight == 0:
        nobody = (
            f"er is niemand gekozen{office}" if election else f"er is geen optie van {noun} gekozen"
        )
        return f"{nobody}: {_nothing_cast(outcome)}"
    if outcome.winner is not None:
        w = outcome.tally(outcome.winner)
        if election:
            return f"de leden kiezen {name(w)}{office} met {pct(w)} van de stemmen"
        return (
            f"de leden kiezen voor {name(w)} van {noun}"
            f" met een meerderheid van {pct(w)} van de stemmen"
        )
    if election:
        lead = f"geen kandidaat{' voor ' + subject if subject else ''} krijgt"
    else:
        lead = f"geen optie van {noun} krijgt"
    lead += f" {outcome.rule.describe()} van de stemmen"
    if outcome.runoff is None:
        return (
            f"{lead}; door gelijke stand om de tweede plaats zijn de beste twee niet eenduidig,"
            " de voorzitter beslist over het vervolg"
        )
    a, b = (outcome.tally(k) for k in outcome.runoff)
    return (
        f"{lead}; de beste twee voor een volgende stemronde zijn"
        f" {name(a)} ({pct(a)}) en {name(b)} ({pct(b)})"
    )
