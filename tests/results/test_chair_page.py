"""The chair's screen in a real browser, against the three services over HTTP.

A browser cannot reach in-process ASGI apps, so here the services run under
uvicorn on free local ports, in one background thread with its own event loop;
the test drives them with plain HTTP and watches the page with Playwright.
"""

from __future__ import annotations

import asyncio
import csv
import io
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pydantic import SecretStr

from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.common.settings import PublicUrls
from services.registration.app import create_app as create_registration
from services.registration.config import RegistrationSettings
from services.results.app import create_app as create_results
from services.results.config import ResultsSettings
from tests.results.conftest import BINDINGS, HAND_COMPUTED
from tests.support.apps import as_caller
from tests.support.builders import SMALL_MEMBERS
from tests.support.legacy import store_majority
from tests.support.presses import batch, press

pytestmark = [pytest.mark.db]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STARTUP_TIMEOUT = 30.0


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()
    return f"http://{host}:{port}"


def _announce_startup(app: FastAPI) -> asyncio.Event:
    """An event set once the app's lifespan has started (its socket already listens)."""
    ready = asyncio.Event()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with inner(app) as state:
            ready.set()
            yield state

    app.router.lifespan_context = lifespan
    return ready


@contextmanager
def serve_over_http(apps: list[tuple[FastAPI, socket.socket]]) -> Iterator[None]:
    """Every app under uvicorn on its socket until the block ends."""
    servers = [
        uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on")) for app, _ in apps
    ]
    started = threading.Event()
    failure: list[BaseException] = []

    async def main() -> None:
        tasks = []
        # One after the other: Alembic's context is process-global, so two
        # services must not run their migrations at the same time.
        for server, (app, sock) in zip(servers, apps, strict=True):
            ready = _announce_startup(app)
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            tasks.append(serving)
            waiting = asyncio.create_task(ready.wait())
            await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            if serving.done():
                failure.append(RuntimeError(f"{app.title} did not start"))
                break
        started.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    try:
        assert started.wait(STARTUP_TIMEOUT), "the services did not start"
        if failure:
            raise failure[0]
        yield
    finally:
        for server in servers:
            server.should_exit = True
        thread.join(STARTUP_TIMEOUT)
        for _, sock in apps:
            sock.close()


@dataclass
class Hall:
    """The three services over HTTP."""

    registration: httpx.Client
    ballot: httpx.Client
    results_url: str
    tokens: dict[str, str]

    def chair(self, path: str, json: Any = None) -> httpx.Response:
        response = self.ballot.post(path, json=json, headers=as_caller(self.tokens["chair"]))
        assert response.status_code in (200, 201), response.text
        return response

    def head(self, meeting: str) -> str:
        """The chain head as the public export says it."""
        response = httpx.get(f"{self.results_url}/api/meetings/{meeting}/export.json", timeout=10)
        assert response.status_code == 200, response.text
        head: str = response.json()["chain"]["head"]
        return head

    def seat(
        self, meeting: str, bindings: dict[str, str] = BINDINGS, members_csv: str = SMALL_MEMBERS
    ) -> None:
        """A meeting with every member of ``bindings`` present."""
        admin = as_caller(self.tokens["secretariat"])
        response = self.registration.post(
            "/api/meetings",
            json={"code": meeting, "name": "ALV 1 december 2023", "date": "2023-12-01"},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        response = self.registration.post(
            f"/api/meetings/{meeting}/members/import",
            content=members_csv.encode(),
            headers={**admin, "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        cards = self.registration.post(f"/api/meetings/{meeting}/cards", headers=admin).json()
        codes = {card["member"]: card["code"] for card in cards}
        for member, handset in bindings.items():
            response = self.registration.post(
                f"/api/meetings/{meeting}/registrations",
                json={"card_code": codes[member], "handset": handset},
                headers=as_caller(self.tokens["desk"]),
            )
            assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def hall(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> Iterator[Hall]:
    sockets = [_listening_socket() for _ in range(3)]
    registration_url, ballot_url, results_url = (_url(sock) for sock in sockets)
    # Where a browser finds each part: the chair's page sends it to log in there.
    public = PublicUrls(registration=registration_url, ballot=ballot_url, results=results_url)
    apps = [
        create_registration(
            RegistrationSettings(
                database_url=database_urls["registration"],
                service_token=tokens,
                ballot_url=ballot_url,
                public_urls=public,
            )
        ),
        create_ballot(
            BallotSettings(
                database_url=database_urls["ballot"],
                service_token=tokens,
                registration_url=registration_url,
                public_urls=public,
            )
        ),
        create_results(
            ResultsSettings(
                database_url=database_urls["results"],
                service_token=tokens,
                ballot_url=ballot_url,
                registration_url=registration_url,
                public_urls=public,
            )
        ),
    ]
    with (
        serve_over_http(list(zip(apps, sockets, strict=True))),
        httpx.Client(base_url=registration_url, timeout=10) as registration,
        httpx.Client(base_url=ballot_url, timeout=10) as ballot,
    ):
        yield Hall(registration, ballot, results_url, token_values)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_progress_then_result(hall: Hall, page: Page, meeting_code: str) -> None:
    hall.seat(meeting_code)
    response = hall.chair(
        f"/api/meetings/{meeting_code}/votes",
        json={"kind": "voorstel", "title": "Voorstel 1: jaarrekening 2022"},
    )
    vote_id = response.json()["id"]
    hall.chair(f"/api/votes/{vote_id}/open")

    page.goto(f"{hall.results_url}/chair/{meeting_code}")
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#vote-title")).to_have_text("Voorstel 1: jaarrekening 2022")
    expect(page.locator("#progress-members")).to_have_text("0 van 4")

    response = hall.ballot.post(
        f"/api/meetings/{meeting_code}/presses",
        json=batch(*(press(h, vote_id, key) for h, key in HAND_COMPUTED.items())),
        headers=as_caller(hall.tokens["gateway"]),
    )
    assert response.status_code == 200, response.text
    expect(page.locator("#progress-members")).to_have_text("3 van 4")
    expect(page.locator("#progress-weight")).to_have_text("151 van 226")
    # The running tally stays hidden while the vote is open.
    expect(page.locator("#result")).to_be_hidden()

    hall.chair(f"/api/votes/{vote_id}/close")
    sentence = page.locator("#outcome-sentence")
    expect(sentence).to_have_text("het voorstel is aangenomen met 98,68% van de stemmen")
    expect(page.locator("#progress")).to_be_hidden()
    expect(page.locator('[data-testid="bar-1"] .percentage')).to_have_text("98,68%")
    expect(page.locator('[data-testid="bar-2"] .percentage')).to_have_text("1,32%")
    expect(page.locator("#not-counted")).to_contain_text("onthouding: 75 stemmen")
    # The chain head with the result: short to read out, in full for the commissie.
    head = hall.head(meeting_code)
    expect(page.locator("#chain-full")).to_have_text(head)
    expect(page.locator("#chain-short")).to_have_text(
        " ".join(head[i : i + 4] for i in range(0, 16, 4))
    )
    expect(page.locator("#chain-sequence")).to_have_text("1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chair-closed.png"))


def test_recovers_after_the_service_was_unreachable(
    hall: Hall, page: Page, meeting_code: str
) -> None:
    page.goto(f"{hall.results_url}/chair/{meeting_code}")
    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#connection")).to_be_hidden()
    # Every poll fails as if the service were down ...
    page.route("**/current", lambda route: route.abort())
    expect(page.locator("#connection")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("verbinding herstellen…")
    # ... and the screen comes back by itself once it answers again.
    page.unroute("**/current")
    expect(page.locator("#connection")).to_be_hidden()
    expect(page.locator("#idle")).to_be_visible()


def test_a_vote_that_cannot_be_decided_shows_why_and_never_hangs(
    hall: Hall, page: Page, meeting_code: str, database_urls: dict[str, str]
) -> None:
    """Issue 9: the projector hung on "verbinding herstellen…" after such a vote."""
    hall.seat(meeting_code)
    vote_id = hall.chair(
        f"/api/meetings/{meeting_code}/votes", json={"kind": "motie", "title": "Motie 3"}
    ).json()["id"]
    hall.chair(f"/api/votes/{vote_id}/open")
    store_majority(database_urls["ballot"], vote_id, numerator=1, denominator=2, inclusive=True)
    hall.chair(f"/api/votes/{vote_id}/close")

    page.goto(f"{hall.results_url}/chair/{meeting_code}")
    expect(page.locator("#outcome-sentence")).to_have_text(
        "uitslag niet te berekenen: 'ten minste de helft' is geen meerderheid die het"
        " systeem kan beslissen"
    )
    expect(page.locator("#connection")).to_be_hidden()
    hall.chair(f"/api/votes/{vote_id}/annul", json={"reason": "verkeerde meerderheid"})
    expect(page.locator("#annulled-reason")).to_have_text("verkeerde meerderheid")
    expect(page.locator("#connection")).to_be_hidden()


# What a projector crops: nothing may be drawn in the outer 5% of any side.
SAFE_AREA = 0.05
OUTSIDE_SAFE_AREA = """(safe) => {
  const width = innerWidth, height = innerHeight, outside = [];
  for (const element of document.querySelectorAll("body *")) {
    const style = getComputedStyle(element);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (box.left < safe * width - 0.5 || box.top < safe * height - 0.5 ||
        box.right > (1 - safe) * width + 0.5 || box.bottom > (1 - safe) * height + 0.5) {
      outside.push(`${element.tagName}#${element.id}.${element.className}`);
    }
  }
  return outside;
}"""


def election_key(n: int) -> int:
    """16, 12 and 8 members for the three candidates, 4 blanco: no majority."""
    return 1 if n < 16 else 2 if n < 28 else 3 if n < 36 else 4


PROJECTORS = {"1080p": (1920, 1080), "xga": (1024, 768)}


def test_the_screen_keeps_a_safe_margin_and_dutch_numbers(
    hall: Hall, browser: Browser, meeting_code: str, population_2023: str
) -> None:
    """Idle with the attendance, a vote in progress, a result and an election
    without a majority: on a wide and on a 4:3 projector, all inside the safe area."""
    # The largest municipalities, so the weights run into the thousands.
    rows = sorted(csv.DictReader(io.StringIO(population_2023)), key=lambda r: -int(r["population"]))
    largest = io.StringIO()
    writer = csv.writer(largest)
    writer.writerow(["code", "name", "population"])
    writer.writerows([row["code"], row["name"], row["population"]] for row in rows[:40])
    bindings = {row["code"]: f"{n:06d}" for n, row in enumerate(rows[:40], start=1)}
    hall.seat(meeting_code, bindings, members_csv=largest.getvalue())
    pages = {}
    for name, (width, height) in PROJECTORS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        pages[name] = context.new_page()
        pages[name].goto(f"{hall.results_url}/chair/{meeting_code}")

    def check(state: str) -> None:
        for name, page in pages.items():
            expect(page.locator("body")).to_have_attribute("data-state", state.split("-")[0])
            assert page.evaluate(OUTSIDE_SAFE_AREA, SAFE_AREA) == [], (state, name)
            page.screenshot(path=str(ARTIFACTS / f"chair-{state}-{name}.png"))

    ARTIFACTS.mkdir(exist_ok=True)
    for page in pages.values():
        expect(page.locator("#meeting")).to_have_text("ALV 1 december 2023")
        expect(page.locator("#attendance-members")).to_have_text("40 van 40")
        expect(page.locator("#attendance-weight")).to_have_text("3.000 van 3.000")
    check("idle")

    vote_id = hall.chair(
        f"/api/meetings/{meeting_code}/votes",
        json={
            "kind": "voorstel",
            "title": "Voorstel 4: wijziging van de statuten van de vereniging",
        },
    ).json()["id"]
    hall.chair(f"/api/votes/{vote_id}/open")
    hall.ballot.post(
        f"/api/meetings/{meeting_code}/presses",
        json=batch(*(press(h, vote_id, 1 + n % 3) for n, h in enumerate(bindings.values()))),
        headers=as_caller(hall.tokens["gateway"]),
    )
    for page in pages.values():
        expect(page.locator("#progress-weight")).to_have_text("3.000 van 3.000")
    check("open")
    hall.chair(f"/api/votes/{vote_id}/close")
    for page in pages.values():
        expect(page.locator("#basis")).to_contain_text(
            "Vereist: meer dan de helft, dat is ten minste 1.013 stemmen."
        )
    check("closed-voorstel")

    candidates = ["Mark Boumans", "Annemarie Jorritsma-Lebbink", "Jan van Zanen"]
    vote_id = hall.chair(
        f"/api/meetings/{meeting_code}/votes",
        json={
            "kind": "verkiezing",
            "title": "Verkiezing van de vicevoorzitter van het bestuur",
            "options": [
                *(
                    {"key": n, "label": name, "role": "choice"}
                    for n, name in enumerate(candidates, 1)
                ),
                {"key": 4, "label": "blanco", "role": "abstain"},
            ],
        },
    ).json()["id"]
    hall.chair(f"/api/votes/{vote_id}/open")
    hall.ballot.post(
        f"/api/meetings/{meeting_code}/presses",
        json=batch(*(press(h, vote_id, election_key(n)) for n, h in enumerate(bindings.values()))),
        headers=as_caller(hall.tokens["gateway"]),
    )
    hall.chair(f"/api/votes/{vote_id}/close")
    for page in pages.values():
        expect(page.locator("#outcome-sentence")).to_contain_text("volgende stemronde")
    check("closed-election")
    for page in pages.values():
        page.context.close()
