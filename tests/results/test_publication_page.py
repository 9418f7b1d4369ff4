"""The secretariat's publication page: one button, the results' own publication step."""

from __future__ import annotations

import pytest

from tests.results.conftest import Services
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]


async def test_publish_from_the_page_once_and_for_good(
    services: Services, meeting_code: str
) -> None:
    await make_meeting(
        services.registration, admin=services.tokens["secretariat"], code=meeting_code
    )
    services.results.headers.update(services.auth("secretariat"))
    htmx = {"HX-Request": "true"}
    url = f"/record/{meeting_code}/publicatie"
    page = await services.results.get(url, headers=htmx)
    assert page.status_code == 200
    assert "ALV 1 december 2023" in page.text
    assert 'data-testid="not-published"' in page.text and 'data-testid="publish"' in page.text

    desk = await services.results.post(url, headers={**htmx, **services.auth("desk")})
    assert desk.status_code == 403 and desk.headers["HX-Retarget"] == "#problem"
    state = (await services.results.get(f"/api/meetings/{meeting_code}/publication")).json()
    assert state["stemgedrag_public"] is False

    done = await services.results.post(url, headers=htmx)
    assert done.status_code == 200
    assert 'data-testid="published"' in done.text and 'hx-swap-oob="true"' in done.text
    state = (await services.results.get(f"/api/meetings/{meeting_code}/publication")).json()
    assert state["stemgedrag_public"] is True
    assert 'data-testid="publish"' not in (await services.results.get(url, headers=htmx)).text
