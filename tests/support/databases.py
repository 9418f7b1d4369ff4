"""Fresh databases per test run, on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


class DatabaseFactory:
    def __init__(self, *, postgres_url: str, sqlite_dir: Path, run_id: str) -> None:
        self.postgres_url = postgres_url
        self.sqlite_dir = sqlite_dir
        self.run_id = run_id
        self._created: list[str] = []

    @property
    def is_postgres(self) -> bool:
        return bool(self.postgres_url)

    def _admin_dsn(self) -> str:
        url = make_url(self.postgres_url).set(drivername="postgresql", database="postgres")
        return url.render_as_string(hide_password=False)

    def create(self, name: str) -> str:
        if not self.is_postgres:
            return f"sqlite:///{self.sqlite_dir / f'{name}.db'}"
        database = f"alv_test_{self.run_id}_{name}"
        with psycopg.connect(self._admin_dsn(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        self._created.append(database)
        url = make_url(self.postgres_url).set(drivername="postgresql", database=database)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self._created:
            return
        with psycopg.connect(self._admin_dsn(), autocommit=True) as connection:
            for database in self._created:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._created.clear()
