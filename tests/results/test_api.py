"""The results API: outcomes computed from ballot's record, stored in a chain."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from services.common.database import Database
from services.results.app import create_app as create_results
from services.results.compute import chain_hash, hashed_inputs, inputs_hash, sha256_hex
from services.results.config import ResultsSettings
from services.results.models import StoredOutcome
from services.results.schemas import BallotRecord
from tests.conftest import unique_meeting_code
from tests.results.conftest import (
    Services,
    act,
    cast,
    linked_services,
    new_vote,
    publish,
    results_settings,
    run_vote,
    seat,
)
from tests.support.apps import serve_in_process

pytestmark = [pytest.mark.anyio, pytest.mark.db]


async def outcome(services: Services, vote_id: int, **kwargs: Any) -> httpx.Response:
    return await services.results.get(f"/api/votes/{vote_id}/outcome", **kwargs)


async def stored_json(app: FastAPI, vote_id: int) -> str:
    database: Database = app.state.database
    async with database.sessionmaker() as session:
        rows = (
            await session.scalars(select(StoredOutcome).where(StoredOutcome.vote_id == vote_id))
        ).all()
    assert len(rows) == 1
    return rows[0].outcome_json


class TestHandComputedExample:
    """Amsterdam (75) voor, Schiermonnikoog (1) tegen, Utrecht (75) onthouding,
    Groningen (75) present without voting; base voor + tegen = 76."""

    async def test_adopted_with_98_68_percent(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        await publish(services, meeting_code)  # the member codes are public from now on
        response = await outcome(services, vote_id)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["live"], body["annulled_reason"]) == ("closed", False, None)
        assert body["vote"]["title"] == "Voorstel 1"
        tallies = {t["label"]: t for t in body["tallies"]}
        assert (tallies["voor"]["weight"], tallies["voor"]["percentage"]) == (75, "98,68%")
        assert (tallies["tegen"]["weight"], tallies["tegen"]["percentage"]) == (1, "1,32%")
        assert tallies["onthouding"]["weight"] == 75
        assert (tallies["onthouding"]["in_base"], tallies["onthouding"]["percentage"]) == (
            False,
            None,
        )
        assert tallies["voor"]["codes"] == ["GM0363"]
        assert body["electorate"] == {"members": 4, "weight": 226}
        assert body["voted"] == {"members": 3, "weight": 151}
        assert body["non_voters"] == {"members": 1, "weight": 75, "codes": ["GM0014"]}
        assert body["base"] == {"description": "voor + tegen", "weight": 76, "keys": [1, 2]}
        assert body["required"] == {"description": "meer dan de helft", "weight": "meer dan 38"}
        decision = body["decision"]
        assert decision["adopted"] is True
        assert decision["sentence_2023"] == "het voorstel is aangenomen met 98,68% van de stemmen"
        assert (
            decision["sentence_2022"]
            == "het voorstel wordt aangenomen met een meerderheid van 98,68%"
        )
        assert "voor: 75 > 38: aangenomen" in body["explanation"]

    async def test_abstentions_cast_changes_the_base(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code, abstentions_cast=True)
        body = (await outcome(services, vote_id)).json()
        assert body["base"]["description"] == "voor + tegen + onthouding"
        assert body["base"]["weight"] == 151
        # 75 of 151 is not more than half.
        assert body["decision"]["adopted"] is False
        assert (
            body["decision"]["sentence_2023"]
            == "het voorstel is verworpen met 49,67% van de stemmen"
        )


class TestStorage:
    async def test_stable_across_reads_and_a_fresh_app(
        self,
        services: Services,
        meeting_code: str,
        database_urls: dict[str, str],
        tokens: SecretStr,
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        first = (await outcome(services, vote_id)).json()
        stored = await stored_json(services.results_app, vote_id)
        assert (await outcome(services, vote_id)).json() == first
        fresh = create_results(
            results_settings(database_urls, tokens),
            ballot_transport=httpx.ASGITransport(app=services.ballot_app),
        )
        async with serve_in_process(fresh) as results:
            again = (await results.get(f"/api/votes/{vote_id}/outcome")).json()
            assert await stored_json(fresh, vote_id) == stored
        assert again == first
        assert first["record"]["outcome_hash"] == sha256_hex(stored)

    async def test_hashes_can_be_recomputed_from_the_record(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        record = (await outcome(services, vote_id)).json()["record"]
        ballot_record = await services.ballot.get(
            f"/api/votes/{vote_id}/record", headers=services.auth("auditor")
        )
        inputs = inputs_hash(BallotRecord.model_validate(ballot_record.json()))
        assert record["inputs_hash"] == inputs
        assert record["hash"] == chain_hash(
            vote_id=vote_id,
            inputs=inputs,
            outcome=record["outcome_hash"],
            previous=record["previous_hash"],
        )

    async def test_chain_links_to_the_previous_result(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        first = await run_vote(services, meeting_code)
        test = await run_vote(services, meeting_code, kind="proefstemming", title="Proef")
        second = await run_vote(services, meeting_code, {"000363": 2}, kind="motie", title="M")
        # Asking for the later one first still chains in the order of closing.
        later = (await outcome(services, second)).json()["record"]
        earlier = (await outcome(services, first)).json()["record"]
        assert (earlier["sequence"], earlier["previous_hash"]) == (1, None)
        assert (later["sequence"], later["previous_hash"]) == (2, earlier["hash"])
        listed = (await services.results.get(f"/api/meetings/{meeting_code}/outcomes")).json()
        assert [o["vote"]["id"] for o in listed] == [first, second]
        assert test not in [o["vote"]["id"] for o in listed]
        assert (
            listed[1]["decision"]["sentence_2023"] == "de motie is verworpen met 0% van de stemmen"
        )

    async def test_concurrent_first_reads_store_once(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        responses = await asyncio.gather(*(outcome(services, vote_id) for _ in range(6)))
        assert {r.status_code for r in responses} == {200}
        assert len({r.json()["record"]["hash"] for r in responses}) == 1
        await stored_json(services.results_app, vote_id)  # exactly one row

    async def test_open_vote_is_live_and_not_stored(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code, {"000363": 1}, close=False)
        public = await outcome(services, vote_id)
        assert public.status_code == 409
        assert public.json()["code"] == "vote_not_closed"
        live = (await outcome(services, vote_id, headers=services.auth("chair"))).json()
        assert (live["status"], live["live"], live["record"]) == ("open", True, None)
        assert live["voted"] == {"members": 1, "weight": 75}
        await cast(services, meeting_code, {"000088": 2}, seq=vote_id)
        await act(services, vote_id, "close")
        closed = (await outcome(services, vote_id)).json()
        assert closed["voted"] == {"members": 2, "weight": 76}
        assert closed["record"]["sequence"] == 1


class TestVisibility:
    async def test_secret_vote_hides_member_codes(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code, named=False)
        response = await outcome(services, vote_id)
        assert "GM0" not in response.text
        body = response.json()
        assert body["non_voters"] == {"members": 1, "weight": 75, "codes": None}
        assert all(t["codes"] is None for t in body["tallies"])
        assert "GM0" not in await stored_json(services.results_app, vote_id)

    async def test_proefstemming_has_no_outcome(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code, {"000363": 7}, kind="proefstemming")
        response = await outcome(services, vote_id)
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "test_vote"
        assert "proefstemming" in response.json()["detail"]
        listed = await services.results.get(f"/api/meetings/{meeting_code}/outcomes")
        assert listed.json() == []

    async def test_annulled_vote_decides_nothing(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        await act(services, vote_id, "annul", reason="storing in zaal B")
        body = (await outcome(services, vote_id)).json()
        assert (body["status"], body["annulled_reason"]) == ("annulled", "storing in zaal B")
        assert body["decision"] is None
        current = (await services.results.get(f"/api/meetings/{meeting_code}/current")).json()
        assert current["state"] == "annulled"
        listed = (await services.results.get(f"/api/meetings/{meeting_code}/outcomes")).json()
        assert [o["status"] for o in listed] == ["annulled"]

    async def test_prepared_and_unknown_votes(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code)
        prepared = await outcome(services, vote_id)
        assert (prepared.status_code, prepared.json()["code"]) == (409, "vote_not_closed")
        unknown = await outcome(services, 999_999)
        assert (unknown.status_code, unknown.json()["code"]) == (404, "vote_not_found")


class TestAcclamation:
    async def test_appears_in_the_record_of_decisions(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        voted = await run_vote(services, meeting_code)
        acclaimed = await new_vote(services, meeting_code, kind="motie", title="Motie Z")
        await act(services, acclaimed, "acclaim", adopted=True)
        outcomes = (await services.results.get(f"/api/meetings/{meeting_code}/outcomes")).json()
        assert [o["vote"]["id"] for o in outcomes] == [voted, acclaimed]
        outcome = outcomes[1]
        assert outcome["vote"]["decided_by"] == "acclamation"
        assert outcome["decision"]["adopted"] is True
        assert outcome["decision"]["sentence_2023"] == "de motie is bij acclamatie aangenomen"
        assert outcome["voted"] == {"members": 0, "weight": 0}
        assert outcome["base"]["description"] == "bij acclamatie"
        # It is a link of the chain like any other decision.
        assert outcome["record"]["previous_hash"] == outcomes[0]["record"]["hash"]
        current = (await services.results.get(f"/api/meetings/{meeting_code}/current")).json()
        assert (current["state"], current["vote"]["id"]) == ("closed", acclaimed)


class TestChoiceVote:
    async def test_ordevoorstel_with_a_winner(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code)
        options = [
            {"key": 1, "label": "optie 1", "role": "choice"},
            {"key": 2, "label": "optie 2", "role": "choice"},
            {"key": 3, "label": "onthouding", "role": "abstain"},
        ]
        vote_id = await run_vote(
            services,
            meeting_code,
            {"000363": 2, "000088": 1, "000344": 2},
            kind="ordevoorstel",
            title="Ordevoorstel",
            options=options,
        )
        body = (await outcome(services, vote_id)).json()
        assert body["base"]["description"] == "alle keuzes"
        assert body["decision"]["winner"] == 2
        assert body["decision"]["sentence_2023"] == (
            "de leden kiezen voor optie 2 van het ordevoorstel"
            " met een meerderheid van 99,34% van de stemmen"
        )

    async def test_an_election_names_the_office_it_fills(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        candidates = [
            {"key": 1, "label": "Mark Boumans", "role": "choice"},
            {"key": 2, "label": "Jan Jansen", "role": "choice"},
        ]
        vote_id = await run_vote(
            services,
            meeting_code,
            {"000363": 1, "000088": 2, "000344": 1},
            kind="verkiezing",
            title="Verkiezing vicevoorzitter",
            office="vicevoorzitter",
            options=candidates,
        )
        body = (await outcome(services, vote_id)).json()
        assert body["vote"]["office"] == "vicevoorzitter"
        assert body["decision"]["sentence_2023"] == (
            "de leden kiezen Mark Boumans als vicevoorzitter met 99,34% van de stemmen"
        )
        record = await services.ballot.get(
            f"/api/votes/{vote_id}/record", headers=services.auth("auditor")
        )
        hashed = hashed_inputs(BallotRecord.model_validate(record.json()))
        assert hashed["vote"]["office"] == "vicevoorzitter"

    async def test_a_vote_without_an_office_hashes_as_before_there_were_offices(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        record = await services.ballot.get(
            f"/api/votes/{vote_id}/record", headers=services.auth("auditor")
        )
        assert "office" not in hashed_inputs(BallotRecord.model_validate(record.json()))["vote"]


class TestCurrent:
    async def test_idle_open_closed(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code)
        url = f"/api/meetings/{meeting_code}/current"
        idle = (await services.results.get(url)).json()
        assert idle["state"] == "idle"
        assert idle["attendance"] == {
            "present": {"members": 4, "weight": 226},
            "total": {"members": 4, "weight": 226},
        }
        vote_id = await run_vote(services, meeting_code, {"000363": 1, "000088": 2}, close=False)
        current = (await services.results.get(url)).json()
        assert (current["state"], current["vote"]["id"], current["outcome"]) == (
            "open",
            vote_id,
            None,
        )
        progress = current["progress"]
        assert progress["electorate"] == {"members": 4, "weight": 226}
        assert progress["voted"] == {"members": 2, "weight": 76}
        assert progress["elapsed_seconds"] >= 0
        await act(services, vote_id, "close")
        current = (await services.results.get(url)).json()
        assert current["state"] == "closed"
        assert current["outcome"]["decision"]["adopted"] is True
        # voor 75 of voor + tegen 76: more than half of 76 is at least 39.
        assert current["outcome"]["required_votes"] == 39

    async def test_closed_proefstemming_shows_participation_only(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code)
        await run_vote(services, meeting_code, {"000363": 0}, kind="proefstemming", title="Proef")
        current = (await services.results.get(f"/api/meetings/{meeting_code}/current")).json()
        assert (current["state"], current["outcome"]) == ("test", None)
        assert current["progress"]["voted"] == {"members": 1, "weight": 75}


class TestBallotUnavailable:
    async def test_without_registration_the_screen_just_lacks_the_attendance(
        self, database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
    ) -> None:
        async with linked_services(database_urls, tokens, token_values) as services:
            meeting = unique_meeting_code()
            await seat(services, meeting)
            settings = results_settings(database_urls, tokens)
            settings.registration_url = "http://127.0.0.1:9"  # nothing listens there
            ballot = httpx.ASGITransport(app=services.ballot_app)
            async with serve_in_process(
                create_results(settings, ballot_transport=ballot)
            ) as results:
                idle = (await results.get(f"/api/meetings/{meeting}/current")).json()
        assert (idle["state"], idle["attendance"]) == ("idle", None)

    async def test_503_problem(
        self, database_urls: dict[str, str], tokens: SecretStr, meeting_code: str
    ) -> None:
        settings = ResultsSettings(
            database_url=database_urls["results"],
            service_token=tokens,
            ballot_url="http://127.0.0.1:9",  # nothing listens on the discard port
        )
        async with serve_in_process(create_results(settings)) as results:
            for path in (
                "/api/votes/1/outcome",
                f"/api/meetings/{meeting_code}/outcomes",
                f"/api/meetings/{meeting_code}/current",
            ):
                response = await results.get(path)
                assert response.status_code == 503
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["code"] == "upstream_unavailable"


class TestChairPage:
    async def test_served_without_external_resources(
        self, services: Services, meeting_code: str
    ) -> None:
        response = await services.results.get(f"/chair/{meeting_code}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert 'lang="nl"' in response.text
        assert 'id="outcome-sentence"' in response.text
        assert 'id="progress"' in response.text
        assert "https://" not in response.text
        script = await services.results.get("/static/results/chair.js")
        assert script.status_code == 200
        assert "/current" in script.text
