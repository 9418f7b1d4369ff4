"""Alembic per service, run programmatically on start-up and by ``alv migrate``.

Every service keeps its migrations in ``services/<name>/migrations``; their
``env.py`` calls :func:`run_env` so the Alembic plumbing exists once.

Processes started together (several workers, a second ballot process, a
compose file bringing everything up at once) each migrate on start-up. On
PostgreSQL they would race on an empty database: both see no
``alembic_version`` and both create the tables, and one dies. So the upgrade
runs under a PostgreSQL advisory lock keyed by the service (advisory locks
belong to one database): the first process migrates, the others wait, then
find the database at head and do nothing. SQLite is one file on one machine,
migrated by the process that opens it (``alv serve --workers`` migrates once
before it starts its workers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, create_engine, pool, text

from services.common.database import is_sqlite, sync_url


def alembic_config(service_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(service_dir / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(service_dir: Path, url: str) -> None:
    if is_sqlite(url):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(service_dir, url), "head")


def migration_lock_key(service: str) -> int:
    """The advisory lock key (a signed 64-bit integer) of one service's migrations."""
    digest = hashlib.sha256(f"alv.migrations.{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def migration_lock(connection: Connection, service: str) -> Iterator[None]:
    """Hold the service's migration lock on PostgreSQL (a no-op on SQLite).

    A session-level lock, taken and released outside the migration's own
    transaction, so Alembic still begins and commits that transaction itself.
    After a failed migration it goes with the connection, closed on the way out
    (as it goes when a process dies holding it).
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    key = migration_lock_key(service)
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
    connection.commit()
    yield
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    connection.commit()


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py`` (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    script_location = context.config.get_main_option("script_location")
    assert url is not None and script_location is not None
    service = Path(script_location).parent.name  # services/<service>/migrations
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection, migration_lock(connection, service):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds tables.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
