"""The decision rule: who won a weighted vote, computed exactly.

Pure domain code: values in, values out, no I/O and nothing beyond the standard
library. Arithmetic is done in ``int`` and ``fractions.Fraction`` only; a float
could put a result on the wrong side of "more than half".

Two kinds of vote are decided here:

* voor/tegen (voorstel, motie, amendement): options FOR, AGAINST and any number
  of ABSTAIN options; the outcome is ``adopted``.
* keuze (ordevoorstel with numbered options, verkiezing between candidates):
  at least two CHOICE options plus any number of ABSTAIN options; the outcome is
  a ``winner`` or, without a majority, the best two for a further round.

Decisions taken where the statutes and DOMAIN.md are silent:

* **Base.** ``Base.CAST_FOR_AGAINST`` (default) counts only voor and tegen as
  cast; in a choice vote that means every CHOICE option, never an abstention.
  ``Base.CAST_INCLUDING_ABSTENTIONS`` adds the ABSTAIN options. Members who did
  not press are never in the base.
* **Majority.** ``MajorityRule(n, d)`` means "more than n/d of the base";
  ``inclusive=True`` means "at least n/d" (Dutch statutes: "ten minste twee
  derden"). The threshold must lie between 1/2 and 1: "more than 1/2" is the
  smallest majority, "at least 1/2" is not a majority (a tie would pass, and in a
  choice vote two options could both win), "more than 1" is impossible.
  Comparisons are made on whole weights (``weight * d > n * base``), never on a
  rounded percentage.
* **Options per kind.** ``AGENDA_KINDS`` says which decision a voorstel, motie,
  amendement, ordevoorstel or verkiezing takes; ``check_options`` is how ballot
  refuses options that would not fit it.
* **Offered rules.** ``MAJORITY_RULES`` is the catalogue a vote may use: more
  than half (the default), more than or at least two thirds, more than or at
  least three quarters. ``offered_rule`` is how ballot checks a vote against it,
  so every rule ballot accepts is one this module decides; results still
  decides any valid ``MajorityRule`` (votes stored before the catalogue).
* **Nothing cast.** When the base weight is 0 (nobody voted, or under the
  default base everybody abstained) nothing is adopted, nobody wins, no runoff
  is proposed and every share is ``None``: a share of nothing is undefined, it
  is not 0%.
* **Runoff.** Without a winner the two choice options with the highest weight
  go to a further round. Equal weights are never broken by member count, key or
  order: if the second place is shared (so "the best two" is not one pair),
  ``runoff`` is ``None`` and ``runoff_ambiguous`` is ``True``; the chair
  decides. A tie for the first place alone is not ambiguous: both go through.
  With only two choice options the runoff is those two (a re-vote).
* **Caller errors.** A member code outside the electorate, a key outside the
  options, duplicate codes or keys, a weight below 1 or an option set that is
  neither kind raises ``ValueError``: the caller guarantees valid input, so this
  is a bug, not a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import NamedTuple


class OptionRole(Enum):
    FOR = "voor"
    AGAINST = "tegen"
    ABSTAIN = "onthouding"
    CHOICE = "keuze"


# The roles by the names the services' APIs use for them.
ROLE_NAMES: dict[str, OptionRole] = {
    "for": OptionRole.FOR,
    "against": OptionRole.AGAINST,
    "abstain": OptionRole.ABSTAIN,
    "choice": OptionRole.CHOICE,
}


class Base(Enum):
    """Which presses count as cast: the base the majority is measured against."""

    CAST_FOR_AGAINST = "voor + tegen"
    CAST_INCLUDING_ABSTENTIONS = "voor + tegen + onthouding"


class VoteKind(Enum):
    FOR_AGAINST = "voor/tegen"
    CHOICE = "keuze"


class Voter(NamedTuple):
    """A member in the frozen electorate of one vote: present, with its weight.
    A named tuple: made once per member (100,000 at a congress), three times
    faster than a frozen dataclass, and as immutable."""

    code: str
    name: str
    weight: int


@dataclass(frozen=True)
class Option:
    key: int
    label: str
    role: OptionRole


@dataclass(frozen=True)
class MajorityRule:
    """More than (or, if ``inclusive``, at least) numerator/denominator of the base."""

    numerator: int = 1
    denominator: int = 2
    inclusive: bool = False

    def __post_init__(self) -> None:
        if self.denominator <= 0:
            raise ValueError("denominator must be positive")
        t = Fraction(self.numerator, self.denominator)
        # Below 1/2, or exactly 1/2 inclusive, both sides of a tie could "win".
        if t < Fraction(1, 2) or (t == Fraction(1, 2) and self.inclusive):
            raise ValueError(f"{self.describe()} is not a majority")
        if t > 1 or (t == 1 and not self.inclusive):
            raise ValueError(f"{self.describe()} can never be reached")

    @classmethod
    def more_than_half(cls) -> MajorityRule:
        return cls(1, 2, inclusive=False)

    @classmethod
    def at_least_two_thirds(cls) -> MajorityRule:
        return cls(2, 3, inclusive=True)

    @property
    def threshold(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    def is_met(self, weight: int | Fraction, base: int | Fraction) -> bool:
        """Whether ``weight`` out of ``base`` satisfies the rule; never with base 0."""
        if base <= 0:
            return False
        share = Fraction(weight) / Fraction(base)
        return share >= self.threshold if self.inclusive else share > self.threshold

    def describe(self) -> str:
        """The rule in words, as the chair and the minutes say it."""
        return rule_words(self.numerator, self.denominator, inclusive=self.inclusive)

    @property
    def notation(self) -> str:
        """As an agenda file writes it: ``1/2``, ``>=2/3``."""
        return f"{'>=' if self.inclusive else ''}{self.numerator}/{self.denominator}"


def rule_words(numerator: int, denominator: int, *, inclusive: bool) -> str:
    """Any terms in words, also terms that are no rule ("ten minste de helft")."""
    words = {
        Fraction(1, 2): "de helft",
        Fraction(2, 3): "twee derden",
        Fraction(3, 4): "drie kwart",
    }
    amount = f"{numerator}/{denominator}"
    if denominator > 0:
        amount = words.get(Fraction(numerator, denominator), amount)
    return f"{'ten minste' if inclusive else 'meer dan'} {amount}"


# The rules a vote may be put under: what an agenda editor offers, and all that
# ballot accepts. Add one here and it is offered, accepted and decided at once.
MAJORITY_RULES: tuple[MajorityRule, ...] = (
    MajorityRule(1, 2),
    MajorityRule(2, 3),
    MajorityRule(2, 3, inclusive=True),
    MajorityRule(3, 4),
    MajorityRule(3, 4, inclusive=True),
)


class UnknownMajority(ValueError):
    """Terms that are not in ``MAJORITY_RULES``; the message is Dutch, for the user."""


def offered_rule(numerator: int, denominator: int, *, inclusive: bool) -> MajorityRule:
    """The offered rule with exactly these terms, or ``UnknownMajority`` saying which are."""
    for rule in MAJORITY_RULES:
        if (rule.numerator, rule.denominator, rule.inclusive) == (
            numerator,
            denominator,
            inclusive,
        ):
            return rule
    offered = ", ".join(f"{rule.describe()} ({rule.notation})" for rule in MAJORITY_RULES)
    raise UnknownMajority(
        f"'{rule_words(numerator, denominator, inclusive=inclusive)}' is geen meerderheid"
        f" die het systeem kan beslissen; kies uit: {offered}"
    )


@dataclass(frozen=True)
class Tally:
    """The weight behind one option."""

    key: int
    label: str
    role: OptionRole
    weight: int
    members: int
    codes: tuple[str, ...]
    in_base: bool
    share: Fraction | None  # of the base; None when not in the base or the base is 0


@dataclass(frozen=True)
class Outcome:
    kind: VoteKind
    rule: MajorityRule
    base: Base
    tallies: tuple[Tally, ...]  # ordered by option key
    electorate_members: int
    electorate_weight: int
    voted_members: int
    voted_weight: int
    non_voters: tuple[str, ...]  # member codes, sorted
    non_voters_weight: int
    base_weight: int
    base_keys: tuple[int, ...]  # the options whose weight forms the base
    required: Fraction  # threshold * base_weight: the weight to exceed (or reach)
    # voor/tegen votes; adopted is None for a choice vote
    adopted: bool | None
    share_for: Fraction | None
    share_against: Fraction | None
    share_winning_side: Fraction | None  # share_for if adopted, else share_against
    # choice votes
    winner: int | None
    runoff: tuple[int, int] | None  # ordered by weight descending, then key
    runoff_ambiguous: bool

    @property
    def non_voters_count(self) -> int:
        return len(self.non_voters)

    def tally(self, key: int) -> Tally:
        for t in self.tallies:
            if t.key == key:
                return t
        raise KeyError(key)

    def tally_for_role(self, role: OptionRole) -> Tally:
        """The one tally with ``role`` (FOR or AGAINST in a voor/tegen vote)."""
        (found,) = (t for t in self.tallies if t.role is role)
        return found


def kind_of(roles: Sequence[OptionRole]) -> VoteKind | None:
    """voor/tegen, a choice, or None for options that fit neither."""
    n_choice = roles.count(OptionRole.CHOICE)
    n_for, n_against = roles.count(OptionRole.FOR), roles.count(OptionRole.AGAINST)
    if n_choice == 0 and n_for == 1 and n_against == 1:
        return VoteKind.FOR_AGAINST
    if n_choice >= 2 and n_for == 0 and n_against == 0:
        return VoteKind.CHOICE
    return None


# The decision each kind of agenda item takes; a proefstemming takes none.
AGENDA_KINDS: dict[str, VoteKind] = {
    "voorstel": VoteKind.FOR_AGAINST,
    "motie": VoteKind.FOR_AGAINST,
    "amendement": VoteKind.FOR_AGAINST,
    "ordevoorstel": VoteKind.CHOICE,
    "verkiezing": VoteKind.CHOICE,
}
_OPTIONS_NEEDED = {
    VoteKind.FOR_AGAINST: "precies één optie voor en één optie tegen",
    VoteKind.CHOICE: "ten minste twee keuzeopties en geen voor of tegen",
}


class UnfitOptions(ValueError):
    """Options that do not fit the kind of vote; the message is Dutch, for the user."""


def check_options(kind: str, roles: Sequence[OptionRole]) -> None:
    """Refuse options this module could not decide for a ``kind`` of ``AGENDA_KINDS``."""
    expected = AGENDA_KINDS.get(kind)
    if expected is not None and kind_of(roles) is not expected:
        raise UnfitOptions(
            f"een {kind} heeft {_OPTIONS_NEEDED[expected]} nodig (onthouding mag erbij)"
        )


def _vote_kind(options: Sequence[Option]) -> VoteKind:
    if len({o.key for o in options}) != len(options):
        raise ValueError("option keys must be unique")
    kind = kind_of([o.role for o in options])
    if kind is None:
        raise ValueError(
            "options must be exactly one FOR and one AGAINST, or at least two CHOICE "
            "options (either with any number of ABSTAIN options)"
        )
    return kind


def _in_base(role: OptionRole, base: Base) -> bool:
    if role is OptionRole.ABSTAIN:
        return base is Base.CAST_INCLUDING_ABSTENTIONS
    return True


def _runoff(choice_tallies: list[Tally]) -> tuple[tuple[int, int] | None, bool]:
    ranked = sorted(choice_tallies, key=lambda t: (-t.weight, t.key))
    if len(ranked) > 2 and ranked[1].weight == ranked[2].weight:
        return None, True
    return (ranked[0].key, ranked[1].key), False


def decide(
    *,
    electorate: Sequence[Voter],
    choices: Mapping[str, int],
    options: Sequence[Option],
    rule: MajorityRule = MajorityRule(),
    base: Base = Base.CAST_FOR_AGAINST,
) -> Outcome:
    """Decide a vote from the counted press of each member.

    ``choices`` maps a member code to the key of its counted press; members of
    the electorate without an entry did not vote.
    """
    kind = _vote_kind(options)
    weights: dict[str, int] = {}
    for voter in electorate:
        if voter.code in weights:
            raise ValueError(f"member {voter.code} appears twice in the electorate")
        if voter.weight < 1:
            raise ValueError(f"member {voter.code} has weight {voter.weight}; at least 1")
        weights[voter.code] = voter.weight
    by_key = {o.key: o for o in options}
    for code, key in choices.items():
        if code not in weights:
            raise ValueError(f"member {code} is not in the electorate of this vote")
        if key not in by_key:
            raise ValueError(f"member {code} chose {key}, which is not an option")

    # One pass over the presses, not one per option: 100,000 members vote at a congress.
    chose: dict[int, list[str]] = {key: [] for key in by_key}
    for code, key in choices.items():
        chose[key].append(code)
    weight_of = {key: sum(weights[c] for c in codes) for key, codes in chose.items()}
    base_weight = sum(weight_of[o.key] for o in options if _in_base(o.role, base))
    tallies: list[Tally] = []
    for option in sorted(options, key=lambda o: o.key):
        codes = tuple(sorted(chose[option.key]))
        weight = weight_of[option.key]
        in_base = _in_base(option.role, base)
        share = Fraction(weight, base_weight) if in_base and base_weight else None
        tallies.append(
            Tally(option.key, option.label, option.role, weight, len(codes), codes, in_base, share)
        )

    non_voters = tuple(sorted(c for c in weights if c not in choices))
    adopted: bool | None = None
    share_for = share_against = share_winning = None
    winner: int | None = None
    runoff: tuple[int, int] | None = None
    ambiguous = False
    if kind is VoteKind.FOR_AGAINST:
        t_for = next(t for t in tallies if t.role is OptionRole.FOR)
        t_against = next(t for t in tallies if t.role is OptionRole.AGAINST)
        adopted = rule.is_met(t_for.weight, base_weight)
        share_for, share_against = t_for.share, t_against.share
        share_winning = share_for if adopted else share_against
    else:
        choice_tallies = [t for t in tallies if t.role is OptionRole.CHOICE]
        # The rule admits at most one option over the threshold (see MajorityRule).
        winners = [t.key for t in choice_tallies if rule.is_met(t.weight, base_weight)]
        if winners:
            (winner,) = winners
        elif base_weight > 0:
            runoff, ambiguous = _runoff(choice_tallies)

    return Outcome(
        kind=kind,
        rule=rule,
        base=base,
        tallies=tuple(tallies),
        electorate_members=len(weights),
        electorate_weight=sum(weights.values()),
        voted_members=len(choices),
        voted_weight=sum(weight_of.values()),
        non_voters=non_voters,
        non_voters_weight=sum(weights[c] for c in non_voters),
        base_weight=base_weight,
        base_keys=tuple(t.key for t in tallies if t.in_base),
        required=rule.threshold * base_weight,
        adopted=adopted,
        share_for=share_for,
        share_against=share_against,
        share_winning_side=share_winning,
        winner=winner,
        runoff=runoff,
        runoff_ambiguous=ambiguous,
    )


# --- explanation for the commissie van stemopneming --------------------------------


def exact_number(value: Fraction) -> str:
    """An exact number in words an auditor can check: 75, 75 1/2, 66 2/3."""
    whole, rest = divmod(value.numerator, value.denominator)
    if rest == 0:
        return str(whole)
    if whole == 0:
        return f"{rest}/{value.denominator}"
    return f"{whole} {rest}/{value.denominator}"


def _votes(weight: int) -> str:
    return f"{weight} {'stem' if weight == 1 else 'stemmen'}"


def _count(members: int, weight: int) -> str:
    return f"{members} {'lid' if members == 1 else 'leden'}, {_votes(weight)}"


def base_words(outcome: Outcome) -> str:
    if outcome.kind is VoteKind.FOR_AGAINST:
        return outcome.base.value
    if outcome.base is Base.CAST_FOR_AGAINST:
        return "alle keuzes"
    return "alle keuzes + onthouding"


def explain(outcome: Outcome) -> list[str]:
    """The computation step by step, in Dutch, with exact numbers."""
    rule = outcome.rule
    # The sign that holds, so the line reads as a true statement: "76 > 75", "75 ≤ 75".
    op, met, not_met = ("ten minste", "≥", "<") if rule.inclusive else ("meer dan", ">", "≤")
    lines = [
        "Stemgerechtigd (aanwezig): "
        + _count(outcome.electorate_members, outcome.electorate_weight),
        f"Gestemd: {_count(outcome.voted_members, outcome.voted_weight)}",
        f"Niet gestemd: {_count(outcome.non_voters_count, outcome.non_voters_weight)}"
        + (f" ({', '.join(outcome.non_voters)})" if outcome.non_voters else ""),
    ]
    for t in outcome.tallies:
        lines.append(f"{t.label}: {_count(t.members, t.weight)}")
    lines.append(f"Uitgebracht (basis: {base_words(outcome)}): {_votes(outcome.base_weight)}")
    if outcome.base_weight == 0:
        verdict = "niet aangenomen" if outcome.kind is VoteKind.FOR_AGAINST else "niemand gekozen"
        lines.append(f"Geen uitgebrachte stemmen: {verdict}; aandelen niet gedefinieerd")
        return lines
    fraction = f"{rule.numerator}/{rule.denominator}"
    required = exact_number(outcome.required)
    lines.append(f"Vereist: {op} {fraction} van {outcome.base_weight} = {op} {required}")
    if outcome.kind is VoteKind.FOR_AGAINST:
        t_for = outcome.tally_for_role(OptionRole.FOR)
        if outcome.adopted:
            lines.append(f"{t_for.label}: {t_for.weight} {met} {required}: aangenomen")
        else:
            lines.append(f"{t_for.label}: {t_for.weight} {not_met} {required}: verworpen")
        lines.append(f"Aandeel voor: {t_for.weight}/{outcome.base_weight} van de basis")
        return lines
    if outcome.winner is not None:
        w = outcome.tally(outcome.winner)
        lines.append(f"{w.label}: {w.weight} {met} {required}: gekozen")
        return lines
    lines.append(f"Geen optie heeft {op} {required}: geen meerderheid")
    if outcome.runoff is not None:
        a, b = (outcome.tally(k) for k in outcome.runoff)
        lines.append(
            f"Beste twee voor een volgende ronde: {a.label} ({a.weight}) en {b.label} ({b.weight})"
        )
    else:
        lines.append(
            "Gelijke stand om de tweede plaats: geen eenduidige beste twee; de voorzitter beslist"
        )
    return lines
