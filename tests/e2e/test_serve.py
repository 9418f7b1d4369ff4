"""``alv serve SERVICE --workers N``: worker processes sharing one port."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.databases import DatabaseFactory
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def workers_of(pid: int) -> list[int]:
    """The uvicorn workers among a process's children (multiprocessing spawns them)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def test_two_workers_start_on_an_empty_database_serve_and_stop_with_their_parent(
    tmp_path: Path, token_values: dict[str, str], database_factory: DatabaseFactory
) -> None:
    with running_stack(
        name="workers",
        data_dir=tmp_path,
        database_factory=database_factory,
        parts=("ballot",),
        workers={"ballot": 2},
    ) as stack:
        parent = stack.processes["ballot"].pid
        workers = workers_of(parent)
        assert len(workers) == 2
        with httpx.Client(base_url=stack.config.url("ballot"), timeout=10) as client:
            for _ in range(10):
                assert client.get("/healthz").json() == {"status": "ok", "service": "ballot"}
        # The port answers once the first worker is up; the second may still be starting.
        log = stack.log_dir / "ballot.log"
        deadline = time.monotonic() + 30
        while log.read_text().count("Application startup complete.") < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)  # a process starting up has no event to wait on
        assert [w for w in workers_of(parent) if w in workers] == workers
        stack.stop("ballot")
    assert [w for w in workers if Path(f"/proc/{w}").exists()] == []
