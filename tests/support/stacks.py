"""The services as real processes for a test module, on databases of their own."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import httpx

from alv.stack import SERVICE_PORTS, Stack, StackConfig
from tests.conftest import SERVICES, unique_meeting_code
from tests.support.accounts import mint_credentials
from tests.support.apps import as_caller
from tests.support.builders import make_meeting
from tests.support.databases import DatabaseFactory
from tests.support.ports import free_port


@contextmanager
def running_stack(
    *,
    name: str,
    data_dir: Path,
    database_factory: DatabaseFactory,
    parts: tuple[str, ...] = SERVICES,
    processes: dict[str, int] | None = None,
    workers: dict[str, int] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """``parts`` started on free ports with fresh ``<name>_*_<service>`` databases,
    so modules running their own stack never see each other's data.
    ``processes`` and ``workers`` as in ``StackConfig`` (scale-out); ``extra_env``
    over every process's environment (a mail server for registration).
    ``stack.config.tokens`` holds credentials made in its registration database
    (``mint_credentials``: sessions of the people roles, machine tokens)."""
    run = f"{name}_{secrets.token_hex(2)}"  # a module-scoped fixture may be built twice
    database_urls = {s: database_factory.create(f"{run}_{s}") for s in SERVICES}
    config = StackConfig(
        data_dir=data_dir,
        meeting=unique_meeting_code(),
        tokens=mint_credentials(database_urls["registration"], services=True),
        database_urls=database_urls,
        processes=processes or {},
        workers=workers or {},
        extra_env=extra_env or {},
    )
    config.ports = {each: free_port() for part in SERVICE_PORTS for each in config.names(part)}
    stack = Stack(config)
    try:
        stack.start_services(parts=parts)
        yield stack
    finally:
        stack.stop()


async def seat_everyone(stack: Stack, *, meeting: str, members_csv: str) -> None:
    """A meeting of the members in ``members_csv``, all present at the desk of
    ``stack``'s registration: GM0007 holds handset 000007."""
    tokens = stack.config.tokens
    async with httpx.AsyncClient(base_url=stack.config.url("registration"), timeout=30) as reg:
        cards = await make_meeting(
            reg, admin=tokens["secretariat"], code=meeting, members_csv=members_csv
        )
        for member, card in cards.items():
            response = await reg.post(
                f"/api/meetings/{meeting}/registrations",
                json={"card_code": card, "handset": f"{int(member[2:]):06d}"},
                headers=as_caller(tokens["desk"]),
            )
            assert response.status_code == 201, response.text


@asynccontextmanager
async def gateways(
    stack: Stack,
    receiver_ports: Sequence[str],
    *,
    count: int = 1,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> AsyncIterator[list[Stack]]:
    """``count`` gateway processes (``alv gateway``) for ``stack``'s meeting,
    the receivers shared out between them; ``env`` over their environment,
    ``cwd`` the checkout they run from (a benchmark's before)."""
    started = []
    try:
        for number in range(count):
            config = dataclasses.replace(
                stack.config,
                ports={**stack.config.ports, "gateway": free_port()},
                serial_ports=list(receiver_ports[number::count]),
                extra_env=env or {},
            )
            each = Stack(config)
            started.append(each)
            with contextlib.chdir(cwd or os.getcwd()):
                await anyio.to_thread.run_sync(each.start_hardware)
        yield started
    finally:
        for each in started:
            await anyio.to_thread.run_sync(each.stop)
