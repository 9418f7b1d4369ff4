"""Every input of ballot has a bound, and bad input gets a 4xx problem JSON.

Issue 9 item 5, the ballot part: a too-large id, a meeting code with control
characters, numbers and booleans where the schema says otherwise, a body far
over the limit (refused before it is read), and ``Allow`` on 405.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.ballot.actions import BINDINGS, act, new_vote
from tests.ballot.conftest import Services, seat
from tests.support.apps import assert_problem

pytestmark = [pytest.mark.anyio, pytest.mark.db]

BEYOND_INT64 = 9223372036854775808
BEYOND_INT32 = 2147483648


class TestIds:
    @pytest.mark.parametrize("vote_id", [BEYOND_INT64, BEYOND_INT32, 10**30, 0, -1])
    async def test_an_id_that_cannot_exist_is_not_found(
        self, services: Services, vote_id: int
    ) -> None:
        assert_problem(await services.ballot.get(f"/api/votes/{vote_id}"), 404, "vote_not_found")
        record = await services.ballot.get(
            f"/api/votes/{vote_id}/record", headers=services.auth("auditor")
        )
        assert_problem(record, 404, "vote_not_found")
        assert_problem(await act(services, vote_id, "close"), 404, "vote_not_found")

    async def test_a_link_to_a_vote_that_cannot_exist_is_refused(
        self, services: Services, meeting_code: str
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            json={"kind": "motie", "title": "M", "amends_vote_id": BEYOND_INT64},
            headers=services.auth("chair"),
        )
        assert_problem(response, 422, "bad_link")

    @pytest.mark.parametrize("after", [str(BEYOND_INT64), "-1", "١٢"])
    async def test_an_event_cursor_is_bounded(self, services: Services, after: str) -> None:
        response = await services.ballot.get(
            "/api/meetings/alv-2023-12/events",
            params={"after": after},
            headers=services.auth("auditor"),
        )
        assert_problem(response, 422, "invalid")

    @pytest.mark.parametrize("last_event_id", [str(BEYOND_INT64), "١٢", "12a", "²"])
    async def test_a_last_event_id_is_bounded_and_ascii(
        self, services: Services, last_event_id: str
    ) -> None:
        response = await services.ballot.get(
            "/api/meetings/alv-2023-12/events",
            headers={**services.auth("auditor"), "Last-Event-ID": last_event_id.encode()},
        )
        assert_problem(response, 422, "invalid")


class TestMeetingCodes:
    @pytest.mark.parametrize("code", ["%01", "%07abc", "ALV-2023", "a", "x" * 33, "alv%0A"])
    async def test_one_pattern_for_every_route(self, services: Services, code: str) -> None:
        assert_problem(await services.ballot.get(f"/api/meetings/{code}/votes"), 422, "invalid")
        assert_problem(await services.ballot.get(f"/api/meetings/{code}/state"), 422, "invalid")
        response = await services.ballot.post(
            f"/api/meetings/{code}/votes",
            json={"kind": "motie", "title": "M"},
            headers=services.auth("chair"),
        )
        assert_problem(response, 422, "invalid")


class TestStrictTypes:
    @pytest.mark.parametrize(
        "field",
        [
            {"named": 0},
            {"named": "true"},
            {"abstentions_cast": 1},
            {"amends_vote_id": "1"},
            {"amends_vote_id": 1.0},
            {"majority": {"numerator": "1", "denominator": 2}},
            {"majority": {"numerator": 1, "denominator": 2, "inclusive": 0}},
            {"options": [{"key": "1", "label": "voor", "role": "for"}]},
        ],
    )
    async def test_a_vote_takes_exact_types(
        self, services: Services, meeting_code: str, field: dict[str, Any]
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            json={"kind": "motie", "title": "M", **field},
            headers=services.auth("chair"),
        )
        assert_problem(response, 422, "invalid")

    async def test_an_acclamation_takes_a_boolean(
        self, services: Services, meeting_code: str
    ) -> None:
        vote_id = await new_vote(services, meeting_code)
        assert_problem(await act(services, vote_id, "acclaim", adopted=1), 422, "invalid")

    async def test_an_order_takes_integers(self, services: Services, meeting_code: str) -> None:
        vote_id = await new_vote(services, meeting_code)
        response = await services.ballot.put(
            f"/api/meetings/{meeting_code}/votes/order",
            json={"vote_ids": [str(vote_id)]},
            headers=services.auth("chair"),
        )
        assert_problem(response, 422, "invalid")


class TestMethods:
    async def test_405_says_what_is_allowed(self, services: Services) -> None:
        response = await services.ballot.delete("/api/votes/1/progress")
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET"
        response = await services.ballot.get("/api/votes/1/close")
        assert_problem(response, 405)
        assert response.headers["allow"] == "POST"


async def chunks(count: int, size: int, sent: list[int]) -> AsyncIterator[bytes]:
    for _ in range(count):
        sent.append(size)
        yield b" " * size


class TestBodySize:
    async def test_a_json_route_refuses_a_body_over_its_limit(
        self, services: Services, meeting_code: str
    ) -> None:
        body = json.dumps({"kind": "motie", "title": "M", "agenda_item": "x" * 70_000})
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            content=body,
            headers={**services.auth("chair"), "Content-Type": "application/json"},
        )
        assert_problem(response, 413, "request_too_large")
        assert "65536 bytes" in response.json()["detail"]
        votes = await services.ballot.get(f"/api/meetings/{meeting_code}/votes")
        assert votes.json() == []

    async def test_a_streamed_body_is_refused_once_it_passes_the_limit(
        self, services: Services, meeting_code: str
    ) -> None:
        """50 MB without a Content-Length: no more than the limit is read."""
        sent: list[int] = []
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            content=chunks(50, 1024 * 1024, sent),
            headers={**services.auth("chair"), "Content-Type": "application/json"},
        )
        assert_problem(response, 413, "request_too_large")
        assert sum(sent) <= 1024 * 1024  # the first chunk already passed 64 KiB

    async def test_an_agenda_import_may_be_larger(
        self, services: Services, meeting_code: str
    ) -> None:
        rows = "".join(f"motie;Motie {n};{'x' * 90}\n" for n in range(1000))
        body = f"soort;titel;agendapunt\n{rows}".encode()
        assert 64 * 1024 < len(body) < 1024 * 1024
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes/import",
            content=body,
            headers={**services.auth("chair"), "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["read"] == 1000
        too_big = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes/import",
            content=body * 11,
            headers={**services.auth("chair"), "Content-Type": "text/csv"},
        )
        assert_problem(too_big, 413, "request_too_large")

    async def test_the_limits_are_stated_in_the_openapi_document(self, services: Services) -> None:
        document = (await services.ballot.get("/openapi.json")).json()
        paths = document["paths"]
        assert paths["/api/meetings/{meeting}/votes"]["post"]["x-max-body-bytes"] == 65536
        assert paths["/api/meetings/{meeting}/votes/import"]["post"]["x-max-body-bytes"] == (
            1024 * 1024
        )
        assert "413" in paths["/api/meetings/{meeting}/votes"]["post"]["responses"]


class TestPresent:
    async def test_bounds_leave_the_normal_path_alone(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await new_vote(services, meeting_code, named=False, abstentions_cast=True)
        assert (await act(services, vote_id, "open")).status_code == 200
        assert (await act(services, vote_id, "close")).status_code == 200


class TestStorableText:
    """Found by the schemathesis suite on PostgreSQL: NUL in a text was a 503."""

    @pytest.mark.parametrize("escaped", ["Motie\\u0000", "Motie \\ud800"])
    async def test_text_no_database_can_store_is_refused(
        self, services: Services, meeting_code: str, escaped: str
    ) -> None:
        body = f'{{"kind": "motie", "title": "{escaped}"}}'
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            content=body.encode(),
            headers={**services.auth("chair"), "Content-Type": "application/json"},
        )
        assert_problem(response, 422, "invalid")

    @pytest.mark.parametrize(
        "body",
        [b"soort;titel\nmotie;M\x00\n", b"soort;titel\nmotie;" + b"x" * 200_000 + b"\n"],
        ids=["nul", "huge-field"],
    )
    async def test_an_agenda_file_that_is_no_csv_is_refused(
        self, services: Services, meeting_code: str, body: bytes
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes/import",
            content=body,
            headers={**services.auth("chair"), "Content-Type": "text/csv"},
        )
        assert_problem(response, 422, "bad_agenda")
