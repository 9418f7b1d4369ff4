"""The receipt check: a municipality looks up, with its own stemkaart, every
press recorded for it and which one counted.

``receipt_votes`` is pure; ``receipt`` asks registration whose valid card the
code is, and ballot for that member's presses, throttled per client
(``throttle.py``). No FastAPI here.

What it shows, per vote the municipality pressed in: every press stored for
it (time, handset, what ballot answered) and which press counted. For a
named vote also the choice; for a secret vote never, not even the key: a
stemkaart must not become proof of how a secret vote went. A code that is
wrong, forged, of another meeting or revoked sees nothing, and all get the
same answer (registration gives one).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence

from services.common.errors import TooManyAttempts
from services.common.http import ServiceClient, UpstreamProblem, url_path
from services.common.labels import PRESS_STATUSES, VOTE_KINDS
from services.results.schemas import BallotVote
from services.results.schemas_record import (
    BallotPress,
    ReceiptPress,
    ReceiptRead,
    ReceiptVote,
)
from services.results.service import fetch_votes, parse_ballot
from services.results.throttle import GuessThrottle


def _choice(vote: BallotVote, key: int) -> str:
    label = next((o.label for o in vote.options if o.key == key), None)
    return label or f"toets {key}"


def receipt_votes(votes: Sequence[BallotVote], presses: Sequence[BallotPress]) -> list[ReceiptVote]:
    """Per vote with presses of the member, in the order of the agenda."""
    by_vote: dict[int, list[BallotPress]] = defaultdict(list)
    for press in presses:
        if press.vote_id is not None:
            by_vote[press.vote_id].append(press)
    found = []
    for vote in sorted(votes, key=lambda v: (v.position, v.id)):
        pressed = sorted(by_vote.get(vote.id, []), key=lambda p: (p.stored_at, p.id))
        if not pressed:
            continue
        found.append(
            ReceiptVote(
                vote_id=vote.id,
                title=vote.title,
                kind=VOTE_KINDS.get(vote.kind, vote.kind),
                named=vote.named,
                status=vote.status,
                counted=any(p.counted for p in pressed),
                presses=[
                    ReceiptPress(
                        stored_at=p.stored_at,
                        handset=p.handset,
                        answer=PRESS_STATUSES.get(p.status, p.status),
                        counted=p.counted,
                        # The choice only where the stemgedrag is public by nature.
                        choice=_choice(vote, p.key) if vote.named else None,
                    )
                    for p in pressed
                ],
            )
        )
    return found


async def receipt(
    *,
    ballot: ServiceClient,
    registration: ServiceClient,
    throttle: GuessThrottle,
    client: str,
    meeting: str,
    card_code: str,
) -> ReceiptRead:
    wait = throttle.wait(client)
    if wait > datetime.timedelta(0):
        seconds = max(1, round(wait.total_seconds()))
        raise TooManyAttempts(
            f"Te veel onjuiste stemkaartcodes. Probeer het over {seconds} seconden opnieuw.",
            retry_after=seconds,
        )
    try:
        holder = await registration.request_json(
            "POST",
            url_path("/api/meetings/{}/cards/holder", meeting),
            json={"card_code": card_code},
        )
    except UpstreamProblem as exc:
        if exc.code == "card_not_valid":
            throttle.failed(client)
        raise
    throttle.succeeded(client)
    member = str(holder["member"])
    body = await ballot.get_json(url_path("/api/meetings/{}/members/{}/presses", meeting, member))
    presses = [parse_ballot(BallotPress, item) for item in body] if isinstance(body, list) else []
    votes = await fetch_votes(ballot, meeting)
    return ReceiptRead(
        meeting=meeting,
        member=member,
        name=str(holder["name"]),
        votes=receipt_votes(votes, presses),
    )
