"""What the commissie van stemopneming sees: everything, read-only.

No FastAPI here. Per vote: the frozen electorate, every press ballot received
(counted, replaced or refused, with times, receiver and signal), the stored or
running outcome and the computation step by step with member codes, and whether
ballot's record still hashes to what was stored. Per meeting: one timeline of
registration's audit log, ballot's vote lifecycle and the outcomes stored here.

Decisions taken where the issue was silent:

* The auditors see member codes of secret votes too: watching over a secret
  vote means being able to recount it (their export has them as well).
* A service that cannot be reached leaves its part out of the timeline with a
  note, instead of failing the whole timeline: the rest is still evidence.
* Ballot does not publish when a vote was annulled (nor created) yet; such an
  entry has no time and is placed right after the vote's close, with a note.
  ``BallotVoteTimes`` picks the times up once ballot publishes them.
"""

from __future__ import annotations

import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import AlvError, UpstreamFailed
from services.common.http import ServiceClient, url_path
from services.results import repository
from services.results.compute import full_explanation, inputs_hash
from services.results.schemas import BallotCounted, BallotElector, BallotVote, OutcomeRead
from services.results.schemas_record import (
    AuditPress,
    AuditVoteRead,
    BallotPress,
    BallotVoteTimes,
    PressVerdict,
    RegistrationAuditEntry,
    TimelineEntry,
    TimelineRead,
)
from services.results.service import (
    fetch_record,
    outcome,
    parse_ballot,
    store_decided,
    vote_path,
)

_EPOCH = datetime.datetime.min.replace(tzinfo=datetime.UTC)
PUBLICATION_ACTIONS = {
    "publication.mode_changed": "publicatie-instelling gewijzigd",
    "stemgedrag.published": "stemgedrag gepubliceerd",
}


def _verdict(press: BallotPress) -> PressVerdict:
    if press.status != "OK":
        return "geweigerd"
    return "geteld" if press.counted else "vervangen"


async def fetch_presses(ballot: ServiceClient, vote_id: int) -> list[BallotPress]:
    body = await ballot.get_json(vote_path(vote_id, "/presses"))
    if not isinstance(body, list):
        raise UpstreamFailed("De stemmingen-dienst gaf geen lijst van stemmen.")
    return [parse_ballot(BallotPress, item) for item in body]


async def audit_vote(
    session: AsyncSession, *, ballot: ServiceClient, vote_id: int
) -> AuditVoteRead:
    record = await fetch_record(ballot, vote_id)
    presses = await fetch_presses(ballot, vote_id)
    vote = record.vote
    result: OutcomeRead | None = None
    explanation: list[str] = []
    computed_hash: str | None = None
    verified: bool | None = None
    if not vote.is_test and vote.status != "prepared":
        result = await outcome(session, ballot=ballot, vote_id=vote_id, live_allowed=True)
        explanation = full_explanation(record)
        computed_hash = inputs_hash(record)
        row = await repository.stored_outcome(session, vote_id)
        verified = None if row is None else row.inputs_hash == computed_hash
    elif vote.is_test and vote.status != "prepared":
        # A proefstemming has no outcome, but the auditors see how it went.
        explanation = _test_summary(record.electorate, record.counted)
    counted = {p.member for p in record.counted}
    return AuditVoteRead(
        vote=vote,
        electorate=record.electorate,
        counted=record.counted,
        presses=[AuditPress(**p.model_dump(), verdict=_verdict(p)) for p in presses],
        not_voted=sorted(e.member for e in record.electorate if e.member not in counted),
        outcome=result,
        explanation=explanation,
        inputs_hash=computed_hash,
        inputs_verified=verified,
    )


def _test_summary(electorate: list[BallotElector], counted: list[BallotCounted]) -> list[str]:
    answered = {p.member for p in counted}
    present = len(electorate)
    return [
        "Proefstemming: telt nooit.",
        f"Aanwezig: {present} leden; een toets gedrukt: {len(answered)} leden.",
    ]


# The machine that stores each outcome (what its timeline line names).
RESULTS_ACTOR = "uitslagen-dienst"


# --- the timeline ------------------------------------------------------------------


def _vote_entries(vote: BallotVote, times: BallotVoteTimes) -> list[TimelineEntry]:
    details = {"title": vote.title, "kind": vote.kind, "position": vote.position}
    closed = "bij acclamatie besloten" if vote.decided_by == "acclamation" else "stemming gesloten"
    steps: list[tuple[str, datetime.datetime | None, str | None]] = [
        ("stemming aangemaakt", times.created_at, times.created_by),
        ("stemming geopend", times.opened_at, times.opened_by),
        (closed, times.closed_at, times.closed_by),
    ]
    if vote.status == "annulled":
        steps.append(("stemming nietig verklaard", times.annulled_at, times.annulled_by))
    entries = []
    for action, at, by in steps:
        if at is None and action != "stemming nietig verklaard":
            continue
        extra = {"reason": vote.annulled_reason} if action.endswith("verklaard") else {}
        entries.append(
            TimelineEntry(
                at=at,
                source="stemmingen",
                action=action,
                actor=by,
                vote_id=vote.id,
                details={**details, **extra},
            )
        )
    return entries


async def timeline(
    session: AsyncSession, *, ballot: ServiceClient, registration: ServiceClient, meeting: str
) -> TimelineRead:
    entries: list[tuple[datetime.datetime, int, TimelineEntry]] = []
    notes: list[str] = []
    try:
        body = await registration.get_json(url_path("/api/meetings/{}/audit", meeting))
        for item in body if isinstance(body, list) else []:
            audit = RegistrationAuditEntry.model_validate(item)
            entry = TimelineEntry(
                at=audit.at,
                source="registratie",
                action=audit.action,
                actor=audit.actor,
                member=audit.member_code,
                details=audit.details,
            )
            entries.append((audit.at, 0, entry))
    except AlvError as exc:
        notes.append(f"Registratie: {exc.detail}")
    except ValueError:
        notes.append("Registratie: het auditlog was niet te lezen.")

    body = await ballot.get_json(url_path("/api/meetings/{}/votes", meeting))
    items = body if isinstance(body, list) else []
    votes = [parse_ballot(BallotVote, item) for item in items]
    unknown_annulment = False
    for vote, item in zip(votes, items, strict=True):
        times = parse_ballot(BallotVoteTimes, item)
        for entry in _vote_entries(vote, times):
            if entry.at is None:
                unknown_annulment = True
            # Without its own time an annulment sorts right after its close.
            key = entry.at or times.closed_at or _EPOCH
            entries.append((key, 1 if entry.at else 2, entry))
    if unknown_annulment:
        notes.append(
            "De stemmingen-dienst geeft het tijdstip van nietigverklaring niet door;"
            " die regels staan direct na het sluiten van de stemming."
        )

    stored = await store_decided(session, ballot=ballot, meeting=meeting, votes=votes)
    for row in stored.values():
        entry = TimelineEntry(
            at=row.stored_at,
            source="uitslagen",
            action="uitslag vastgelegd",
            # Stored by the results service itself, on the first read after the close.
            actor=RESULTS_ACTOR,
            vote_id=row.vote_id,
            details={"sequence": row.sequence, "hash": row.hash},
        )
        entries.append((row.stored_at, 3, entry))
    for logged in await repository.publication_log(session, meeting):
        entry = TimelineEntry(
            at=logged.at,
            source="uitslagen",
            action=PUBLICATION_ACTIONS.get(logged.action, logged.action),
            actor=logged.actor,
            details=dict(logged.details),
        )
        entries.append((logged.at, 3, entry))
    entries.sort(key=lambda item: (item[0], item[1]))
    return TimelineRead(meeting=meeting, entries=[e for _, _, e in entries], notes=notes)
