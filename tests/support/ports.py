"""Free ports for servers a test starts, safe with parallel test processes.

A port is probed free here and bound seconds later by another process. Taken
from the kernel's ephemeral range (``bind(("", 0))``), it could meanwhile go to
any process's outgoing connection or to another worker's probe (``make test``
runs several at once: pytest-xdist, and CI's SQLite and PostgreSQL passes side
by side). So ports come from below that range, where the kernel assigns none,
in turn from a counter that every test process on the machine shares (a file
under a lock): a port is handed out again only after all the others in the
range have been, long after its server bound it (a port still bound is skipped).
"""

from __future__ import annotations

import fcntl
import socket
import tempfile
from pathlib import Path

COUNTER = Path(tempfile.gettempdir()) / "alv-test-ports"
LOWEST = 20000


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(count: int) -> int:
    """The first of ``count`` consecutive free ports (for ``alv run --port-base``)."""
    highest = _ephemeral_start()
    COUNTER.touch(exist_ok=True)
    with COUNTER.open("r+") as counter:
        fcntl.flock(counter, fcntl.LOCK_EX)
        text = counter.read().strip()
        base = int(text) if text.isdigit() else LOWEST
        for _ in range((highest - LOWEST) // count):
            if base + count > highest:
                base = LOWEST
            if all(_is_free(port) for port in range(base, base + count)):
                counter.seek(0)
                counter.truncate()
                counter.write(str(base + count))
                return base
            base += count
    raise RuntimeError("no block of free ports found")


def free_port() -> int:
    return free_port_block(1)
