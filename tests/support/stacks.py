"""The services as real processes for a test module, on databases of their own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alv.stack import SERVICE_PORTS, Stack, StackConfig
from tests.conftest import SERVICES, unique_meeting_code
from tests.support.databases import DatabaseFactory
from tests.support.ports import free_port


@contextmanager
def running_stack(
    *,
    name: str,
    data_dir: Path,
    tokens: dict[str, str],
    database_factory: DatabaseFactory,
    parts: tuple[str, ...] = SERVICES,
) -> Iterator[Stack]:
    """``parts`` started on free ports with fresh ``<name>_*_<service>`` databases,
    so modules running their own stack never see each other's data."""
    run = f"{name}_{secrets.token_hex(2)}"  # a module-scoped fixture may be built twice
    config = StackConfig(
        data_dir=data_dir,
        meeting=unique_meeting_code(),
        tokens=tokens,
        ports={part: free_port() for part in SERVICE_PORTS},
        database_urls={s: database_factory.create(f"{run}_{s}") for s in SERVICES},
    )
    stack = Stack(config)
    try:
        stack.start_services(parts=parts)
        yield stack
    finally:
        stack.stop()
