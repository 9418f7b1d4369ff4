"""The handset registry: the gateway reports battery and signal, staff see every
handset with its member and the warnings before a vote."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hardware.config import GatewaySettings
from hardware.fakeballot import FakeBallot
from hardware.gateway import Gateway, HandsetStatus
from hardware.handset_report import HandsetReporter
from hardware.simulator import Simulator
from services.registration import handset_health
from services.registration.app import create_app
from services.registration.config import RegistrationSettings
from tests.hardware.conftest import FAST, sim_config
from tests.support.apps import as_caller
from tests.support.builders import make_meeting
from tests.support.served_in_loop import serve_on_port

pytestmark = [pytest.mark.anyio]

NOW = datetime.datetime(2023, 12, 1, 10, 0, tzinfo=datetime.UTC)
BOUND = {"GM0363": "000001", "GM0088": "000002", "GM0344": "000003"}


class TestHealth:
    """The rules (pure): in range within a minute, low below 20%."""

    def sighting(self, battery: int = 80, ago: float = 0) -> handset_health.Sighting:
        return handset_health.Sighting(battery, NOW - datetime.timedelta(seconds=ago))

    @pytest.mark.parametrize(("ago", "expected"), [(0, True), (60, True), (60.001, False)])
    def test_in_range_means_heard_within_a_minute(self, ago: float, expected: bool) -> None:
        assert handset_health.in_range(self.sighting(ago=ago), NOW) is expected

    @pytest.mark.parametrize(("battery", "low"), [(19, True), (20, False), (0, True), (100, False)])
    def test_below_twenty_percent_is_low(self, battery: int, low: bool) -> None:
        found = handset_health.problems(bound=True, sighting=self.sighting(battery), now=NOW)
        assert (handset_health.Problem.LOW_BATTERY in found) is low

    def test_a_bound_handset_never_heard_and_a_loose_one_that_is_silent(self) -> None:
        assert handset_health.problems(bound=True, sighting=None, now=NOW) == ["never_seen"]
        assert handset_health.problems(bound=False, sighting=None, now=NOW) == []
        stale = self.sighting(battery=5, ago=3600)
        assert handset_health.problems(bound=False, sighting=stale, now=NOW) == []
        assert handset_health.problems(bound=True, sighting=stale, now=NOW) == [
            "out_of_range",
            "low_battery",
        ]


@pytest.fixture
async def registration(
    database_urls: dict[str, str], tokens: SecretStr
) -> AsyncIterator[httpx.AsyncClient]:
    settings = RegistrationSettings(
        database_url=database_urls["registration"], service_token=tokens
    )
    async with serve_on_port(create_app(settings)) as client:
        yield client


async def seat(client: httpx.AsyncClient, tokens: dict[str, str], meeting: str) -> None:
    cards = await make_meeting(client, admin=tokens["secretariat"], code=meeting)
    for member, handset in BOUND.items():
        response = await client.post(
            f"/api/meetings/{meeting}/registrations",
            json={"card_code": cards[member], "handset": handset},
            headers=as_caller(tokens["desk"]),
        )
        assert response.status_code == 201, response.text


def seen(handset: str, battery: int, ago: float) -> dict[str, Any]:
    moment = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=ago)
    return {
        "handset": handset,
        "receiver": "R01",
        "rssi": -60,
        "battery": battery,
        "last_seen": moment.isoformat(),
    }


@pytest.mark.db
class TestRegistry:
    async def test_every_handset_with_its_member_and_the_warnings(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
    ) -> None:
        await seat(registration, token_values, meeting_code)
        url = f"/api/meetings/{meeting_code}/handsets"
        report = [seen("000001", 90, 5), seen("000002", 12, 5), seen("000009", 50, 5)]
        # 000003 (Utrecht) was heard two minutes ago, then no more.
        report.append(seen("000003", 70, 120))
        response = await registration.post(
            f"{url}/sightings",
            json={"handsets": report},
            headers=as_caller(token_values["gateway"]),
        )
        assert response.json() == {"stored": 4}

        body = (await registration.get(url, headers=as_caller(token_values["chair"]))).json()
        rows = {h["handset"]: h for h in body["handsets"]}
        assert list(rows) == ["000001", "000002", "000003", "000009"]
        assert (rows["000001"]["name"], rows["000001"]["in_range"]) == ("Amsterdam", True)
        assert rows["000001"]["problems"] == []
        assert rows["000002"]["problems"] == ["low_battery"]
        assert rows["000003"]["problems"] == ["out_of_range"]
        assert (rows["000009"]["member"], rows["000009"]["problems"]) == (None, [])
        assert [w["handset"] for w in body["warnings"]] == [
            "000003",
            "000002",
        ]  # Utrecht weighs more
        assert (body["bound"], body["in_range"]) == (3, 2)

    async def test_a_late_report_never_turns_the_clock_back(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
    ) -> None:
        await seat(registration, token_values, meeting_code)
        url = f"/api/meetings/{meeting_code}/handsets"
        gateway = as_caller(token_values["gateway"])
        await registration.post(
            f"{url}/sightings", json={"handsets": [seen("000001", 40, 1)]}, headers=gateway
        )
        late = [seen("000001", 90, 300), seen("000001", 95, 400)]
        response = await registration.post(
            f"{url}/sightings", json={"handsets": late}, headers=gateway
        )
        assert response.status_code == 200
        body = (await registration.get(url, headers=as_caller(token_values["desk"]))).json()
        assert body["handsets"][0]["battery"] == 40

    async def test_who_may_report_and_who_may_read(
        self, registration: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
    ) -> None:
        await seat(registration, token_values, meeting_code)
        url = f"/api/meetings/{meeting_code}/handsets"
        body = {"handsets": [seen("000001", 40, 1)]}
        assert (
            await registration.post(
                f"{url}/sightings", json=body, headers=as_caller(token_values["desk"])
            )
        ).status_code == 403
        assert (
            await registration.get(url, headers=as_caller(token_values["gateway"]))
        ).status_code == 403
        assert (await registration.get(url)).status_code == 401

    @pytest.mark.parametrize(
        "bad",
        [
            {"handset": "12345"},
            {"handset": "12345٣"},  # an Arabic-Indic digit is no digit here
            {"battery": 101},
            {"rssi": 5},
            {"last_seen": "2023-12-01T10:00:00"},  # no time zone
        ],
    )
    async def test_a_bad_report_changes_nothing(
        self,
        registration: httpx.AsyncClient,
        token_values: dict[str, str],
        meeting_code: str,
        bad: dict[str, Any],
    ) -> None:
        await seat(registration, token_values, meeting_code)
        url = f"/api/meetings/{meeting_code}/handsets"
        body = {"handsets": [seen("000001", 40, 1), {**seen("000002", 40, 1), **bad}]}
        response = await registration.post(
            f"{url}/sightings", json=body, headers=as_caller(token_values["gateway"])
        )
        assert response.status_code == 422
        listed = (await registration.get(url, headers=as_caller(token_values["desk"]))).json()
        assert all(h["last_seen"] is None for h in listed["handsets"])


@pytest.mark.db
async def test_the_gateway_reports_what_it_hears(
    registration: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
) -> None:
    """Heartbeats through a real pseudo-terminal, the gateway's report over real HTTP."""
    await seat(registration, token_values, meeting_code)
    async with (
        FakeBallot(meeting=meeting_code, token=token_values["gateway"]) as ballot,
        Simulator(handsets=3, config=sim_config(stat_interval=0.03)) as sim,
    ):
        sim.handsets["000002"].battery = 15.0
        settings = GatewaySettings(
            ports=[sim.receivers[0].port],
            ballot_url=ballot.url,
            meeting=meeting_code,
            token=token_values["gateway"],
            registration_url=str(registration.base_url),
            handset_report_s=3600,  # the test reports by hand
            **FAST,
        )
        async with Gateway(settings) as gateway:
            await gateway.wait_until(lambda: len(gateway.handsets) == 3)
            reporter = gateway.reporter
            assert isinstance(reporter, HandsetReporter)
            assert await reporter.report_once() == 3
            # Only what changed goes next time.
            await gateway.wait_until(lambda: reporter.changed() != [])
            assert 1 <= await reporter.report_once() <= 3
    body = (
        await registration.get(
            f"/api/meetings/{meeting_code}/handsets", headers=as_caller(token_values["chair"])
        )
    ).json()
    rows = {h["handset"]: h for h in body["handsets"]}
    assert all(rows[h]["in_range"] for h in ("000001", "000002", "000003"))
    assert rows["000002"]["battery"] < 20
    assert [w["handset"] for w in body["warnings"]] == ["000002"]


async def test_a_registration_that_is_down_only_delays_the_reports() -> None:
    calls: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(len(request.content))
        return httpx.Response(503 if len(calls) == 1 else 200, json={"stored": 1})

    heard = {"000001": HandsetStatus("000001", "R01", -60, 80, NOW)}
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(answer), base_url="http://registration"
    ) as client:
        reporter = HandsetReporter(heard, client=client, meeting="m", interval=1)
        assert await reporter.report_once() == 0  # refused: kept for the next round
        assert await reporter.report_once() == 1
        assert await reporter.report_once() == 0  # nothing changed: nothing sent
    assert len(calls) == 2
