"""The chair's controls: forwarding to ballot with the chair's own token, and
what the projector screen shows.

No FastAPI here. Results never acts on a vote with its own (auditor) token:
every open, close and annulment goes to ballot with the caller's Authorization
header, so ballot checks the chair's right itself and records it as the
chair's act. The browser reaches ballot through here because ballot serves no
CORS headers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.http import ServiceClient, url_path
from services.common.notify import notify_on_commit
from services.results import repository
from services.results.schemas import BallotElector, BallotVote
from services.results.schemas_record import ScreenRead
from services.results.screen import CHANNEL
from services.results.service import fetch_record, parse_ballot, vote_path

Action = str  # "open", "close", "acclaim", "annul", "runoff" or "again"


async def act(
    ballot: ServiceClient,
    *,
    vote_id: int,
    action: Action,
    credentials: dict[str, str],
    body: dict[str, Any] | None = None,
) -> BallotVote:
    answer = await ballot.request_json(
        "POST",
        vote_path(vote_id, f"/{action}"),
        json=body,
        headers=credentials,
    )
    return parse_ballot(BallotVote, answer)


async def votes(
    ballot: ServiceClient, *, meeting: str, credentials: dict[str, str]
) -> list[BallotVote]:
    body = await ballot.get_json(url_path("/api/meetings/{}/votes", meeting), headers=credentials)
    return [parse_ballot(BallotVote, item) for item in body] if isinstance(body, list) else []


async def not_voted(ballot: ServiceClient, *, vote_id: int) -> list[BallotElector]:
    """The frozen electorate minus the members with a counted press, by name."""
    record = await fetch_record(ballot, vote_id)
    voted = {p.member for p in record.counted}
    missing = [e for e in record.electorate if e.member not in voted]
    return sorted(missing, key=lambda e: (e.name, e.member))


async def screen(session: AsyncSession, meeting: str) -> ScreenRead:
    setting = await repository.screen_setting(session, meeting)
    if setting is None:
        return ScreenRead(meeting=meeting, show_tally=False, changed_at=None)
    return ScreenRead(meeting=meeting, show_tally=setting.show_tally, changed_at=setting.changed_at)


async def set_screen(session: AsyncSession, meeting: str, *, show_tally: bool) -> ScreenRead:
    setting = await repository.save_screen_setting(session, meeting, show_tally=show_tally)
    # The feeds of the other results processes (the caller pokes its own).
    notify_on_commit(session, CHANNEL, meeting)
    return ScreenRead(meeting=meeting, show_tally=setting.show_tally, changed_at=setting.changed_at)
