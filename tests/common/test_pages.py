"""The one page setup every service shares: layout, htmx, labels, errors, offline docs."""

from __future__ import annotations

import enum
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.ballot.rules import PressStatus
from services.ballot.schemas import OptionRole, VoteKind, VoteStatus
from services.common import labels
from services.registration.app import create_app as create_registration
from services.registration.config import RegistrationSettings
from services.results import publication
from services.results.app import create_app as create_results
from services.results.config import ResultsSettings
from tests.support.apps import serve_in_process
from tests.support.browser import artifact_path, chromium_launch_kwargs
from tests.support.servers import serve_over_http

pytestmark = [pytest.mark.anyio]

HTMX = "/static/common/vendor/htmx-2.0.11.min.js"
SERVICES = ("registration", "ballot", "results")


def build(service: str, database_urls: dict[str, str], tokens: SecretStr) -> FastAPI:
    url = database_urls[service]
    if service == "registration":
        return create_registration(RegistrationSettings(database_url=url, service_token=tokens))
    if service == "ballot":
        return create_ballot(BallotSettings(database_url=url, service_token=tokens))
    return create_results(ResultsSettings(database_url=url, service_token=tokens))


@pytest.fixture(params=SERVICES)
async def client(
    request: pytest.FixtureRequest, database_urls: dict[str, str], tokens: SecretStr
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_in_process(build(request.param, database_urls, tokens)) as http:
        yield http


class TestLabels:
    @pytest.mark.parametrize(
        ("values", "table"),
        [
            (VoteKind, labels.VOTE_KINDS),
            (VoteStatus, labels.VOTE_STATUSES),
            (OptionRole, labels.OPTION_ROLES),
            (PressStatus, labels.PRESS_STATUSES),
        ],
    )
    def test_every_value_has_exactly_one_dutch_word(
        self, values: type[enum.StrEnum], table: dict[str, str]
    ) -> None:
        assert set(table) == {value.value for value in values}

    def test_every_publication_mode_has_a_dutch_phrase(self) -> None:
        assert set(labels.PUBLICATION_MODES) == set(publication.MODES)

    def test_an_unknown_value_shows_as_itself(self) -> None:
        assert labels.label(labels.VOTE_KINDS, "begroting") == "begroting"
        assert labels.label(labels.VOTE_KINDS, VoteKind.MOTIE) == "Motie"

    @pytest.mark.parametrize(
        ("value", "text"),
        [(0, "0"), (999, "999"), (1000, "1.000"), (13074, "13.074"), (1234567, "1.234.567")],
    )
    def test_numbers_have_points_between_thousands(self, value: int, text: str) -> None:
        assert labels.dutch_number(value) == text


@pytest.mark.db
class TestEveryService:
    async def test_serves_htmx_and_the_shared_style_itself(self, client: httpx.AsyncClient) -> None:
        script = await client.get(HTMX)
        assert script.status_code == 200
        assert script.text.startswith("var htmx=function()")
        style = await client.get("/static/common/base.css")
        assert style.status_code == 200
        assert "#problem" in style.text

    async def test_docs_load_nothing_from_elsewhere(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources, page.text
        assert all(src.startswith("/") for src in sources), sources
        for src in sources:
            assert (await client.get(src)).status_code == 200, src

    async def test_a_program_gets_problem_json(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/nergens")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "Deze pagina of dit adres bestaat niet."

    async def test_a_browser_gets_an_error_page_in_dutch(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/nergens", headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="nl">' in response.text
        assert "Deze pagina of dit adres bestaat niet." in response.text

    async def test_htmx_gets_a_fragment_for_the_problem_area(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/nergens", headers={"HX-Request": "true"})
        assert response.status_code == 404
        assert response.headers["HX-Retarget"] == "#problem"
        assert response.headers["HX-Reswap"] == "innerHTML"
        assert response.text.startswith('<p class="problem"')
        assert "<html" not in response.text

    async def test_the_start_page_is_the_portal(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/")
        if response.status_code == 307:  # ballot and results send people there
            assert response.headers["location"] == "http://127.0.0.1:8001/"
        else:
            assert response.status_code == 200
            assert "Voor beheerders" in response.text

    async def test_the_api_stays_json_even_for_a_browser(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/nergens", headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
def served_results(database_urls: dict[str, str], tokens: SecretStr) -> Iterator[str]:
    with serve_over_http(build("results", database_urls, tokens)) as url:
        yield url


@pytest.mark.db
async def test_docs_render_with_the_network_cut_off(served_results: str) -> None:
    """Swagger UI draws every operation while every request off this machine fails."""
    from playwright.async_api import Route, async_playwright

    kwargs = chromium_launch_kwargs()
    refused: list[str] = []

    async def only_this_machine(route: Route) -> None:
        if route.request.url.startswith(served_results):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**kwargs)
        try:
            page = await browser.new_page()
            await page.route("**/*", only_this_machine)
            await page.goto(f"{served_results}/docs")
            await page.locator(".opblock").first.wait_for(timeout=15000)
            assert await page.locator(".opblock").count() > 10
            await page.screenshot(path=artifact_path("docs-offline.png"))
        finally:
            await browser.close()
    assert refused == []
