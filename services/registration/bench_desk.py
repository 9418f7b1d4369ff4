"""Benchmark of the stembalie over HTTP: all 342 municipalities of 2023 register.

    python -m services.registration.bench_desk [--database-url URL] [--members N]

Starts a registration service in its own process (uvicorn; a temporary SQLite
file unless ``--database-url`` is given), creates a meeting with the 2023
population, issues the cards, then registers every member the way the desk
does, one after another: scan the card, bind a handset. Reports p50/p99/max
latency per request as the desk page sees it. Not a test: numbers depend on
the machine.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.common.auth import generate_tokens
from services.registration.app import create_app
from services.registration.config import RegistrationSettings

REFERENCE = Path(__file__).parent / "reference" / "population-2023-01-01.csv"


def app_from_environment() -> FastAPI:
    """The uvicorn factory of the benchmark's service process."""
    return create_app(RegistrationSettings())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_service(database_url: str, tokens: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    environment = {
        **os.environ,
        "REGISTRATION_DATABASE_URL": database_url,
        **{f"ALV_TOKEN_{role.upper()}": token for role, token in tokens.items()},
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "services.registration.bench_desk:app_from_environment",
    ]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the registration service did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _report(name: str, samples: list[float]) -> str:
    milliseconds = [s * 1000 for s in samples]
    return (
        f"{name:<14} n={len(milliseconds):<4} p50={statistics.median(milliseconds):6.1f} ms"
        f"  p99={_percentile(milliseconds, 0.99):6.1f} ms  max={max(milliseconds):6.1f} ms"
    )


def bench(url: str, tokens: dict[str, str], members: int) -> list[str]:
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    desk = {"Authorization": f"Bearer {tokens['desk']}"}
    meeting = f"bench-{secrets.token_hex(3)}"
    rows = REFERENCE.read_text().splitlines()
    with httpx.Client(base_url=url, timeout=30) as client:
        client.post(
            "/api/meetings",
            json={"code": meeting, "name": "Benchmark", "date": "2024-06-12"},
            headers=admin,
        ).raise_for_status()
        client.post(
            f"/api/meetings/{meeting}/members/import",
            content="\n".join(rows[: members + 1]).encode(),
            headers={**admin, "Content-Type": "text/csv"},
        ).raise_for_status()
        cards = client.post(f"/api/meetings/{meeting}/cards", headers=admin)
        cards.raise_for_status()
        scans: list[float] = []
        binds: list[float] = []
        for number, card in enumerate(cards.json(), start=1):
            started = time.perf_counter()
            client.post(
                f"/api/meetings/{meeting}/desk/scan", json={"card_code": card["code"]}, headers=desk
            ).raise_for_status()
            scanned = time.perf_counter()
            client.post(
                f"/api/meetings/{meeting}/registrations",
                json={"card_code": card["code"], "handset": f"{number:06d}"},
                headers=desk,
            ).raise_for_status()
            binds.append(time.perf_counter() - scanned)
            scans.append(scanned - started)
        presence = client.get(f"/api/meetings/{meeting}/presence").json()
    both = [scan + bind for scan, bind in zip(scans, binds, strict=True)]
    return [
        _report("card scan", scans),
        _report("handset bind", binds),
        _report("scan + bind", both),
        f"present: {presence['present_members']} of {presence['total_members']} members,"
        f" {presence['present_weight']} of {presence['total_weight']} votes",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--members", type=int, default=342, help="how many of the 342 register")
    args = parser.parse_args(argv)
    tokens = generate_tokens()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/registration.db"
        with running_service(url, tokens) as service:
            lines = bench(service, tokens, args.members)
    print(f"database: {'SQLite (temporary file)' if not args.database_url else args.database_url}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
