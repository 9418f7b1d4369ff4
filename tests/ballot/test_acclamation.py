"""Decisions bij acclamatie: recorded by the chair, held by the ballot service."""

from __future__ import annotations

import pytest

from tests.ballot.actions import act, new_vote, press, send
from tests.ballot.conftest import Services, seat

pytestmark = [pytest.mark.anyio, pytest.mark.db]


class TestAcclamation:
    async def test_a_prepared_proposal_is_adopted_without_a_vote(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, {"GM0363": "000363"})
        vote_id = await new_vote(services, meeting_code, kind="motie", title="Motie 7")
        response = await act(services, vote_id, "acclaim", adopted=True)
        assert response.status_code == 200, response.text
        vote = response.json()
        assert (vote["status"], vote["decided_by"], vote["acclamation_adopted"]) == (
            "closed",
            "acclamation",
            True,
        )
        assert vote["opened_at"] is None
        # The receivers never saw it: nothing opened, no late-press window.
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["NOPOLL"]

    async def test_rejected_bij_acclamatie(self, services: Services, meeting_code: str) -> None:
        vote_id = await new_vote(services, meeting_code)
        vote = (await act(services, vote_id, "acclaim", adopted=False)).json()
        assert (vote["decided_by"], vote["acclamation_adopted"]) == ("acclamation", False)

    async def test_an_opened_vote_cannot_be_acclaimed(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, {"GM0363": "000363"})
        vote_id = await new_vote(services, meeting_code)
        await act(services, vote_id, "open")
        response = await act(services, vote_id, "acclaim", adopted=True)
        assert response.status_code == 409
        assert response.json()["code"] == "wrong_vote_state"

    @pytest.mark.parametrize(
        "fields",
        [
            {"kind": "proefstemming", "title": "Test"},
            {
                "kind": "verkiezing",
                "title": "Vicevoorzitter",
                "options": [
                    {"key": 1, "label": "A", "role": "choice"},
                    {"key": 2, "label": "B", "role": "choice"},
                ],
            },
        ],
    )
    async def test_only_voor_tegen_items(
        self, services: Services, meeting_code: str, fields: dict[str, object]
    ) -> None:
        vote_id = await new_vote(services, meeting_code, **fields)
        response = await act(services, vote_id, "acclaim", adopted=True)
        assert response.status_code == 409
        vote = (await services.ballot.get(f"/api/votes/{vote_id}")).json()
        assert vote["status"] == "prepared"

    async def test_needs_the_chair(self, services: Services, meeting_code: str) -> None:
        vote_id = await new_vote(services, meeting_code)
        response = await services.ballot.post(
            f"/api/votes/{vote_id}/acclaim",
            json={"adopted": True},
            headers=services.auth("desk"),
        )
        assert response.status_code == 403
