"""From ballot's record of a vote to its published outcome, and the hashes.

Pure: values in, values out; the I/O is in ``service.py``. The decision itself
is ``decision.decide`` and the words are ``wording``; this module maps ballot's
record onto them and the result onto the API shape. A vote that cannot be
decided (a rule stored before ballot checked it, or any fault computing it)
gets an outcome that says so and why, with its tallies but no decision, so it
never holds up the other votes, the record or the screen.

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
import logging
from operator import itemgetter
from typing import Any, cast, get_args

from pydantic import TypeAdapter

from services.domain import decision
from services.domain.decision import (
    Base,
    MajorityRule,
    Outcome,
    UnfitOptions,
    base_words,
    check_options,
    decide,
    exact_number,
    explain,
    rule_words,
)
from services.results.schemas import (
    BallotCounted,
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

log = logging.getLogger(__name__)

_ROLES = decision.ROLE_NAMES
_ROLE_NAMES = {role: cast(OptionRole, name) for name, role in _ROLES.items()}
_HALF = MajorityRule.more_than_half()
# Counted presses as JSON values, all in one call (a million fields at 100,000).
_COUNTED_JSON = TypeAdapter(list[BallotCounted])
_BY_MEMBER = itemgetter("member")


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
        # An elector holds JSON values only (strings and an int), as validated.
        "electorate": sorted(record.electorate, key=_BY_MEMBER),
        "counted": sorted(_COUNTED_JSON.dump_python(record.counted, mode="json"), key=_BY_MEMBER),
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


class NotComputable(Exception):
    """Why the outcome of this vote cannot be computed (Dutch, shown as it is)."""


def _rule(vote: BallotVote) -> MajorityRule:
    terms = vote.majority
    try:
        return MajorityRule(terms.numerator, terms.denominator, terms.inclusive)
    except ValueError as exc:
        # Only a vote stored before ballot checked the rule can get here.
        words = rule_words(terms.numerator, terms.denominator, inclusive=terms.inclusive)
        raise NotComputable(f"'{words}' is geen meerderheid die het systeem kan beslissen") from exc


def _decide(record: BallotRecord) -> tuple[Outcome, MajorityRule, dict[str, str]]:
    """The decision on ``record``, its rule and its two sentences (by style)."""
    vote = record.vote
    if vote.kind not in get_args(Kind):
        raise NotComputable(f"voor een stemming van soort '{vote.kind}' is er geen uitslag")
    kind = cast(Kind, vote.kind)  # checked just above
    rule = _rule(vote)
    roles = [_ROLES[o.role] for o in vote.options]
    try:
        check_options(kind, roles)
        outcome = decide(
            electorate=[
                decision.Voter(e["member"], e["name"], e["weight"]) for e in record.electorate
            ],
            choices={p["member"]: p["key"] for p in record.counted},
            options=[
                decision.Option(o.key, o.label, role)
                for o, role in zip(vote.options, roles, strict=True)
            ],
            rule=rule,
            base=Base.CAST_INCLUDING_ABSTENTIONS
            if vote.abstentions_cast
            else Base.CAST_FOR_AGAINST,
        )
    except UnfitOptions as exc:
        raise NotComputable(str(exc)) from exc
    except ValueError as exc:
        # decide() refuses a record that contradicts itself (a counted press
        # of a member outside the electorate, a key that is no option).
        raise NotComputable(f"het verslag van de stemming klopt niet ({exc})") from exc
    # An election is written with its office: "... kiezen X als vicevoorzitter ...".
    office = vote.office if kind == "verkiezing" else None
    sentences = {
        style: outcome_sentence(outcome, kind=kind, style=style, subject=office)
        for style in ("2023", "2022")
    }
    return outcome, rule, sentences


def full_explanation(record: BallotRecord) -> list[str]:
    """The computation step by step with every member code, also of a secret
    vote: for the commissie van stemopneming only."""
    computed = compute(record)
    if computed.not_computable is not None or record.vote.decided_by == "acclamation":
        return computed.explanation
    return explain(_decide(record)[0])


def _acclaimed(record: BallotRecord) -> ComputedOutcome:
    """A decision bij acclamatie: nobody asked for a vote, so nothing was cast."""
    vote = record.vote
    if vote.kind not in get_args(Kind) or vote.acclamation_adopted is None:
        raise NotComputable("er is geen besluit bij acclamatie vastgelegd")
    if record.electorate or record.counted:
        raise NotComputable("bij acclamatie besloten, maar er zijn stemmen uitgebracht")
    kind = cast(Kind, vote.kind)  # checked just above
    adopted = vote.acclamation_adopted
    rule = _rule(vote)
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
    itself: read from its rule and base, so outcomes stored before stay as they
    are); None when nothing was cast or no decision could be computed."""
    if computed.not_computable is not None or computed.decision is None:
        return None
    terms = computed.vote.majority
    try:
        rule = MajorityRule(terms.numerator, terms.denominator, terms.inclusive)
    except ValueError:  # stored before the rules were checked: nothing to derive
        return None
    return votes_needed(rule, computed.base.weight)


def compute(record: BallotRecord) -> ComputedOutcome:
    """The outcome of a vote from its record; member codes only for a named vote.

    Never raises: an outcome that cannot be computed is an outcome that says
    why (``not_computable``), so one vote never stalls the rest of its meeting.
    """
    try:
        if record.vote.decided_by == "acclamation":
            return _acclaimed(record)
        return _computed(record)
    except NotComputable as exc:
        return _not_computable(record, str(exc))
    except Exception:  # a fault in our own code, too, stays with this one vote
        log.exception("results.outcome.compute_failed", extra={"vote_id": record.vote.id})
        return _not_computable(record, "de berekening liep op een fout (zie het logboek)")


def _not_computable(record: BallotRecord, reason: str) -> ComputedOutcome:
    """Only what is counted without a decision: who voted what, and why no decision."""
    vote = record.vote
    weights: dict[str, int] = {}
    for elector in record.electorate:
        weights.setdefault(elector["member"], elector["weight"])
    choices = {p["member"]: p["key"] for p in record.counted if p["member"] in weights}
    non_voters = sorted(code for code in weights if code not in choices)
    named = vote.named
    tallies = []
    for option in sorted(vote.options, key=lambda o: o.key):
        codes = sorted(code for code, key in choices.items() if key == option.key)
        tallies.append(
            TallyRead(
                key=option.key,
                label=option.label,
                role=option.role,
                weight=sum(weights[code] for code in codes),
                members=len(codes),
                in_base=option.role != "abstain" or vote.abstentions_cast,
                percentage=None,
                codes=codes if named else None,
            )
        )
    terms = vote.majority
    return ComputedOutcome(
        vote=definition(vote),
        electorate=Count(members=len(weights), weight=sum(weights.values())),
        voted=Count(members=len(choices), weight=sum(weights[code] for code in choices)),
        non_voters=NonVoters(
            members=len(non_voters),
            weight=sum(weights[code] for code in non_voters),
            codes=non_voters if named else None,
        ),
        tallies=tallies,
        base=BaseRead(
            description="niet berekend",
            weight=sum(t.weight for t in tallies if t.in_base),
            keys=[t.key for t in tallies if t.in_base],
        ),
        required=RequiredRead(
            description=rule_words(terms.numerator, terms.denominator, inclusive=terms.inclusive),
            weight="",
        ),
        decision=None,
        explanation=[f"Uitslag niet te berekenen: {reason}"],
        not_computable=reason,
    )


def _computed(record: BallotRecord) -> ComputedOutcome:
    vote = record.vote
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
            description=base_words(outcome),
            weight=outcome.base_weight,
            keys=list(outcome.base_keys),
        ),
        required=RequiredRead(
            description=rule.describe(),
            weight=f"{op} {exact_number(outcome.required)}" if outcome.base_weight else "",
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
