"""The rules of DOMAIN.md, a second time: the decision and the percentages.

Deliberately simple and apart from the services (standard library only,
nothing from ``services``): an auditor trusts none of the code that produced
the export. Whole weights and fractions only; never a float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# --- the decision, recomputed ----------------------------------------------------------


@dataclass
class Recomputed:
    """What the stored outcome must say, computed from whole weights."""

    weights: dict[int, int]
    members: dict[int, int]
    codes: dict[int, list[str]]
    in_base: dict[int, bool]
    base: int
    adopted: bool | None = None
    winner: int | None = None
    runoff: list[int] | None = None
    runoff_ambiguous: bool = False


def _majority_met(weight: int, base: int, majority: dict[str, Any]) -> bool:
    if base <= 0:
        return False
    share = Fraction(weight, base)
    threshold = Fraction(majority["numerator"], majority["denominator"])
    return share >= threshold if majority["inclusive"] else share > threshold


def cast_base(
    roles: dict[int, str], weights: dict[int, int], *, abstentions_cast: bool
) -> tuple[dict[int, bool], int]:
    """Which options count as cast, and the weight cast on them."""
    in_base = {k: role != "abstain" or abstentions_cast for k, role in roles.items()}
    return in_base, sum(weights[k] for k in roles if in_base[k])


def decide(
    roles: dict[int, str],
    weights: dict[int, int],
    *,
    majority: dict[str, Any],
    abstentions_cast: bool,
) -> tuple[dict[int, bool], int, bool | None, int | None, list[int] | None, bool]:
    """in_base, base, adopted, winner, runoff, runoff_ambiguous from weights per key."""
    in_base, base = cast_base(roles, weights, abstentions_cast=abstentions_cast)
    choices = sorted(k for k, role in roles.items() if role == "choice")
    if not choices:
        (for_key,) = (k for k, role in roles.items() if role == "for")
        return in_base, base, _majority_met(weights[for_key], base, majority), None, None, False
    winners = [k for k in choices if _majority_met(weights[k], base, majority)]
    if len(winners) == 1:
        return in_base, base, None, winners[0], None, False
    if winners or base == 0:
        return in_base, base, None, None, None, False
    ranked = sorted(choices, key=lambda k: (-weights[k], k))
    if len(ranked) > 2 and weights[ranked[1]] == weights[ranked[2]]:
        return in_base, base, None, None, None, True
    return in_base, base, None, None, ranked[:2], False


def recompute(inputs: dict[str, Any], problems: list[str], *, decided: bool = True) -> Recomputed:
    """Weights per option from the raw data; the decision too when ``decided``
    (not for an outcome stored as "uitslag niet te berekenen")."""
    vote = inputs["vote"]
    roles = {o["key"]: o["role"] for o in vote["options"]}
    weight_of: dict[str, int] = {}
    for elector in inputs["electorate"]:
        code, weight = elector["member"], elector["weight"]
        if code in weight_of:
            problems.append(f"{code} staat twee keer in de kiezerslijst")
        if not isinstance(weight, int) or weight < 1:
            problems.append(f"{code} heeft gewicht {weight!r}")
        weight_of[code] = weight
    weights = dict.fromkeys(roles, 0)
    members = dict.fromkeys(roles, 0)
    codes: dict[int, list[str]] = {k: [] for k in roles}
    seen: set[str] = set()
    for press in inputs["counted"]:
        code, key = press["member"], press["key"]
        if code not in weight_of:
            problems.append(f"getelde stem van {code}, dat niet in de kiezerslijst staat")
            continue
        if code in seen:
            problems.append(f"{code} heeft meer dan één getelde stem")
            continue
        if key not in roles:
            problems.append(f"{code} koos toets {key}, die geen optie is")
            continue
        seen.add(code)
        weights[key] += weight_of[code]
        members[key] += 1
        codes[key].append(code)
    if not decided:
        in_base, base = cast_base(roles, weights, abstentions_cast=vote["abstentions_cast"])
        return Recomputed(weights, members, {k: sorted(v) for k, v in codes.items()}, in_base, base)
    in_base, base, adopted, winner, runoff, ambiguous = decide(
        roles, weights, majority=vote["majority"], abstentions_cast=vote["abstentions_cast"]
    )
    if vote.get("decided_by") == "acclamation":
        # Decided without a vote: the chair's record is the decision, and
        # nobody can have voted on it.
        if inputs["electorate"] or inputs["counted"]:
            problems.append("bij acclamatie besloten, maar er is een kiezerslijst of een stem")
        adopted = vote.get("acclamation_adopted")
    return Recomputed(
        weights=weights,
        members=members,
        codes={k: sorted(v) for k, v in codes.items()},
        in_base=in_base,
        base=base,
        adopted=adopted,
        winner=winner,
        runoff=runoff,
        runoff_ambiguous=ambiguous,
    )


# --- percentages -----------------------------------------------------------------------


# As the services write it: "100%", "0%" or two decimals with a comma, in
# ASCII digits (Fraction() would also read "٩٨" or "1e2").
_PERCENTAGE = re.compile(r"(100|0)%|([0-9]{1,3}),([0-9]{2})%")


def _parse_percentage(text: str) -> Fraction:
    found = _PERCENTAGE.fullmatch(text)
    if found is None:
        raise ValueError(text)
    whole, hundredths = (found[1], "00") if found[1] else (found[2], found[3])
    return Fraction(int(whole) * 100 + int(hundredths), 10_000)


def _met(share: Fraction, rule: tuple[Fraction, bool]) -> bool:
    threshold, inclusive = rule
    return share >= threshold if inclusive else share > threshold


def check_percentage(
    text: str | None, share: Fraction | None, rule: tuple[Fraction, bool] | None, label: str
) -> list[str]:
    """A shown percentage against the exact share: close, exact at 0 and 100%,
    and meeting ``rule`` (threshold, inclusive) exactly when the share does."""
    if share is None:
        return [] if text is None else [f"{label}: percentage {text} waar geen aandeel is"]
    if text is None:
        return [f"{label}: percentage ontbreekt"]
    try:
        shown = _parse_percentage(text)
    except (ValueError, ZeroDivisionError):
        return [f"{label}: percentage {text!r} is onleesbaar"]
    problems = []
    if abs(shown - share) >= Fraction(1, 10_000):
        problems.append(f"{label}: {text} wijkt meer dan 0,01% af van {share}")
    if (shown in (0, 1) or share in (0, 1)) and shown != share:
        problems.append(f"{label}: {text} terwijl het aandeel {share} is")
    if rule is not None and _met(shown, rule) != _met(share, rule):
        problems.append(f"{label}: {text} staat aan de verkeerde kant van de vereiste meerderheid")
    return problems
