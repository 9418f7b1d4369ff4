"""The meeting's event stream: durable, ordered, resumable, prompt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest
from pydantic import SecretStr

from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.common.database import is_sqlite
from tests.ballot.actions import BINDINGS, act, new_vote, open_new_vote, press, send
from tests.ballot.conftest import Services, seat
from tests.support.apps import serve_in_process
from tests.support.sse import ServerEvent, server_events, take_until

pytestmark = [pytest.mark.anyio, pytest.mark.db]


@asynccontextmanager
async def stream(
    services: Services, meeting: str, *, after: int | None = None, last_id: int | None = None
) -> AsyncIterator[AsyncIterator[ServerEvent]]:
    headers = services.auth("chair")
    if last_id is not None:
        headers["Last-Event-ID"] = str(last_id)
    params = {"after": after} if after is not None else {}
    async with services.ballot.stream(
        "GET", f"/api/meetings/{meeting}/events", params=params, headers=headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield server_events(response)


def upto(kind: str) -> Callable[[list[ServerEvent]], bool]:
    return lambda taken: taken[-1].event == kind


class TestEventStream:
    async def test_resumed_from_a_cursor_delivers_every_event_once(
        self, served: Services, meeting_code: str
    ) -> None:
        await seat(served, meeting_code, BINDINGS)
        vote_id = await open_new_vote(served, meeting_code)
        await send(served, meeting_code, press("000363", 1, 1), press("000088", 1, 2))
        async with stream(served, meeting_code) as events:
            before = await take_until(events, lambda taken: len(taken) == 3)
        assert [e.event for e in before] == ["created", "opened", "presses"]
        # Disconnected: the meeting goes on.
        await send(served, meeting_code, press("000344", 1, 1))
        await send(served, meeting_code, press("000363", 1, 1, "R02"))  # a duplicate: no event
        await act(served, vote_id, "close")
        async with stream(served, meeting_code, last_id=before[-1].id) as events:
            after = await take_until(events, upto("closed"))
        async with stream(served, meeting_code, after=0) as events:
            everything = await take_until(events, upto("closed"))

        assert [e.id for e in before + after] == [e.id for e in everything]
        # One event per batch that stored presses.
        assert [e.event for e in everything] == [
            "created",
            "opened",
            "presses",
            "presses",
            "closed",
        ]
        ids = [e.id for e in everything]
        assert ids == sorted(set(ids))
        presses = [
            (p["member"], p["key"], p["counted"])
            for e in everything[2:4]
            for p in e.data["presses"]
        ]
        assert presses == [("GM0363", 1, True), ("GM0088", 2, True), ("GM0344", 1, True)]
        assert {e.data["vote_id"] for e in everything} == {vote_id}

    async def test_editing_and_removing_a_prepared_vote_are_events(
        self, served: Services, meeting_code: str
    ) -> None:
        vote_id = await new_vote(served, meeting_code)
        response = await served.ballot.put(
            f"/api/votes/{vote_id}",
            json={"kind": "motie", "title": "Motie 1"},
            headers=served.auth("chair"),
        )
        assert response.status_code == 200
        response = await served.ballot.delete(f"/api/votes/{vote_id}", headers=served.auth("chair"))
        assert response.status_code == 204
        async with stream(served, meeting_code, after=0) as events:
            everything = await take_until(events, upto("removed"))
        assert [e.event for e in everything] == ["created", "updated", "removed"]
        assert everything[1].data["vote"]["title"] == "Motie 1"

    async def test_query_cursor_skips_what_was_seen(
        self, served: Services, meeting_code: str
    ) -> None:
        await seat(served, meeting_code, BINDINGS)
        first = await new_vote(served, meeting_code, title="A")
        await new_vote(served, meeting_code, title="B")
        async with stream(served, meeting_code) as events:
            created = await take_until(events, lambda taken: len(taken) == 2)
        assert [e.data["vote_id"] for e in created] == [first, first + 1]
        await new_vote(served, meeting_code, title="C")
        async with stream(served, meeting_code, after=created[0].id) as events:
            rest = await take_until(events, lambda taken: len(taken) == 2)
        assert [e.data["vote"]["title"] for e in rest] == ["B", "C"]

    async def test_a_connected_client_gets_new_events_promptly(
        self, served: Services, meeting_code: str
    ) -> None:
        await seat(served, meeting_code, BINDINGS)
        vote_id = await open_new_vote(served, meeting_code)
        async with stream(served, meeting_code) as events:
            await take_until(events, upto("opened"))
            await send(served, meeting_code, press("000088", 4, 3))
            # The fallback poll is a minute: only the wake-up after commit is this fast.
            [pressed] = await take_until(events, upto("presses"), within=3)
        assert pressed.data == {
            "id": pressed.id,
            "vote_id": vote_id,
            "at": pressed.data["at"],
            "presses": [
                {
                    "member": "GM0088",
                    "handset": "000088",
                    "seq": 4,
                    "status": "OK",
                    "reason": None,
                    "counted": True,
                    "key": 3,
                }
            ],
        }

    async def test_a_secret_vote_shows_no_keys(self, served: Services, meeting_code: str) -> None:
        await seat(served, meeting_code, BINDINGS)
        await open_new_vote(served, meeting_code, named=False)
        await send(served, meeting_code, press("000363", 1, 2), press("999999", 1, 1))
        async with stream(served, meeting_code) as events:
            taken = await take_until(events, lambda taken: len(taken) == 3)
        pressed = [p for e in taken if e.event == "presses" for p in e.data["presses"]]
        assert [(p["member"], p["status"]) for p in pressed] == [("GM0363", "OK"), (None, "DENY")]
        assert all("key" not in p for p in pressed)

    async def test_only_this_meetings_events(self, served: Services, meeting_code: str) -> None:
        await seat(served, meeting_code, BINDINGS)
        await new_vote(served, f"{meeting_code}-x", title="elders")
        mine = await new_vote(served, meeting_code, title="hier")
        async with stream(served, meeting_code) as events:
            [created] = await take_until(events, upto("created"))
        assert created.data["vote_id"] == mine

    async def test_a_bad_cursor_is_refused(self, served: Services, meeting_code: str) -> None:
        response = await served.ballot.get(
            f"/api/meetings/{meeting_code}/events",
            headers={**served.auth("auditor"), "Last-Event-ID": "abc"},
        )
        assert response.status_code == 422

    async def test_the_stream_needs_a_token(self, served: Services, meeting_code: str) -> None:
        response = await served.ballot.get(f"/api/meetings/{meeting_code}/events")
        assert response.status_code == 401


class TestAcrossProcesses:
    """A second ballot process on the same database (a second worker, say)."""

    @asynccontextmanager
    async def other_process(
        self, served: Services, database_urls: dict[str, str], tokens: SecretStr
    ) -> AsyncIterator[Services]:
        # Its own app: its own engine, event bus and listener, as in another process.
        app = create_ballot(
            BallotSettings(
                database_url=database_urls["ballot"],
                service_token=tokens,
                registration_url="http://registration",
            ),
            registration_transport=served.link,
        )
        async with serve_in_process(app) as ballot:
            yield replace(served, ballot=ballot)

    async def test_its_presses_and_votes_reach_this_processs_stream_promptly(
        self,
        served: Services,
        database_urls: dict[str, str],
        tokens: SecretStr,
        meeting_code: str,
    ) -> None:
        if is_sqlite(database_urls["ballot"]):
            pytest.skip("on SQLite another process's events are seen by the poll alone")
        await seat(served, meeting_code, BINDINGS)
        async with (
            self.other_process(served, database_urls, tokens) as other,
            stream(served, meeting_code) as events,
        ):
            vote_id = await open_new_vote(other, meeting_code)
            # The fallback poll is a minute: only a NOTIFY from the other process
            # wakes this stream this fast.
            opened = await take_until(events, upto("opened"), within=3)
            await send(other, meeting_code, press("000088", 1, 2))
            [pressed] = await take_until(events, upto("presses"), within=3)
        assert [e.event for e in opened] == ["created", "opened"]
        [stored] = pressed.data["presses"]
        assert (pressed.data["vote_id"], stored["member"]) == (vote_id, "GM0088")
