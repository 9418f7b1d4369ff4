"""The published record as data: the export (JSON, CSV) and the stemgedrag.

Pure: stored outcomes and ballot's records in, documents out; the I/O is in
``publish.py``. The JSON format is documented in ``verify/README.md``; ``alv
verify`` checks an export with code of its own.

Decisions taken where the issue was silent:

* Two scopes. The **auditor** export carries, for every vote, exactly what
  ``inputs_hash`` covers (the definition, the frozen electorate, the counted
  presses with member codes), so every outcome and every hash can be
  recomputed. The **public** export carries the same for named votes (their
  stemgedrag is public anyway) but, for a secret vote, only the stored outcome
  (totals) and the chain fields: its totals and decision can be checked
  against each other and its link in the chain, not who voted what.
* The stemgedrag of a named vote is public once the secretariat published it
  (or at once, when the meeting is set so; ``publication.py``). Before that
  the public export treats a named vote like a secret one (``inputs: null``)
  and also strips the member codes from its stored outcome, marked
  ``"withheld": "stemgedrag"``: its ``outcome_hash`` can then be checked only
  after publication, the totals and the chain links at once.
* Per municipality the stemgedrag comes from ballot's record now; it says
  whether that record still hashes to the ``inputs_hash`` stored when the
  outcome was computed (``inputs_verified``).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Sequence
from typing import Any, Literal

from services.results.compute import hashed_inputs, inputs_hash, required_votes
from services.results.models import StoredOutcome
from services.results.publication import outcome_json_without_stemgedrag
from services.results.schemas import BallotRecord, ComputedOutcome, Count
from services.results.schemas_record import MemberChoice, OptionTotal, StemgedragVote

EXPORT_FORMAT = "alv-stemsysteem/export"
EXPORT_VERSION = 1
NOT_VOTED = "niet gestemd"
Scope = Literal["public", "auditor"]

Decided = tuple[StoredOutcome, BallotRecord]

HASHING = {
    "algorithm": "sha256, hexadecimal",
    "canonical_json": "keys sorted, separators ',' and ':', no whitespace, UTF-8,"
    " non-ASCII characters unescaped",
    "inputs_hash": "sha256(canonical(inputs))",
    "outcome_hash": "sha256(canonical(outcome))",
    "hash": "sha256(canonical({inputs_hash, outcome_hash, previous_hash, vote_id}))",
    "previous_hash": "hash of the previous vote in sequence; null for the first",
}


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def export_vote(
    row: StoredOutcome, record: BallotRecord, *, scope: Scope, stemgedrag_public: bool = True
) -> dict[str, Any]:
    public = scope == "public"
    unpublished = public and record.vote.named and not stemgedrag_public
    # Who voted what: never public for a secret vote, for a named one once published.
    withheld = public and (unpublished or not record.vote.named)
    outcome = json.loads(row.outcome_json)
    return {
        "sequence": row.sequence,
        "vote_id": row.vote_id,
        "status": record.vote.status,
        "annulled_reason": record.vote.annulled_reason,
        "inputs": None if withheld else hashed_inputs(record),
        "outcome": outcome_json_without_stemgedrag(outcome) if unpublished else outcome,
        "withheld": "stemgedrag" if unpublished else None,
        "inputs_hash": row.inputs_hash,
        "outcome_hash": row.outcome_hash,
        "previous_hash": row.previous_hash,
        "hash": row.hash,
        "stored_at": _iso(row.stored_at),
    }


def export_document(
    meeting: str,
    decided: Sequence[Decided],
    *,
    scope: Scope,
    exported_at: datetime.datetime,
    stemgedrag_public: bool = True,
) -> dict[str, Any]:
    """The whole meeting: every stored outcome in chain order, with its raw data."""
    ordered = sorted(decided, key=lambda pair: pair[0].sequence)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "scope": scope,
        "meeting": meeting,
        "exported_at": _iso(exported_at),
        "stemgedrag_published": stemgedrag_public,
        "hashing": HASHING,
        "chain": {
            "length": len(ordered),
            "head": ordered[-1][0].hash if ordered else None,
        },
        "votes": [
            export_vote(row, record, scope=scope, stemgedrag_public=stemgedrag_public)
            for row, record in ordered
        ],
    }


def stemgedrag_vote(
    row: StoredOutcome, record: BallotRecord, *, stemgedrag_public: bool = True
) -> StemgedragVote:
    computed = ComputedOutcome.model_validate_json(row.outcome_json)
    vote = record.vote
    members = None
    if vote.named and stemgedrag_public:
        labels = {o.key: o.label for o in vote.options}
        choices = {p["member"]: p["key"] for p in record.counted}
        members = [
            MemberChoice(
                member=e["member"],
                name=e["name"],
                weight=e["weight"],
                key=choices.get(e["member"]),
                choice=labels.get(choices[e["member"]], "?")
                if e["member"] in choices
                else NOT_VOTED,
            )
            for e in sorted(record.electorate, key=lambda e: (e["name"], e["member"]))
        ]
    annulled = vote.status == "annulled"
    return StemgedragVote(
        sequence=row.sequence,
        vote=computed.vote,
        status=vote.status,
        annulled_reason=vote.annulled_reason,
        sentence=None if annulled or computed.decision is None else computed.decision.sentence_2023,
        decision=None if annulled else computed.decision,
        not_computable=computed.not_computable,
        totals=[
            OptionTotal(
                key=t.key,
                label=t.label,
                role=t.role,
                weight=t.weight,
                members=t.members,
                percentage=t.percentage,
            )
            for t in computed.tallies
        ],
        base=computed.base,
        required=computed.required,
        electorate=computed.electorate,
        non_voters=Count(members=computed.non_voters.members, weight=computed.non_voters.weight),
        members=members,
        stemgedrag_withheld=vote.named and not stemgedrag_public,
        inputs_verified=inputs_hash(record) == row.inputs_hash,
        required_votes=required_votes(computed),
        opened_at=vote.opened_at,
        closed_at=vote.closed_at,
        amends_vote_id=vote.amends_vote_id,
        part_of_vote_id=vote.part_of_vote_id,
        follows_vote_id=vote.follows_vote_id,
        hash=row.hash,
    )


CSV_COLUMNS = [
    "volgnummer",
    "stemming",
    "agendapunt",
    "titel",
    "soort",
    "hoofdelijk",
    "status",
    "besluit",
    "regel",
    "gemeente_code",
    "gemeente",
    "stemmen",
    "toets",
    "keuze",
    "leden",
    "percentage",
]


def _decision_text(entry: StemgedragVote) -> str:
    if entry.status == "annulled":
        return f"nietig verklaard: {entry.annulled_reason or ''}".strip()
    if entry.not_computable is not None:
        return f"uitslag niet te berekenen: {entry.not_computable}"
    return entry.sentence or ""


def export_csv(entries: Sequence[StemgedragVote]) -> str:
    """One row per option total (``regel=totaal``) and, for a named vote, one
    per municipality (``regel=lid``); RFC 4180, UTF-8, comma-separated."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in entries:
        common = {
            "volgnummer": entry.sequence,
            "stemming": entry.vote.id,
            "agendapunt": entry.vote.agenda_item or "",
            "titel": entry.vote.title,
            "soort": entry.vote.kind,
            "hoofdelijk": "ja" if entry.vote.named else "nee",
            "status": entry.status,
            "besluit": _decision_text(entry),
        }
        for total in entry.totals:
            writer.writerow(
                {
                    **common,
                    "regel": "totaal",
                    "stemmen": total.weight,
                    "toets": total.key,
                    "keuze": total.label,
                    "leden": total.members,
                    "percentage": total.percentage or "",
                }
            )
        writer.writerow(
            {
                **common,
                "regel": "totaal",
                "stemmen": entry.non_voters.weight,
                "keuze": NOT_VOTED,
                "leden": entry.non_voters.members,
            }
        )
        for member in entry.members or []:
            writer.writerow(
                {
                    **common,
                    "regel": "lid",
                    "gemeente_code": member.member,
                    "gemeente": member.name,
                    "stemmen": member.weight,
                    "toets": "" if member.key is None else member.key,
                    "keuze": member.choice,
                }
            )
    return out.getvalue()
