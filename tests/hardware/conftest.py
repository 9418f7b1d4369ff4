"""Fixtures for the hardware tests: async tests run on asyncio through anyio.

The integration fixtures put a real pseudo-terminal between the simulator and
the gateway and real HTTP between the gateway and a fake ballot service, all on
the test's event loop (the gateway's serial threads aside).
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from hardware.config import GatewaySettings
from hardware.fakeballot import FakeBallot
from hardware.gateway import Gateway
from hardware.simulator import SimConfig, Simulator

# fast retries so that recovery scenarios take milliseconds, not seconds
FAST = {
    "state_poll_ms": 20.0,
    "retry_initial_s": 0.02,
    "retry_max_s": 0.1,
    "reconnect_initial_s": 0.02,
    "reconnect_max_s": 0.1,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def ballot() -> AsyncIterator[FakeBallot]:
    async with FakeBallot() as running:
        yield running


def sim_config(**overrides: Any) -> SimConfig:
    """Unpaced, no heartbeats, seeded: what most tests want."""
    defaults: dict[str, Any] = {"paced": False, "stat_interval": None, "seed": 7}
    return SimConfig(**(defaults | overrides))


@asynccontextmanager
async def hall(
    ballot: FakeBallot,
    *,
    receivers: int = 1,
    handsets: int = 10,
    links: list[str | None] | None = None,
    config: SimConfig | None = None,
    clock: Callable[[], datetime.datetime] | None = None,
    **settings: Any,
) -> AsyncIterator[tuple[Simulator, Gateway]]:
    """A simulator and a gateway on its ports, talking to ``ballot``."""
    sim = Simulator(
        receivers=receivers, handsets=handsets, links=links or [], config=config or sim_config()
    )
    async with sim:
        gateway_settings = GatewaySettings(
            ports=[r.port for r in sim.receivers],
            ballot_url=ballot.url,
            meeting=ballot.meeting,
            token=ballot.token,
            **(FAST | settings),
        )
        async with Gateway(gateway_settings, clock=clock) as gateway:
            yield sim, gateway
