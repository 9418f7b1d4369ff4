from __future__ import annotations

from collections.abc import Iterator

import pytest

from alv.stack import Stack
from tests.support.databases import DatabaseFactory
from tests.support.stacks import running_stack


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    token_values: dict[str, str],
    database_factory: DatabaseFactory,
) -> Iterator[Stack]:
    """The three services as real processes on real ports."""
    with running_stack(
        name="e2e",
        data_dir=tmp_path_factory.mktemp("stack"),
        database_factory=database_factory,
    ) as stack:
        yield stack
