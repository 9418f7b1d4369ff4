"""Every input of results has a bound; nothing unchecked goes on to ballot.

Issue 9 item 5, the results part: a meeting code with control characters went
unencoded into the URL to ballot (500), and a too-large vote id came back as
503 from ballot's own 500.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.results.conftest import Services
from tests.support.apps import assert_problem

pytestmark = [pytest.mark.anyio, pytest.mark.db]

BEYOND_INT64 = 9223372036854775808


class TestIds:
    @pytest.mark.parametrize("vote_id", [BEYOND_INT64, 2147483648, 0])
    async def test_an_id_that_cannot_exist_is_not_found(
        self, services: Services, vote_id: int
    ) -> None:
        for path, role in [
            (f"/api/votes/{vote_id}/outcome", None),
            (f"/api/votes/{vote_id}/stemgedrag", None),
            (f"/api/audit/votes/{vote_id}", "auditor"),
            (f"/api/chair/votes/{vote_id}/not-voted", "chair"),
        ]:
            headers = services.auth(role) if role else {}
            response = await services.results.get(path, headers=headers)
            assert_problem(response, 404, "vote_not_found")
        response = await services.results.post(
            f"/api/chair/votes/{vote_id}/close", headers=services.auth("chair")
        )
        assert_problem(response, 404, "vote_not_found")


class TestMeetingCodes:
    @pytest.mark.parametrize("code", ["%01", "%07", "ALV", "x" * 33, "a%0A"])
    async def test_one_pattern_for_every_route(self, services: Services, code: str) -> None:
        for path, role in [
            (f"/api/meetings/{code}/outcomes", None),
            (f"/api/meetings/{code}/current", None),
            (f"/api/meetings/{code}/stemgedrag", None),
            (f"/api/meetings/{code}/export.json", None),
            (f"/api/meetings/{code}/export.csv", None),
            (f"/api/meetings/{code}/screen", None),
            (f"/api/meetings/{code}/stream", None),
            (f"/api/audit/meetings/{code}/export.json", "auditor"),
            (f"/api/audit/meetings/{code}/timeline", "auditor"),
            (f"/api/chair/meetings/{code}/votes", "chair"),
            (f"/record/{code}", None),
            (f"/record/{code}/report", None),
            (f"/chair/{code}", None),
            (f"/chair/{code}/control", "chair"),
        ]:
            headers = services.auth(role) if role else {}
            response = await services.results.get(path, headers=headers)
            assert_problem(response, 422, "invalid")


class TestStrictTypes:
    @pytest.mark.parametrize("show_tally", [1, "true", None])
    async def test_the_screen_setting_is_a_boolean(
        self, services: Services, meeting_code: str, show_tally: Any
    ) -> None:
        response = await services.results.put(
            f"/api/chair/meetings/{meeting_code}/screen",
            json={"show_tally": show_tally},
            headers=services.auth("chair"),
        )
        assert_problem(response, 422, "invalid")
