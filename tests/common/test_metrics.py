"""``GET /metrics`` on each service, scraped and parsed with Prometheus' own parser.

The three apps run in this one process and share the client's registry, so
counters are read as the difference a vote makes, per ``service`` label.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from pydantic import SecretStr

from services.common.metrics import MULTIPROC_ENV, SSE_FOLLOWERS, followed
from tests.results.conftest import (
    HAND_COMPUTED,
    Services,
    linked_services,
    run_vote,
    seat,
    settings_reaching_ballot,
)
from tests.support.presses import batch, press
from tests.support.served_in_loop import serve_on_port
from tests.support.sse import server_events, take_until

pytestmark = [pytest.mark.anyio]


async def scrape(client: httpx.AsyncClient) -> list[Sample]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return [
        sample
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    return sum(
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


@pytest.fixture
async def served(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    """Ballot and results on real sockets: the screen stream needs one."""
    async with linked_services(
        database_urls,
        tokens,
        token_values,
        serve=serve_on_port,
        settings=settings_reaching_ballot(database_urls, tokens),
        ballot_transport=httpx.AsyncHTTPTransport(),
    ) as services:
        yield services


@pytest.mark.db
class TestMetrics:
    async def test_each_service_counts_its_requests_per_route_template(
        self, served: Services, meeting_code: str
    ) -> None:
        await seat(served, meeting_code)
        vote_id = await run_vote(served, meeting_code)
        assert (await served.results.get(f"/api/votes/{vote_id}/outcome")).status_code == 200
        for client, service, route in (
            (served.registration, "registration", "/api/meetings/{meeting}/registrations"),
            (served.ballot, "ballot", "/api/meetings/{meeting}/presses"),
            (served.results, "results", "/api/votes/{vote_id}/outcome"),
        ):
            samples = await scrape(client)
            count = value(
                samples,
                "alv_http_request_duration_seconds_count",
                service=service,
                route=route,
                status="200" if service != "registration" else "201",
            )
            assert count >= 1, (service, route)
            # The path itself never becomes a label: no series per meeting or vote.
            routes = {s.labels.get("route", "") for s in samples}
            assert not any(meeting_code in r or str(vote_id) in r for r in routes)
            assert value(samples, "alv_http_request_duration_seconds_bucket", le="+Inf") >= count

    async def test_presses_by_status_batches_and_outcomes(
        self, served: Services, meeting_code: str
    ) -> None:
        await seat(served, meeting_code)
        ballot_before, results_before = await scrape(served.ballot), await scrape(served.results)
        vote_id = await run_vote(served, meeting_code, HAND_COMPUTED)
        assert (await served.results.get(f"/api/votes/{vote_id}/outcome")).status_code == 200
        # The same batch again: answered, not stored again.
        repeat = await served.ballot.post(
            f"/api/meetings/{meeting_code}/presses",
            json=batch(press("000363", vote_id, 1)),
            headers=served.auth("gateway"),
        )
        assert repeat.status_code == 200
        ballot_after, results_after = await scrape(served.ballot), await scrape(served.results)

        def delta(before: list[Sample], after: list[Sample], name: str, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert delta(ballot_before, ballot_after, "ballot_presses_total", status="OK") == 3
        assert delta(ballot_before, ballot_after, "ballot_press_repeats_total") == 1
        assert delta(ballot_before, ballot_after, "ballot_press_batch_seconds_count") == 2
        stored = delta(
            results_before, results_after, "results_outcomes_computed_total", kind="stored"
        )
        assert stored == 1

    async def test_open_screen_streams_are_counted(
        self, served: Services, meeting_code: str
    ) -> None:
        def followers(samples: list[Sample]) -> float:
            return value(samples, "alv_sse_followers", service="results", stream="screen")

        before = followers(await scrape(served.results))
        url = f"/api/meetings/{meeting_code}/stream"
        async with served.results.stream("GET", url) as response:
            await take_until(server_events(response), lambda taken: True)
            assert followers(await scrape(served.results)) == before + 1


async def test_a_follower_leaves_the_count_when_its_stream_ends() -> None:
    async def body() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        await anyio.sleep_forever()

    gauge = SSE_FOLLOWERS.labels("test", "unit")
    stream = followed(body(), service="test", stream="unit")
    assert await anext(stream) == "retry: 1000\n\n"
    assert gauge._value.get() == 1
    await stream.aclose()  # what the server does when the browser goes away
    assert gauge._value.get() == 0


def test_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two worker processes count; a third serves /metrics with both counts added."""
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path / "metrics")}
    prepare = "from services.common.metrics import prepare_multiprocess_dir as p; p()"
    work = (
        "from services.common.metrics import REQUEST_SECONDS, SSE_FOLLOWERS\n"
        "REQUEST_SECONDS.labels('ballot', 'POST', '/p', '200').observe(0.01)\n"
        "SSE_FOLLOWERS.labels('ballot', 'events').inc()\n"
    )
    stopped = work + "from services.common.metrics import process_stopped\nprocess_stopped()\n"
    show = (
        "import sys; from services.common.metrics import exposition as e;"
        " sys.stdout.write(e().decode())"
    )
    for code in (prepare, work, stopped):
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    shown = subprocess.run(
        [sys.executable, "-c", show],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    samples = [s for f in text_string_to_metric_families(shown) for s in f.samples]
    assert value(samples, "alv_http_request_duration_seconds_count", route="/p") == 2
    # A worker that stopped (its lifespan ends with process_stopped) follows no stream;
    # the first never said it stopped, so its follower still counts.
    assert value(samples, "alv_sse_followers", stream="events") == 1
