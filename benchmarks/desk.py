"""The stembalie over HTTP: all 342 municipalities of 2023 register.

    python -m benchmarks.desk [--database sqlite|postgresql] [--members N]

Starts the registration service in its own process, creates a meeting with
the 2023 population, issues the cards, then registers every member the way
the desk does, one after another: scan the card, bind a handset. Reports the
latency of scan + bind as the desk page sees it.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from pathlib import Path

import httpx

from benchmarks.common import (
    Figures,
    as_caller,
    command_line,
    databases,
    percentile,
    service_stack,
)

REFERENCE = (
    Path(__file__).resolve().parent.parent
    / "services"
    / "registration"
    / "reference"
    / "population-2023-01-01.csv"
)


def bench(url: str, tokens: dict[str, str], members: int) -> tuple[list[float], list[float]]:
    admin = as_caller(tokens["secretariat"])
    desk = as_caller(tokens["desk"])
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
    assert presence["present_members"] == members, presence
    return scans, binds


async def run_bench(kind: str, args: argparse.Namespace) -> Figures:
    figures = Figures("desk", kind)
    print(f"desk on {kind}:", flush=True)
    with databases(kind) as db, service_stack(db, ("registration",)) as stack:
        scans, binds = await asyncio.to_thread(
            bench, stack.config.url("registration"), stack.config.tokens, args.members
        )
    both = [(scan + bind) * 1000 for scan, bind in zip(scans, binds, strict=True)]
    figures.add("card scan + handset bind p50", statistics.median(both), "ms")
    figures.add("card scan + handset bind p99", percentile(both, 0.99), "ms")
    return figures


def main(argv: list[str] | None = None) -> None:
    command_line(
        "desk",
        run_bench,
        argv,
        members={"type": int, "default": 342, "help": "how many of the 342 register"},
    )


if __name__ == "__main__":
    main()
