"""The results logic: outcomes of closed votes, stored once in a hash chain.

No FastAPI here. Functions flush but never commit: the request owns the
transaction. Ballot is asked before the database is touched where the order
allows, so a slow ballot holds no lock of ours.

Decisions taken where the rules are silent:

* Outcomes are stored in the order the votes closed. Storing one stores every
  earlier decided vote of the meeting first, so the chain always runs in that
  order, whichever outcome happens to be asked for first.
* An annulled vote keeps its stored outcome (it is part of the record and of
  the chain) but is published without a decision, with the reason.
* A proefstemming is never computed, stored or listed.
* The running tally of an open vote is for the chair and the auditors only;
  the public gets 409 until the vote closes, unless the chair switched on the
  running tally on the projector screen (``CurrentRead.show_tally``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bounds import is_row_id
from services.common.errors import AlvError, UpstreamFailed
from services.common.http import ServiceClient, fitted, url_path
from services.results import metrics, repository
from services.results.compute import (
    canonical_json,
    chain_hash,
    compute,
    definition,
    inputs_hash,
    required_votes,
    sha256_hex,
)
from services.results.errors import ProefstemmingHasNoOutcome, VoteNotClosed, VoteNotFound
from services.results.models import ResultsMeeting, StoredOutcome, utcnow
from services.results.publication import (
    PublicationMode,
    PublicationState,
    outcome_without_stemgedrag,
)
from services.results.schemas import (
    Attendance,
    BallotOutcomeInputs,
    BallotProgress,
    BallotRecord,
    BallotVote,
    ChainLink,
    ComputedOutcome,
    Count,
    CurrentRead,
    OutcomeRead,
    ProgressRead,
)

Model = TypeVar("Model", bound=BaseModel)
DECIDED = ("closed", "annulled")


# --- reading ballot -----------------------------------------------------------------


def parse_ballot(model: type[Model], body: Any) -> Model:
    """``body``: JSON values, or the JSON text itself (bytes); UpstreamFailed
    (502) if it does not fit, before anything is stored."""
    return fitted(model, body, upstream="stemmingen", what="een antwoord dat niet klopt")


def vote_path(vote_id: int, tail: str = "") -> str:
    """Ballot's path for a vote; an id no vote can have goes no further than here."""
    if not is_row_id(vote_id):
        raise VoteNotFound(f"Stemming {vote_id} bestaat niet.")
    return url_path("/api/votes/{}", vote_id) + tail


async def fetch_vote(ballot: ServiceClient, vote_id: int) -> BallotVote:
    return parse_ballot(BallotVote, await ballot.get_json(vote_path(vote_id)))


async def fetch_votes(ballot: ServiceClient, meeting: str) -> list[BallotVote]:
    body = await ballot.get_json(url_path("/api/meetings/{}/votes", meeting))
    if not isinstance(body, list):
        raise UpstreamFailed("De stemmingen-dienst gaf geen lijst van stemmingen.")
    return [parse_ballot(BallotVote, item) for item in body]


async def fetch_record(ballot: ServiceClient, vote_id: int) -> BallotRecord:
    # Parsed from the bytes: a record of 100,000 electors is some 20 MB of JSON.
    return parse_ballot(BallotRecord, await ballot.get_bytes(vote_path(vote_id, "/record")))


async def fetch_outcome_inputs(
    ballot: ServiceClient, vote_id: int, *, live: bool
) -> tuple[BallotVote, BallotOutcomeInputs]:
    """The vote with its meeting's votes and (see BallotOutcomeInputs) its record."""
    body = await ballot.get_bytes(
        vote_path(vote_id, "/outcome-inputs"), params={"live": "true" if live else "false"}
    )
    inputs = parse_ballot(BallotOutcomeInputs, body)
    vote = next((v for v in inputs.votes if v.id == vote_id), None)
    if vote is None:
        raise UpstreamFailed("De stemmingen-dienst gaf de gevraagde stemming niet.")
    return vote, inputs


async def fetch_progress(ballot: ServiceClient, vote_id: int) -> BallotProgress:
    return parse_ballot(BallotProgress, await ballot.get_json(vote_path(vote_id, "/progress")))


def _close_order(votes: Iterable[BallotVote]) -> list[BallotVote]:
    """Closed and annulled votes that count, in the order they closed."""
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    decided = [v for v in votes if v.status in DECIDED]
    return sorted(decided, key=lambda v: (v.closed_at or epoch, v.position, v.id))


def _live(record: BallotRecord) -> ComputedOutcome:
    """The running tally of an open vote: computed on every ask, never stored."""
    computed = compute(record)
    metrics.count_live()
    return computed


# --- storing ------------------------------------------------------------------------


def _link(head: ResultsMeeting, record: BallotRecord) -> StoredOutcome:
    """The stored outcome of ``record``, appended to the meeting's chain."""
    outcome_json = canonical_json(compute(record).model_dump(mode="json"))
    inputs, outcome = inputs_hash(record), sha256_hex(outcome_json)
    link = chain_hash(
        vote_id=record.vote.id, inputs=inputs, outcome=outcome, previous=head.head_hash
    )
    row = StoredOutcome(
        vote_id=record.vote.id,
        meeting=head.code,
        sequence=head.length + 1,
        outcome_json=outcome_json,
        inputs_hash=inputs,
        outcome_hash=outcome,
        previous_hash=head.head_hash,
        hash=link,
        stored_at=utcnow(),
    )
    head.length += 1
    head.head_hash = link
    return row


async def store_decided(
    session: AsyncSession,
    *,
    ballot: ServiceClient,
    meeting: str,
    votes: list[BallotVote],
    known: BallotRecord | None = None,
) -> dict[int, StoredOutcome]:
    """Every decided vote of the meeting stored (idempotent); by vote id.
    ``known``: a record already fetched, not asked for again."""
    decided = [v for v in _close_order(votes) if not v.is_test]
    rows = {row.vote_id: row for row in await repository.stored_outcomes(session, meeting)}
    missing = [v for v in decided if v.id not in rows]
    if not missing:
        return rows
    records = [
        known if known is not None and known.vote.id == v.id else await fetch_record(ballot, v.id)
        for v in missing
    ]
    head = await repository.lock_meeting(session, meeting)
    if head.length != len(rows):
        # A concurrent request stored some meanwhile (outcomes are only ever
        # appended, under this lock): read them again under the lock.
        rows = {row.vote_id: row for row in await repository.stored_outcomes(session, meeting)}
    stored = 0
    for record in records:
        if record.vote.id in rows or record.vote.status not in DECIDED:
            continue
        row = _link(head, record)
        session.add(row)
        rows[row.vote_id] = row
        stored += 1
    await session.flush()
    if stored:
        metrics.count_stored(session, stored)
    return rows


# --- publishing ---------------------------------------------------------------------


async def publication(session: AsyncSession, meeting: str) -> PublicationState:
    """Whether the meeting's stemgedrag is public yet (``publication.py``)."""
    row = await repository.publication(session, meeting)
    if row is None:
        return PublicationState(meeting=meeting)
    return PublicationState(
        meeting=meeting,
        mode=cast(PublicationMode, row.mode),
        published_at=row.published_at,
        published_by=row.published_by,
    )


async def as_public(
    session: AsyncSession, meeting: str, outcomes: list[OutcomeRead]
) -> list[OutcomeRead]:
    """``outcomes`` as the public may see them now: no stemgedrag before publication."""
    if not any(o.vote.named for o in outcomes):
        return outcomes
    if (await publication(session, meeting)).stemgedrag_public:
        return outcomes
    return [outcome_without_stemgedrag(o) for o in outcomes]


def _read(
    computed: ComputedOutcome, vote: BallotVote, *, live: bool, link: ChainLink | None
) -> OutcomeRead:
    return OutcomeRead(
        vote=computed.vote,
        status=vote.status,
        live=live,
        annulled_reason=vote.annulled_reason,
        electorate=computed.electorate,
        voted=computed.voted,
        non_voters=computed.non_voters,
        tallies=computed.tallies,
        base=computed.base,
        required=computed.required,
        decision=None if vote.status == "annulled" else computed.decision,
        explanation=computed.explanation,
        record=link,
        required_votes=required_votes(computed),
        not_computable=computed.not_computable,
    )


def _read_stored(row: StoredOutcome, vote: BallotVote) -> OutcomeRead:
    computed = ComputedOutcome.model_validate_json(row.outcome_json)
    link = ChainLink(
        sequence=row.sequence,
        inputs_hash=row.inputs_hash,
        outcome_hash=row.outcome_hash,
        previous_hash=row.previous_hash,
        hash=row.hash,
        stored_at=row.stored_at,
    )
    return _read(computed, vote, live=False, link=link)


async def outcome(
    session: AsyncSession, *, ballot: ServiceClient, vote_id: int, live_allowed: bool
) -> OutcomeRead:
    """A stored outcome costs one question to ballot (is the vote annulled
    since?); the first read of a decided vote, or a running tally, one too."""
    row = await repository.stored_outcome(session, vote_id) if is_row_id(vote_id) else None
    if row is not None:
        return _read_stored(row, await fetch_vote(ballot, vote_id))
    vote, inputs = await fetch_outcome_inputs(ballot, vote_id, live=live_allowed)
    if vote.is_test:
        raise ProefstemmingHasNoOutcome(
            f"Stemming {vote.id} is een proefstemming: die telt nooit en heeft geen uitslag."
        )
    if vote.status == "prepared":
        raise VoteNotClosed(f"Stemming {vote.id} is nog niet geopend.")
    if vote.status == "open":
        if not live_allowed or inputs.record is None:
            raise VoteNotClosed(f"Stemming {vote.id} is nog open; de uitslag volgt na het sluiten.")
        return _read(_live(inputs.record), vote, live=True, link=None)
    rows = await store_decided(
        session, ballot=ballot, meeting=vote.meeting, votes=inputs.votes, known=inputs.record
    )
    return _read_stored(rows[vote.id], vote)


async def meeting_outcomes(
    session: AsyncSession, *, ballot: ServiceClient, meeting: str
) -> list[OutcomeRead]:
    """Every decided vote of the meeting that counts, in the order they closed."""
    votes = await fetch_votes(ballot, meeting)
    by_id = {v.id: v for v in votes}
    rows = await store_decided(session, ballot=ballot, meeting=meeting, votes=votes)
    ordered = sorted(rows.values(), key=lambda row: row.sequence)
    return [_read_stored(row, by_id[row.vote_id]) for row in ordered if row.vote_id in by_id]


async def _running_tally(ballot: ServiceClient, vote_id: int) -> OutcomeRead | None:
    """The running tally for the projector, when the chair switched it on."""
    record = await fetch_record(ballot, vote_id)
    if record.vote.status != "open":
        return None
    return _read(_live(record), record.vote, live=True, link=None)


def _progress(progress: BallotProgress, *, until: datetime.datetime) -> ProgressRead:
    opened = progress.opened_at
    return ProgressRead(
        electorate=Count(members=progress.electorate_members, weight=progress.electorate_weight),
        voted=Count(members=progress.voted_members, weight=progress.voted_weight),
        opened_at=opened,
        elapsed_seconds=max(0, int((until - opened).total_seconds())) if opened else 0,
    )


async def attendance(registration: ServiceClient, meeting: str) -> Attendance | None:
    """Who is present, for the screen before the first vote; None if registration
    cannot say (the screen then shows the rest, it does not fail)."""
    try:
        body = await registration.get_json(f"/api/meetings/{meeting}/presence")
        return Attendance(
            present=Count(members=body["present_members"], weight=body["present_weight"]),
            total=Count(members=body["total_members"], weight=body["total_weight"]),
        )
    except (AlvError, KeyError, TypeError, ValidationError):
        return None


async def current(
    session: AsyncSession, *, ballot: ServiceClient, registration: ServiceClient, meeting: str
) -> CurrentRead:
    """What the chair's screen shows: the open vote, else the latest decided one."""
    now = utcnow()
    votes = await fetch_votes(ballot, meeting)
    screen: dict[str, Any] = {"meeting": meeting, "server_time": now}
    open_vote = next((v for v in votes if v.status == "open"), None)
    if open_vote is not None:
        progress = await fetch_progress(ballot, open_vote.id)
        setting = await repository.screen_setting(session, meeting)
        show_tally = setting is not None and setting.show_tally and not open_vote.is_test
        tally = await _running_tally(ballot, open_vote.id) if show_tally else None
        return CurrentRead(
            **screen,
            state="open",
            vote=definition(open_vote),
            progress=_progress(progress, until=now),
            outcome=(await as_public(session, meeting, [tally]))[0] if tally else None,
            show_tally=show_tally,
        )
    decided = _close_order(votes)
    if not decided:
        return CurrentRead(
            **screen,
            state="idle",
            vote=None,
            progress=None,
            outcome=None,
            attendance=await attendance(registration, meeting),
        )
    latest = decided[-1]
    if latest.is_test:
        progress = await fetch_progress(ballot, latest.id)
        return CurrentRead(
            **screen,
            state="test",
            vote=definition(latest),
            progress=_progress(progress, until=latest.closed_at or now),
            outcome=None,
        )
    rows = await store_decided(session, ballot=ballot, meeting=meeting, votes=votes)
    (shown,) = await as_public(session, meeting, [_read_stored(rows[latest.id], latest)])
    return CurrentRead(
        **screen,
        state="annulled" if latest.status == "annulled" else "closed",
        vote=definition(latest),
        progress=None,
        outcome=shown,
    )
