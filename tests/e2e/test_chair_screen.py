"""The chair's screen in headless Chromium, following a live hall through every part.

Registration, ballot and results run as processes on databases of their own;
the gateway is a process on a simulated receiver's pseudo-terminal; the
simulator and the browser (Playwright's async API) run in the test's event
loop. The screen follows the results service's event stream, so what it shows
while the handsets press is what the stream pushed, not what a poll fetched.

The meeting has 40 members: ``GM0001`` .. ``GM0040``, member n with n votes
(n thousand inhabitants and a bit), holding handset n. Each presses a fixed
key, so the outcome is known in advance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import ROUND_HALF_UP, Decimal

import anyio
import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from alv.stack import Stack
from hardware.simulator import ScenarioEvent, SimConfig, Simulator
from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.browser import artifact_path, chromium_launch_kwargs
from tests.support.databases import DatabaseFactory
from tests.support.presses import batch, press
from tests.support.stacks import running_stack, seat_everyone

pytestmark = [pytest.mark.anyio, pytest.mark.db, pytest.mark.e2e]

SEATS = 40
WITHIN = 20.0  # seconds; generous, the machine is shared
SCREEN_MS = 10_000  # how long the screen may take to show a change


def key_of(n: int) -> int:
    """Three in five vote voor, one tegen, one onthouding."""
    return {0: 2, 4: 3}.get(n % 5, 1)


def expected_sentence() -> str:
    """From the keys and weights above: voor / (voor + tegen), rounded half up."""
    voor = sum(n for n in range(1, SEATS + 1) if key_of(n) == 1)
    tegen = sum(n for n in range(1, SEATS + 1) if key_of(n) == 2)
    share = Decimal(100 * voor) / Decimal(voor + tegen)
    percentage = str(share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)).replace(".", ",")
    return f"het voorstel is aangenomen met {percentage}% van de stemmen"


def members_csv() -> str:
    rows = [f"GM{n:04d},Gemeente {n},{n * 1_000 + 500}" for n in range(1, SEATS + 1)]
    return "code,name,population\n" + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def screen_stack(
    tmp_path_factory: pytest.TempPathFactory,
    token_values: dict[str, str],
    database_factory: DatabaseFactory,
) -> Iterator[Stack]:
    with running_stack(
        name="screen",
        data_dir=tmp_path_factory.mktemp("screen"),
        database_factory=database_factory,
    ) as stack:
        yield stack


async def seat_meeting(stack: Stack) -> str:
    """A meeting whose ``SEATS`` members are present, GM0007 holding handset 000007."""
    meeting = unique_meeting_code()
    await seat_everyone(stack, meeting=meeting, members_csv=members_csv())
    return meeting


class Chair:
    """The chair's acts, straight at ballot and results with the chair token."""

    def __init__(self, stack: Stack, ballot: httpx.AsyncClient, results: httpx.AsyncClient):
        self.stack = stack
        self.ballot = ballot
        self.results = results
        self.auth = as_caller(stack.config.tokens["chair"])

    async def open_vote(self, meeting: str, title: str) -> int:
        created = await self.ballot.post(
            f"/api/meetings/{meeting}/votes",
            json={"kind": "voorstel", "title": title},
            headers=self.auth,
        )
        assert created.status_code == 201, created.text
        vote_id = int(created.json()["id"])
        opened = await self.ballot.post(f"/api/votes/{vote_id}/open", headers=self.auth)
        assert opened.status_code == 200, opened.text
        return vote_id

    async def close(self, vote_id: int) -> None:
        closed = await self.ballot.post(f"/api/votes/{vote_id}/close", headers=self.auth)
        assert closed.status_code == 200, closed.text

    async def show_tally(self, meeting: str, show: bool) -> None:
        response = await self.results.put(
            f"/api/chair/meetings/{meeting}/screen", json={"show_tally": show}, headers=self.auth
        )
        assert response.status_code == 200, response.text


@pytest.fixture
async def chair(screen_stack: Stack) -> AsyncIterator[Chair]:
    config = screen_stack.config
    async with (
        httpx.AsyncClient(base_url=config.url("ballot"), timeout=WITHIN) as ballot,
        httpx.AsyncClient(base_url=config.url("results"), timeout=WITHIN) as results,
    ):
        yield Chair(screen_stack, ballot, results)


@pytest.fixture
async def page(screen_stack: Stack) -> AsyncIterator[Page]:
    kwargs = chromium_launch_kwargs()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**kwargs)
        try:
            context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            yield await context.new_page()
        finally:
            await browser.close()


async def test_the_screen_follows_a_live_burst_and_shows_the_outcome(
    screen_stack: Stack, chair: Chair, page: Page
) -> None:
    meeting = await seat_meeting(screen_stack)
    results_url = screen_stack.config.url("results")
    sim_config = SimConfig(paced=True, stat_interval=None, seed=40)
    async with Simulator(receivers=1, handsets=SEATS, config=sim_config) as sim:
        receiver = sim.receivers[0]
        screen_stack.config.meeting = meeting
        screen_stack.config.serial_ports = [receiver.port]
        await anyio.to_thread.run_sync(screen_stack.start_hardware)
        try:
            await page.goto(f"{results_url}/chair/{meeting}")
            await expect(page.locator("#idle")).to_be_visible(timeout=SCREEN_MS)
            await chair.show_tally(meeting, True)
            vote_id = await chair.open_vote(meeting, "Voorstel 1: jaarrekening 2022")
            await expect(page.locator("#progress-members")).to_have_text(
                f"0 van {SEATS}", timeout=SCREEN_MS
            )
            await receiver.wait_for_poll("OPEN", 3, within=WITHIN)

            # Every handset presses its key once, one every 40 ms.
            presses = await sim.play(
                ScenarioEvent(at_ms=40 * n, handset=f"{n:06d}", key=key_of(n))
                for n in range(1, SEATS + 1)
            )
            assert {(p.acked, p.status) for p in presses} == {(True, "OK")}
            await expect(page.locator("#progress-members")).to_have_text(
                f"{SEATS} van {SEATS}", timeout=SCREEN_MS
            )
            total = SEATS * (SEATS + 1) // 2
            await expect(page.locator("#progress-weight")).to_have_text(f"{total} van {total}")
            await expect(page.locator("#live-tally")).to_be_visible()
            await expect(page.locator("#result")).to_be_hidden()

            await chair.close(vote_id)
            await expect(page.locator("#outcome-sentence")).to_have_text(
                expected_sentence(), timeout=SCREEN_MS
            )
            await expect(page.locator("#progress")).to_be_hidden()
            await expect(page.locator("#connection")).to_be_hidden()
            assert await page.evaluate("document.body.dataset.stream") == "open"
            await page.screenshot(path=str(artifact_path("chair-live-burst.png")))
        finally:
            await anyio.to_thread.run_sync(screen_stack.stop, "gateway")


async def test_the_screen_recovers_after_the_results_service_restarts(
    screen_stack: Stack, chair: Chair, page: Page
) -> None:
    meeting = await seat_meeting(screen_stack)
    gateway = as_caller(screen_stack.config.tokens["gateway"])
    await page.goto(f"{screen_stack.config.url('results')}/chair/{meeting}")
    await expect(page.locator("#idle")).to_be_visible(timeout=SCREEN_MS)
    try:
        await anyio.to_thread.run_sync(lambda: screen_stack.stop("results", kill=True))
        await expect(page.locator("#connection")).to_be_visible(timeout=SCREEN_MS)
        await anyio.to_thread.run_sync(screen_stack.restart, "results", "serve", "results")
        await expect(page.locator("#connection")).to_be_hidden(timeout=SCREEN_MS)

        vote_id = await chair.open_vote(meeting, "Voorstel 2: begroting 2024")
        await expect(page.locator("#vote-title")).to_have_text(
            "Voorstel 2: begroting 2024", timeout=SCREEN_MS
        )
        response = await chair.ballot.post(
            f"/api/meetings/{meeting}/presses",
            json=batch(press("000007", 1, 1)),
            headers=gateway,
        )
        assert response.status_code == 200, response.text
        await expect(page.locator("#progress-members")).to_have_text(
            f"1 van {SEATS}", timeout=SCREEN_MS
        )
        await chair.close(vote_id)
        await expect(page.locator("#outcome-sentence")).to_have_text(
            "het voorstel is aangenomen met 100% van de stemmen", timeout=SCREEN_MS
        )
        assert await page.evaluate("document.body.dataset.stream") == "open"
    finally:
        if "results" not in screen_stack.processes:
            await anyio.to_thread.run_sync(screen_stack.restart, "results", "serve", "results")
