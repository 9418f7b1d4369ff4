"""Processes started together on an empty PostgreSQL database migrate it once,
one after another, instead of racing to create the same tables."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from services.common.migrations import alembic_config, migration_lock_key
from tests.support.databases import DatabaseFactory

pytestmark = [pytest.mark.db]

BALLOT_DIR = Path(__file__).resolve().parents[2] / "services" / "ballot"
PROCESSES = 3


def waiting_for_advisory_locks(connection: psycopg.Connection) -> int:
    row = connection.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_processes_started_together_migrate_one_after_another(
    database_factory: DatabaseFactory, token_values: dict[str, str]
) -> None:
    if not database_factory.is_postgres:
        pytest.skip("the migration lock is PostgreSQL's (make test-postgres)")
    url = database_factory.create("migrate_together")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALLOT_")}
    env["BALLOT_SERVICE_TOKEN"] = token_values["service"]
    env["BALLOT_DATABASE_URL"] = url
    dsn = make_url(url).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as holder:
        # Hold ballot's migration lock, so that every process is surely started
        # and waiting before the first one may migrate.
        holder.execute("SELECT pg_advisory_lock(%s)", (migration_lock_key("ballot"),))
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "alv", "migrate", "ballot"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        try:
            deadline = time.monotonic() + 60
            while waiting_for_advisory_locks(holder) < PROCESSES:
                exited = [p for p in processes if p.poll() is not None]
                assert not exited, exited[0].communicate()[0]
                assert time.monotonic() < deadline, "the processes never queued for the lock"
                time.sleep(0.05)  # processes starting up have no event to wait on
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (migration_lock_key("ballot"),))
        outputs = [process.communicate(timeout=60)[0] for process in processes]
        assert [p.returncode for p in processes] == [0] * PROCESSES, "\n".join(outputs)
        versions = holder.execute("SELECT version_num FROM alembic_version").fetchall()
    head = ScriptDirectory.from_config(alembic_config(BALLOT_DIR, url)).get_current_head()
    assert versions == [(head,)]
    # One of them ran the migrations; the others found the database at head.
    assert sum("Running upgrade  ->" in output for output in outputs) == 1
