"""From ballot's record of a vote to its published outcome, and the hashes.

Pure: values in, values out; the I/O is in ``service.py``. The decision itself
is ``decision.decide`` and the words are ``wording``; this module maps ballot's
record onto them and the result onto the API shape.

Hashes are SHA-256 over canonical JSON (sorted keys, no spaces, UTF-8), so an
auditor can recompute every one of them from ballot's record with any JSON
library:

* ``inputs_hash``: the vote definition (without its status, which changes on
  annulment), the frozen electorate and the counted presses.
* ``outcome_hash``: the stored outcome JSON, byte for byte.
* ``hash``: ``{"inputs_hash", "outcome_hash", "previous_hash", "vote_id"}``;
  ``previous_hash`` is the ``hash`` of the meeting's previous stored outcome,
  so changing any earlier outcome breaks every later link.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from typing import Any, cast, get_args

from services.results import decision
from services.results.decision import Base, MajorityRule, Outcome, VoteKind, decide, explain
from services.results.errors import OutcomeNotComputable
from services.results.schemas import (
    BallotRecord,
    BallotVote,
    BaseRead,
    ComputedOutcome,
    Count,
    DecisionRead,
    NonVoters,
    OptionRole,
    RequiredRead,
    TallyRead,
    VoteDefinition,
)
from services.results.wording import (
    Kind,
    acclamation_sentence,
    format_percentage,
    outcome_sentence,
    votes_needed,
)

_ROLES: dict[OptionRole, decision.OptionRole] = {
    "for": decision.OptionRole.FOR,
    "against": decision.OptionRole.AGAINST,
    "abstain": decision.OptionRole.ABSTAIN,
    "choice": decision.OptionRole.CHOICE,
}
_ROLE_NAMES = {role: name for name, role in _ROLES.items()}
_HALF = MajorityRule.more_than_half()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def definition(vote: BallotVote) -> VoteDefinition:
    return VoteDefinition(
        id=vote.id,
        meeting=vote.meeting,
        position=vote.position,
        kind=vote.kind,
        title=vote.title,
        agenda_item=vote.agenda_item,
        office=vote.office,
        named=vote.named,
        majority=vote.majority,
        abstentions_cast=vote.abstentions_cast,
        opened_at=vote.opened_at,
        closed_at=vote.closed_at,
        decided_by=vote.decided_by,
    )


def hashed_inputs(record: BallotRecord) -> dict[str, Any]:
    """What ``inputs_hash`` covers, as JSON values; the export carries it as is."""
    vote = record.vote.model_dump(mode="json", exclude={"status", "annulled_reason"})
    if vote["office"] is None:
        # Added after outcomes were stored: a vote without one hashes as before.
        del vote["office"]
    return {
        "vote": vote,
        "electorate": sorted(
            (e.model_dump(mode="json") for e in record.electorate), key=lambda e: e["member"]
        ),
        "counted": sorted(
            (p.model_dump(mode="json") for p in record.counted), key=lambda p: p["member"]
        ),
    }


def inputs_hash(record: BallotRecord) -> str:
    return sha256_hex(canonical_json(hashed_inputs(record)))


def chain_hash(*, vote_id: int, inputs: str, outcome: str, previous: str | None) -> str:
    link = {
        "inputs_hash": inputs,
        "outcome_hash": outcome,
        "previous_hash": previous,
        "vote_id": vote_id,
    }
    return sha256_hex(canonical_json(link))


def _exact(value: Fraction) -> str:
    whole, rest = divmod(value.numerator, value.denominator)
    if rest == 0:
        return str(whole)
    return f"{whole} {rest}/{value.denominator}" if whole else f"{rest}/{value.denominator}"


def _base_description(outcome: Outcome) -> str:
    if outcome.kind is VoteKind.FOR_AGAINST:
        return outcome.base.value
    if outcome.base is Base.CAST_FOR_AGAINST:
        return "alle keuzes"
    return "alle keuzes + onthouding"


def _percentage(tally: decision.Tally, rule: MajorityRule) -> str | None:
    if tally.share is None:
        return None
    if tally.role in (decision.OptionRole.FOR, decision.OptionRole.CHOICE):
        return format_percentage(tally.share, rule=rule)
    if tally.role is decision.OptionRole.AGAINST:
        # Never show tegen at "50,00%" when it is just over or under half.
        return format_percentage(tally.share, rule=_HALF)
    return format_percentage(tally.share)


def _explanation(outcome: Outcome, *, named: bool) -> list[str]:
    lines = explain(outcome)
    if named or not outcome.non_voters:
        return lines
    # explain() names the non-voters; a secret vote publishes no member codes.
    listed = f" ({', '.join(outcome.non_voters)})"
    return [
        line.removesuffix(listed) if line.startswith("Niet gestemd") else line for line in lines
    ]


def _decide(record: BallotRecord) -> tuple[Outcome, MajorityRule, dict[str, str]]:
    """The decision on ``record``, its rule and its two sentences (by style)."""
    vote = record.vote
    if vote.kind not in get_args(Kind):
        raise OutcomeNotComputable(f"Voor een stemming van soort '{vote.kind}' is er geen uitslag.")
    kind = cast(Kind, vote.kind)  # checked just above
    try:
        rule = MajorityRule(
            vote.majority.numerator, vote.majority.denominator, vote.majority.inclusive
        )
        outcome = decide(
            electorate=[decision.Voter(e.member, e.name, e.weight) for e in record.electorate],
            choices={p.member: p.key for p in record.counted},
            options=[decision.Option(o.key, o.label, _ROLES[o.role]) for o in vote.options],
            rule=rule,
            base=Base.CAST_INCLUDING_ABSTENTIONS
            if vote.abstentions_cast
            else Base.CAST_FOR_AGAINST,
        )
        # An election is written with its office: "... kiezen X als vicevoorzitter ...".
        office = vote.office if kind == "verkiezing" else None
        sentences = {
            style: outcome_sentence(outcome, kind=kind, style=style, subject=office)
            for style in ("2023", "2022")
        }
    except ValueError as exc:
        # Ballot accepted options that fit neither voor/tegen nor a choice: a
        # setup error of this vote, to be shown, not a crash of the service.
        raise OutcomeNotComputable(
            f"De uitslag van stemming {vote.id} kan niet worden berekend: {exc}."
        ) from exc
    return outcome, rule, sentences


def full_explanation(record: BallotRecord) -> list[str]:
    """The computation step by step with every member code, also of a secret
    vote: for the commissie van stemopneming only."""
    if record.vote.decided_by == "acclamation":
        return _acclaimed(record).explanation
    return explain(_decide(record)[0])


def _acclaimed(record: BallotRecord) -> ComputedOutcome:
    """A decision bij acclamatie: nobody asked for a vote, so nothing was cast."""
    vote = record.vote
    if vote.kind not in get_args(Kind) or vote.acclamation_adopted is None:
        raise OutcomeNotComputable(f"Stemming {vote.id} heeft geen besluit bij acclamatie.")
    if record.electorate or record.counted:
        raise OutcomeNotComputable(
            f"Stemming {vote.id} is bij acclamatie besloten maar heeft stemmen."
        )
    kind = cast(Kind, vote.kind)  # checked just above
    adopted = vote.acclamation_adopted
    rule = MajorityRule(vote.majority.numerator, vote.majority.denominator, vote.majority.inclusive)
    in_base = {o.key: o.role != "abstain" or vote.abstentions_cast for o in vote.options}
    none = Count(members=0, weight=0)
    return ComputedOutcome(
        vote=definition(vote),
        electorate=none,
        voted=none,
        non_voters=NonVoters(members=0, weight=0, codes=[] if vote.named else None),
        tallies=[
            TallyRead(
                key=o.key,
                label=o.label,
                role=o.role,
                weight=0,
                members=0,
                in_base=in_base[o.key],
                percentage=None,
                codes=[] if vote.named else None,
            )
            for o in vote.options
        ],
        base=BaseRead(
            description="bij acclamatie", weight=0, keys=[k for k, b in in_base.items() if b]
        ),
        required=RequiredRead(description=rule.describe(), weight=""),
        decision=DecisionRead(
            adopted=adopted,
            winner=None,
            runoff=None,
            runoff_ambiguous=False,
            sentence_2023=acclamation_sentence(kind=kind, adopted=adopted, style="2023"),
            sentence_2022=acclamation_sentence(kind=kind, adopted=adopted, style="2022"),
        ),
        explanation=[
            "Besloten bij acclamatie: niemand in de zaal vroeg om een stemming.",
            "Aangenomen" if adopted else "Verworpen",
        ],
    )


def required_votes(computed: ComputedOutcome) -> int | None:
    """The fewest whole votes that met the rule of a stored outcome (not stored
    itself: read from its rule and base, so outcomes stored before stay as they are)."""
    majority = computed.vote.majority
    rule = MajorityRule(majority.numerator, majority.denominator, majority.inclusive)
    return votes_needed(rule, computed.base.weight)


def compute(record: BallotRecord) -> ComputedOutcome:
    """The outcome of a vote from its record; member codes only for a named vote."""
    vote = record.vote
    if vote.decided_by == "acclamation":
        return _acclaimed(record)
    outcome, rule, sentences = _decide(record)
    named = vote.named
    op = "ten minste" if rule.inclusive else "meer dan"
    return ComputedOutcome(
        vote=definition(vote),
        electorate=Count(members=outcome.electorate_members, weight=outcome.electorate_weight),
        voted=Count(members=outcome.voted_members, weight=outcome.voted_weight),
        non_voters=NonVoters(
            members=outcome.non_voters_count,
            weight=outcome.non_voters_weight,
            codes=list(outcome.non_voters) if named else None,
        ),
        tallies=[
            TallyRead(
                key=t.key,
                label=t.label,
                role=_ROLE_NAMES[t.role],
                weight=t.weight,
                members=t.members,
                in_base=t.in_base,
                percentage=_percentage(t, rule),
                codes=list(t.codes) if named else None,
            )
            for t in outcome.tallies
        ],
        base=BaseRead(
            description=_base_description(outcome),
            weight=outcome.base_weight,
            keys=list(outcome.base_keys),
        ),
        required=RequiredRead(
            description=rule.describe(),
            weight=f"{op} {_exact(outcome.required)}" if outcome.base_weight else "",
        ),
        decision=DecisionRead(
            adopted=outcome.adopted,
            winner=outcome.winner,
            runoff=list(outcome.runoff) if outcome.runoff else None,
            runoff_ambiguous=outcome.runoff_ambiguous,
            sentence_2023=sentences["2023"],
            sentence_2022=sentences["2022"],
        ),
        explanation=_explanation(outcome, named=named),
    )
