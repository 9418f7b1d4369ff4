"""What ballot sends, results takes only within the bounds ballot and
registration keep (common/bounds.py); anything else is ballot's fault: a 502
problem, and no outcome stored.

Before, a weight of 0 or 76, a key of 10 or a member code no column holds was
computed into an outcome and chained for good (or, for a meeting code longer
than results' column, refused by PostgreSQL: a 503).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from services.common.database import Database
from services.results.app import create_app as create_results
from services.results.models import StoredOutcome
from tests.results.conftest import Services, results_settings, run_vote, seat
from tests.support.apps import assert_problem, serve_in_process
from tests.support.peers import Tampered, changed

pytestmark = [pytest.mark.anyio, pytest.mark.db]

UNFIT_INPUTS = [
    ("record.electorate.0.weight", 0),
    ("record.electorate.0.weight", 76),
    ("record.electorate.0.weight", "75"),
    ("record.electorate.0.member", "GM03630"),
    ("record.electorate.0.handset", "0003630"),
    ("record.electorate.0.name", "x" * 201),
    ("record.counted.0.key", 10),
    ("record.counted.0.seq", 65536),
    ("record.counted.0.member", "gm0363"),
    ("votes.0.meeting", "x" * 40),
]


async def stored_outcomes(database: Database, vote_id: int) -> int:
    async with database.sessionmaker() as session:
        found = await session.scalars(
            select(StoredOutcome.id).where(StoredOutcome.vote_id == vote_id)
        )
        return len(found.all())


@pytest.mark.parametrize(("path", "value"), UNFIT_INPUTS)
async def test_out_of_bounds_stores_no_outcome(
    services: Services,
    database_urls: dict[str, str],
    tokens: SecretStr,
    meeting_code: str,
    path: str,
    value: Any,
) -> None:
    await seat(services, meeting_code)
    vote_id = await run_vote(services, meeting_code)
    line = Tampered(httpx.ASGITransport(app=services.ballot_app))
    line.rewrites["/outcome-inputs"] = changed(path, value)
    app = create_results(results_settings(database_urls, tokens), ballot_transport=line)
    async with serve_in_process(app) as results:
        response = await results.get(f"/api/votes/{vote_id}/outcome")
        assert_problem(response, 502, "upstream_failed")
        assert response.json()["upstream"] == "stemmingen"
        assert await stored_outcomes(app.state.database, vote_id) == 0
        # Ballot fixed: the outcome is the one ballot's record gives.
        del line.rewrites["/outcome-inputs"]
        fixed = await results.get(f"/api/votes/{vote_id}/outcome")
        assert fixed.status_code == 200, fixed.text
    assert fixed.json() == (await services.results.get(f"/api/votes/{vote_id}/outcome")).json()
