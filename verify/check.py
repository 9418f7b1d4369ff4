"""Check an export: every vote recomputed, every hash recomputed, the chain followed.

Per vote, with the raw data (``inputs``):

* the inputs hash to ``inputs_hash``, the stored outcome to ``outcome_hash``,
  the link to ``hash``, and the link names the previous one;
* the counted presses belong to the frozen electorate, once per member, with a
  key that is an option (``recompute.py``);
* per option the weight and member count, the voters, the non-voters, the base
  and the decision equal the stored outcome; each shown percentage is right
  (``recompute.check_percentage``).

Without raw data (a secret vote in the public export) the stored totals are
checked against each other and the decision is recomputed from them. A named
vote in a public export made before its stemgedrag was published
(``"withheld": "stemgedrag"``) is checked the same way, and its outcome
carries no member codes, so ``outcome_hash`` waits for the published export.

Standard library only; nothing from ``services``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.recompute import Recomputed, cast_base, check_percentage, decide, recompute

FORMAT = "alv-stemsysteem/export"
VERSIONS = (1,)
HALF = (Fraction(1, 2), False)


class UnreadableExport(Exception):
    """Not an export this tool understands; nothing could be checked."""


def canonical(value: Any) -> bytes:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def sha256(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


@dataclass
class Verdict:
    vote_id: Any
    title: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        head = f"stemming {self.vote_id} '{self.title}'"
        if self.problems:
            return f"{head}: AFWIJKING: " + "; ".join(self.problems)
        return f"{head}: OK" + (f" ({'; '.join(self.notes)})" if self.notes else "")


@dataclass
class Report:
    meeting: str
    scope: str
    verdicts: list[Verdict]
    chain_problems: list[str]
    head: str | None
    expected_head: str | None = None

    @property
    def ok(self) -> bool:
        return not self.chain_problems and all(v.ok for v in self.verdicts)


def _differs(problems: list[str], what: str, stored: Any, computed: Any) -> None:
    if stored != computed:
        problems.append(f"{what}: opgeslagen {stored!r}, herberekend {computed!r}")


def _rule(outcome: dict[str, Any]) -> tuple[Fraction, bool]:
    majority = outcome["vote"]["majority"]
    return Fraction(majority["numerator"], majority["denominator"]), bool(majority["inclusive"])


def _check_shares(outcome: dict[str, Any], base: int, problems: list[str]) -> None:
    rule = _rule(outcome)
    for tally in outcome["tallies"]:
        share = Fraction(tally["weight"], base) if tally["in_base"] and base else None
        role_rule = {"for": rule, "choice": rule, "against": HALF}.get(tally["role"])
        problems.extend(check_percentage(tally["percentage"], share, role_rule, tally["label"]))


def _check_base(outcome: dict[str, Any], got: Recomputed, problems: list[str]) -> None:
    _differs(problems, "uitgebracht (basis)", outcome["base"]["weight"], got.base)
    _differs(
        problems,
        "opties in de basis",
        outcome["base"]["keys"],
        sorted(k for k, inside in got.in_base.items() if inside),
    )


def _check_decision(outcome: dict[str, Any], got: Recomputed, problems: list[str]) -> None:
    decision = outcome["decision"]
    _check_base(outcome, got, problems)
    _differs(problems, "aangenomen", decision["adopted"], got.adopted)
    _differs(problems, "gekozen", decision["winner"], got.winner)
    _differs(problems, "volgende ronde", decision["runoff"], got.runoff)
    _differs(
        problems, "volgende ronde onduidelijk", decision["runoff_ambiguous"], got.runoff_ambiguous
    )
    _check_shares(outcome, got.base, problems)


def _check_undecided(outcome: dict[str, Any], got: Recomputed, problems: list[str]) -> None:
    """An outcome stored as "uitslag niet te berekenen": counts, but no decision."""
    _check_base(outcome, got, problems)
    _differs(problems, "besluit", outcome["decision"], None)
    for tally in outcome["tallies"]:
        _differs(problems, f"{tally['label']}: percentage", tally["percentage"], None)


def _check_with_inputs(
    inputs: dict[str, Any], outcome: dict[str, Any], problems: list[str]
) -> None:
    vote = inputs["vote"]
    for name in ("id", "title", "kind", "named", "majority", "abstentions_cast"):
        _differs(problems, f"stemming.{name}", outcome["vote"][name], vote[name])
    undecided = outcome.get("not_computable") is not None
    got = recompute(inputs, problems, decided=not undecided)
    weights = {e["member"]: e["weight"] for e in inputs["electorate"]}
    voters = {p["member"] for p in inputs["counted"] if p["member"] in weights}
    non_voters = sorted(set(weights) - voters)
    _differs(
        problems,
        "kiezerslijst",
        outcome["electorate"],
        {"members": len(weights), "weight": sum(weights.values())},
    )
    _differs(
        problems,
        "gestemd",
        outcome["voted"],
        {"members": len(voters), "weight": sum(weights[c] for c in voters)},
    )
    stored_non = outcome["non_voters"]
    _differs(
        problems,
        "niet gestemd",
        {"members": stored_non["members"], "weight": stored_non["weight"]},
        {"members": len(non_voters), "weight": sum(weights[c] for c in non_voters)},
    )
    named = vote["named"]
    if named:
        _differs(problems, "niet gestemd (gemeenten)", stored_non["codes"], non_voters)
    stored_keys = sorted(t["key"] for t in outcome["tallies"])
    _differs(problems, "opties", stored_keys, sorted(got.weights))
    for tally in outcome["tallies"]:
        key, label = tally["key"], tally["label"]
        if key not in got.weights:
            continue
        _differs(problems, f"{label}: stemmen", tally["weight"], got.weights[key])
        _differs(problems, f"{label}: leden", tally["members"], got.members[key])
        if named:
            _differs(problems, f"{label}: gemeenten", tally["codes"], got.codes[key])
    if undecided:
        _check_undecided(outcome, got, problems)
    else:
        _check_decision(outcome, got, problems)


def _check_totals(outcome: dict[str, Any], problems: list[str]) -> None:
    """A secret vote without raw data: the stored numbers against each other."""
    tallies = outcome["tallies"]
    roles = {t["key"]: t["role"] for t in tallies}
    weights = {t["key"]: t["weight"] for t in tallies}
    voted = outcome["voted"]
    _differs(problems, "gestemd (stemmen)", voted["weight"], sum(weights.values()))
    _differs(problems, "gestemd (leden)", voted["members"], sum(t["members"] for t in tallies))
    non = outcome["non_voters"]
    _differs(
        problems,
        "kiezerslijst",
        outcome["electorate"],
        {
            "members": voted["members"] + non["members"],
            "weight": voted["weight"] + non["weight"],
        },
    )
    if outcome.get("not_computable") is not None:
        in_base, base = cast_base(
            roles, weights, abstentions_cast=outcome["vote"]["abstentions_cast"]
        )
        _check_undecided(outcome, Recomputed(weights, {}, {}, in_base, base), problems)
        return
    in_base, base, adopted, winner, runoff, ambiguous = decide(
        roles,
        weights,
        majority=outcome["vote"]["majority"],
        abstentions_cast=outcome["vote"]["abstentions_cast"],
    )
    for tally in tallies:
        _differs(
            problems, f"{tally['label']}: in de basis", tally["in_base"], in_base[tally["key"]]
        )
    if outcome["vote"].get("decided_by") == "acclamation":
        # Without the raw data only the chair's word is there: nothing cast.
        _differs(problems, "bij acclamatie: gestemd", voted, {"members": 0, "weight": 0})
        adopted = outcome["decision"]["adopted"]
    got = Recomputed(
        weights=weights,
        members={t["key"]: t["members"] for t in tallies},
        codes={},
        in_base=in_base,
        base=base,
        adopted=adopted,
        winner=winner,
        runoff=runoff,
        runoff_ambiguous=ambiguous,
    )
    _check_decision(outcome, got, problems)


def check_vote(entry: dict[str, Any], previous: str | None, sequence: int) -> Verdict:
    outcome = entry.get("outcome") or {}
    title = str((outcome.get("vote") or {}).get("title", "?"))
    verdict = Verdict(vote_id=entry.get("vote_id", "?"), title=title)
    problems = verdict.problems
    try:
        inputs = entry["inputs"]
        _differs(problems, "volgnummer", entry["sequence"], sequence)
        _differs(problems, "stemming (id in de uitslag)", outcome["vote"]["id"], entry["vote_id"])
        # Published later: the outcome without its member codes no longer hashes
        # to outcome_hash; its totals and its link are still checked.
        unpublished = entry.get("withheld") == "stemgedrag"
        if inputs is not None and sha256(inputs) != entry["inputs_hash"]:
            problems.append("de gegevens passen niet bij inputs_hash")
        if not unpublished and sha256(outcome) != entry["outcome_hash"]:
            problems.append("de opgeslagen uitslag past niet bij outcome_hash")
        if entry["previous_hash"] != previous:
            problems.append("previous_hash wijst niet naar de vorige schakel van de keten")
        link = {
            "inputs_hash": entry["inputs_hash"],
            "outcome_hash": entry["outcome_hash"],
            "previous_hash": entry["previous_hash"],
            "vote_id": entry["vote_id"],
        }
        if sha256(link) != entry["hash"]:
            problems.append("hash past niet bij de schakel")
        if unpublished:
            verdict.notes.append(
                "stemgedrag nog niet gepubliceerd: alleen de totalen en de schakel gecontroleerd"
            )
            _check_totals(outcome, problems)
        elif inputs is None:
            verdict.notes.append("geheime stemming: alleen de totalen gecontroleerd")
            _check_totals(outcome, problems)
        else:
            _check_with_inputs(inputs, outcome, problems)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        problems.append(f"onvolledig of onleesbaar ({type(exc).__name__}: {exc})")
    if isinstance(outcome, dict) and outcome.get("not_computable") is not None:
        # The export says so itself; the numbers above are checked all the same.
        verdict.notes.append(f"uitslag niet te berekenen: {outcome['not_computable']}")
    if entry.get("status") == "annulled":
        verdict.notes.append("nietig verklaard")
    return verdict


SHORT_HEAD = 16  # hex digits: the projector's short form; 64 bits cannot be forged


def normalise_head(text: str) -> str:
    """A head as typed: the full hash or at least its first 16 hex digits, with or
    without the spaces of the projector's short form (``5f0c 9a1b 77e2 04d3``)."""
    head = "".join(text.split()).lower()
    if not SHORT_HEAD <= len(head) <= 64 or any(c not in "0123456789abcdef" for c in head):
        raise ValueError(
            f"'{text}' is geen kop: dat zijn 64 hexadecimale tekens (of de eerste {SHORT_HEAD})"
        )
    return head


def _check_head(expected: str, links: list[str]) -> list[str]:
    """The chain must end in the head printed at the meeting."""
    if links and links[-1].startswith(expected):
        return []
    earlier = [n for n, link in enumerate(links, start=1) if link.startswith(expected)]
    if earlier:
        return [
            f"keten: de verwachte kop is schakel {earlier[0]} van {len(links)}, niet de laatste:"
            f" na de kop zijn {len(links) - earlier[0]} stemming(en) toegevoegd"
        ]
    return [
        "keten: de verwachte kop komt niet voor in deze export: stemmingen zijn gewijzigd,"
        " weggelaten of opnieuw gehasht"
    ]


def check_export(document: Any, *, expect_head: str | None = None) -> Report:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UnreadableExport(f"geen export van het ALV Stemsysteem (format {FORMAT!r})")
    if document.get("version") not in VERSIONS:
        raise UnreadableExport(f"onbekende versie {document.get('version')!r}")
    votes = document.get("votes")
    if not isinstance(votes, list):
        raise UnreadableExport("de export heeft geen lijst 'votes'")
    verdicts: list[Verdict] = []
    previous: str | None = None
    links: list[str] = []
    for index, entry in enumerate(votes, start=1):
        if not isinstance(entry, dict):
            verdicts.append(Verdict(vote_id="?", title="?", problems=["geen object"]))
            continue
        verdicts.append(check_vote(entry, previous, index))
        previous = entry.get("hash")
        links.append(str(previous))
    chain = document.get("chain") or {}
    chain_problems = []
    if chain.get("length") != len(votes):
        chain_problems.append(
            f"keten: lengte {chain.get('length')!r}, maar {len(votes)} stemmingen"
        )
    if chain.get("head") != previous:
        chain_problems.append("keten: de kop is niet de hash van de laatste stemming")
    if expect_head is not None:
        chain_problems.extend(_check_head(expect_head, links))
    return Report(
        meeting=str(document.get("meeting", "?")),
        scope=str(document.get("scope", "?")),
        verdicts=verdicts,
        chain_problems=chain_problems,
        head=chain.get("head"),
        expected_head=expect_head,
    )
