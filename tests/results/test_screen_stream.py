"""The chair's screen stream: ``GET /api/meetings/{m}/stream`` follows ballot.

Ballot and results run under uvicorn on the test's loop (an event stream never
ends, so ASGITransport cannot carry it); results reaches ballot over real HTTP
through a line the test can cut.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr

from services.common.database import is_sqlite
from services.results.app import create_app as create_results
from services.results.screen import ScreenHub
from tests.results.conftest import (
    HAND_COMPUTED,
    Services,
    act,
    cast,
    linked_services,
    new_vote,
    results_settings,
    seat,
    settings_reaching_ballot,
)
from tests.support.apps import serve_in_process
from tests.support.legacy import store_majority
from tests.support.served_in_loop import serve_on_port
from tests.support.sse import ServerEvent, server_events, take_until

pytestmark = [pytest.mark.anyio, pytest.mark.db]

SENTENCE = "het voorstel is aangenomen met 98,68% van de stemmen"


class Line(httpx.AsyncBaseTransport):
    """Results' line to ballot over real HTTP, which a test can cut."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.up = True
        self.streams = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("ballot is unreachable", request=request)
        if request.url.path.endswith("/events"):
            self.streams += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Served:
    services: Services
    line: Line

    @property
    def hub(self) -> ScreenHub:
        hub: ScreenHub = self.services.results_app.state.screen_hub
        return hub


@asynccontextmanager
async def serving(
    database_urls: dict[str, str],
    tokens: SecretStr,
    token_values: dict[str, str],
    **screen_settings: float,
) -> AsyncIterator[Served]:
    line = Line()
    async with linked_services(
        database_urls,
        tokens,
        token_values,
        serve=serve_on_port,
        settings=settings_reaching_ballot(database_urls, tokens, **screen_settings),
        ballot_transport=line,
    ) as services:
        yield Served(services, line)


@pytest.fixture
async def served(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> AsyncIterator[Served]:
    async with serving(database_urls, tokens, token_values) as served:
        yield served


@asynccontextmanager
async def screen(served: Served, meeting: str) -> AsyncIterator[AsyncIterator[ServerEvent]]:
    async with served.services.results.stream("GET", f"/api/meetings/{meeting}/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield server_events(response)


def current_is(check: Callable[[dict[str, object]], bool]) -> Callable[[list[ServerEvent]], bool]:
    return lambda taken: taken[-1].event == "current" and check(taken[-1].data)


def voted_members(data: dict[str, object]) -> int:
    progress = data.get("progress")
    return int(progress["voted"]["members"]) if isinstance(progress, dict) else -1


class TestScreenStream:
    async def test_follows_a_vote_from_idle_to_its_outcome(
        self, served: Served, meeting_code: str
    ) -> None:
        services = served.services
        await seat(services, meeting_code)
        async with screen(served, meeting_code) as events:
            first = await take_until(events, lambda taken: True)
            vote_id = await new_vote(services, meeting_code)
            await act(services, vote_id, "open")
            opened = await take_until(events, current_is(lambda d: d["state"] == "open"))
            await cast(services, meeting_code, HAND_COMPUTED, seq=vote_id)
            pressed = await take_until(events, current_is(lambda d: voted_members(d) == 3))
            await act(services, vote_id, "close")
            closed = await take_until(events, current_is(lambda d: d["state"] == "closed"))

        assert (first[0].event, first[0].data["state"]) == ("current", "idle")
        outcome = closed[-1].data["outcome"]
        assert isinstance(outcome, dict)
        assert outcome["decision"]["sentence_2023"] == SENTENCE
        # The running tally never reached the public stream while the vote was open.
        assert [e.data["outcome"] for e in opened + pressed] == [None] * len(opened + pressed)
        assert [e.event for e in first + opened + pressed + closed] == ["current"] * (
            len(first) + len(opened) + len(pressed) + len(closed)
        )

    async def test_shows_the_running_tally_once_the_chair_switched_it_on(
        self, served: Served, meeting_code: str
    ) -> None:
        services = served.services
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code)
        await act(services, vote_id, "open")
        await cast(services, meeting_code, HAND_COMPUTED, seq=vote_id)
        async with screen(served, meeting_code) as events:
            hidden = await take_until(events, current_is(lambda d: voted_members(d) == 3))
            response = await services.results.put(
                f"/api/chair/meetings/{meeting_code}/screen",
                json={"show_tally": True},
                headers=services.auth("chair"),
            )
            assert response.status_code == 200, response.text
            shown = await take_until(events, current_is(lambda d: d["outcome"] is not None))
        await act(services, vote_id, "close")

        assert hidden[-1].data["show_tally"] is False
        live = shown[-1].data["outcome"]
        assert isinstance(live, dict) and live["live"] is True
        assert [t["percentage"] for t in live["tallies"]] == ["98,68%", "1,32%", None]

    async def test_says_so_while_ballot_is_unreachable_and_recovers(
        self, served: Served, meeting_code: str
    ) -> None:
        services = served.services
        await seat(services, meeting_code)
        served.line.up = False
        async with screen(served, meeting_code) as events:
            problem = await take_until(events, lambda taken: True)
            vote_id = await new_vote(services, meeting_code)
            await act(services, vote_id, "open")
            served.line.up = True
            back = await take_until(events, current_is(lambda d: d["state"] == "open"))
            await act(services, vote_id, "close")
            await take_until(events, current_is(lambda d: d["state"] == "closed"))

        assert problem[0].event == "problem"
        assert problem[0].data["code"] == "upstream_unavailable"
        assert back[-1].data["vote"]["id"] == vote_id

    async def test_browsers_of_one_meeting_share_one_follower_of_ballot(
        self, served: Served, meeting_code: str
    ) -> None:
        await seat(served.services, meeting_code)
        async with screen(served, meeting_code) as one, screen(served, meeting_code) as two:
            await take_until(one, lambda taken: True)
            await take_until(two, lambda taken: True)
            feed = served.hub.feed(meeting_code)
            assert feed is not None and feed.subscribers == 2
            assert served.line.streams == 1

    async def test_a_vote_that_cannot_be_decided_never_stalls_the_screen(
        self, served: Served, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        """Issue 9: the screen hung on "verbinding herstellen" after such a
        vote closed, and again after it was annulled."""
        services = served.services
        await seat(services, meeting_code)
        stuck = await new_vote(services, meeting_code)
        await act(services, stuck, "open")
        await cast(services, meeting_code, HAND_COMPUTED, seq=stuck)
        store_majority(database_urls["ballot"], stuck, numerator=1, denominator=2, inclusive=True)
        await act(services, stuck, "close")
        async with screen(served, meeting_code) as events:
            first = await take_until(events, lambda taken: True)
            await act(services, stuck, "annul", reason="verkeerde meerderheid")
            annulled = await take_until(
                events, lambda taken: taken[-1].data.get("state") != "closed"
            )
            following = await new_vote(services, meeting_code, title="Opnieuw")
            await act(services, following, "open")
            opened = await take_until(events, lambda taken: taken[-1].data.get("state") == "open")

        assert (first[0].event, first[0].data["state"]) == ("current", "closed")
        assert "ten minste de helft" in first[0].data["outcome"]["not_computable"]
        assert (annulled[-1].event, annulled[-1].data["state"]) == ("current", "annulled")
        assert [e.event for e in annulled + opened] == ["current"] * len(annulled + opened)
        assert opened[-1].data["vote"]["id"] == following


class TestAcrossProcesses:
    async def test_a_screen_setting_changed_through_another_results_process_shows_promptly(
        self,
        database_urls: dict[str, str],
        tokens: SecretStr,
        token_values: dict[str, str],
        meeting_code: str,
    ) -> None:
        if is_sqlite(database_urls["results"]):
            pytest.skip("on SQLite another process's setting is seen at the next refresh")
        # The safety-net refresh is a minute: only a NOTIFY is this fast.
        async with serving(
            database_urls, tokens, token_values, stream_refresh_seconds=60.0
        ) as served:
            services = served.services
            # A second results process on the same database (its own app, hub and listener).
            other_app = create_results(
                results_settings(database_urls, tokens),
                # It asks registration who the chair is, as the first one does.
                registration_transport=httpx.ASGITransport(app=services.registration_app),
            )
            await seat(services, meeting_code)
            vote_id = await new_vote(services, meeting_code)
            await act(services, vote_id, "open")
            async with (
                serve_in_process(other_app) as other,
                screen(served, meeting_code) as events,
            ):
                hidden = await take_until(events, lambda taken: True)
                response = await other.put(
                    f"/api/chair/meetings/{meeting_code}/screen",
                    json={"show_tally": True},
                    headers=services.auth("chair"),
                )
                assert response.status_code == 200, response.text
                shown = await take_until(
                    events, current_is(lambda d: d["show_tally"] is True), within=3
                )
            await act(services, vote_id, "close")

        assert hidden[-1].data["show_tally"] is False
        assert shown[-1].data["outcome"] is not None
