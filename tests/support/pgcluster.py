"""A PostgreSQL cluster of one's own: initdb, pg_ctl, a free port, removed after.

For what the shared server on 5432 must not suffer or must not disturb: a
fault test that restarts PostgreSQL mid-burst, and benchmarks that read the
CPU time of exactly their own PostgreSQL processes from /proc.

    with postgres_cluster() as cluster:
        url = cluster.create_database("alv_ballot")
        cluster.restart()            # immediate: like a crash, then recovery
        cluster.cpu_seconds()        # postmaster + backends, exited ones too

Binaries from ``/usr/lib/postgresql/<version>/bin`` (the newest installed).
Run as root, the server runs as the ``postgres`` user (initdb refuses root),
so the cluster lives in a directory of its own under the system temp dir
(a test's ``tmp_path`` is private to root).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.support.ports import free_port

BIN_ROOT = Path("/usr/lib/postgresql")


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or ``None``."""
    found = sorted(
        (path for path in BIN_ROOT.glob("*/bin") if (path / "pg_ctl").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """User + system CPU of a process from /proc (0 when it is gone); with
    ``with_children``, also that of its exited children it has waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # After the ")": state is field 3 of stat(5), so utime (14) is index 11 here.
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _clock_ticks()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, IndexError):
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@dataclass
class PostgresCluster:
    directory: Path
    port: int
    bin: Path
    # Server settings beyond the defaults (``-c name=value``).
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _run(self, *args: str) -> None:
        user = None
        if os.geteuid() == 0:
            user = "postgres"
        subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            user=user,
            group=user,
            cwd=self.directory,
        )

    def init(self) -> None:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "immediate") -> None:
        """Stopped (``immediate``: no shutdown checkpoint, recovery at the start,
        as after a crash) and started again on the same port."""
        self.stop(mode)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def cpu_seconds(self) -> float:
        """CPU of the whole server so far: the postmaster, its running backends,
        and the backends that have exited (reaped by the postmaster)."""
        pid = self.postmaster_pid()
        total = process_cpu_seconds(pid, with_children=True)
        return total + sum(process_cpu_seconds(child) for child in children_of(pid))


@contextlib.contextmanager
def postgres_cluster(**settings: str) -> Iterator[PostgresCluster]:
    """A fresh cluster on a free port; stopped and removed after."""
    found = postgres_bin()
    if found is None:
        raise RuntimeError(f"no PostgreSQL server binaries under {BIN_ROOT}")
    directory = Path(tempfile.mkdtemp(prefix="alv-pg-"))
    cluster = PostgresCluster(directory=directory, port=free_port(), bin=found, settings=settings)
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
