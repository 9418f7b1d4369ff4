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
    processes: dict[str, int] | None = None,
    workers: dict[str, int] | None = None,
) -> Iterator[Stack]:
    """``parts`` started on free ports with fresh ``<name>_*_<service>`` databases,
    so modules running their own stack never see each other's data.
    ``processes`` and ``workers`` as in ``StackConfig`` (scale-out)."""
    run = f"{name}_{secrets.token_hex(2)}"  # a module-scoped fixture may be built twice
    config = StackConfig(
        data_dir=data_dir,
        meeting=unique_meeting_code(),
        tokens=tokens,
        database_urls={s: database_factory.create(f"{run}_{s}") for s in SERVICES},
        processes=processes or {},
        workers=workers or {},
    )
    config.ports = {each: free_port() for part in SERVICE_PORTS for each in config.names(part)}
    stack = Stack(config)
    try:
        stack.start_services(parts=parts)
        yield stack
    finally:
        stack.stop()
