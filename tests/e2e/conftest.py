from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alv.stack import Stack, StackConfig
from tests.conftest import SERVICES, unique_meeting_code
from tests.support.databases import DatabaseFactory
from tests.support.ports import free_port


@pytest.fixture(scope="module")
def e2e_database_urls(database_factory: DatabaseFactory) -> dict[str, str]:
    """Databases of their own, so the processes start on empty schemas."""
    return {service: database_factory.create(f"e2e_{service}") for service in SERVICES}


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    token_values: dict[str, str],
    e2e_database_urls: dict[str, str],
) -> Iterator[Stack]:
    """The three services as real processes on real ports."""
    data_dir: Path = tmp_path_factory.mktemp("stack")
    config = StackConfig(
        data_dir=data_dir,
        meeting=unique_meeting_code(),
        tokens=token_values,
        ports={part: free_port() for part in ("registration", "ballot", "results", "gateway")},
        database_urls=e2e_database_urls,
    )
    stack = Stack(config)
    try:
        stack.start_services()
        yield stack
    finally:
        stack.stop()
