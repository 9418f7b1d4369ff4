"""Benchmark: from closing a vote to its final stored result.

    python -m services.results.bench_results [--sizes 342 10000] [--votes 3]

Not a test: it prints numbers. Ballot and results run in-process on fresh
SQLite databases in a temporary directory (``--keep`` leaves them); ballot's
registration is a fake transport returning an electorate of synthetic members
(weights 1-75), and the presses arrive through ballot's batch API in batches
of 500, every member pressing once. Per vote it times:

* ``close``: ballot's close request;
* ``close→stored``: from just before the close to the stored outcome being
  returned by ``GET /api/votes/{id}/outcome`` (the first read computes, stores
  and links it in the chain);
* ``read``: a second read of the stored outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.common.auth import generate_tokens
from services.common.settings import TokenSettings
from services.results.app import create_app as create_results
from services.results.config import ResultsSettings

BATCH = 500


def electorate(size: int) -> list[dict[str, Any]]:
    return [
        {
            "code": f"GM{i:04d}" if i < 10_000 else f"GX{i:05d}",
            "name": f"Gemeente {i}",
            "weight": 1 + (i * 37) % 75,
            "handset": f"{i:06d}",
        }
        for i in range(1, size + 1)
    ]


def fake_registration(meeting: str, members: list[dict[str, Any]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/api/meetings/{meeting}/electorate":
            return httpx.Response(200, json={"meeting": meeting, "members": members})
        return httpx.Response(404, json={"code": "not_found", "detail": "onbekend"})

    return httpx.MockTransport(handler)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            yield client


@dataclass
class Timing:
    presses_s: float
    close_s: float
    stored_s: float
    read_s: float


async def one_vote(
    ballot: httpx.AsyncClient,
    results: httpx.AsyncClient,
    *,
    meeting: str,
    members: list[dict[str, Any]],
    number: int,
    auth: dict[str, dict[str, str]],
) -> Timing:
    response = await ballot.post(
        f"/api/meetings/{meeting}/votes",
        json={"kind": "motie", "title": f"Motie {number}"},
        headers=auth["chair"],
    )
    response.raise_for_status()
    vote_id = response.json()["id"]
    (await ballot.post(f"/api/votes/{vote_id}/open", headers=auth["chair"])).raise_for_status()
    started = time.perf_counter()
    for start in range(0, len(members), BATCH):
        presses = [
            {
                "receiver": "R01",
                "handset": m["handset"],
                "seq": number,
                "key": 1 + (i % 3),
                "rssi": -60,
                "battery": 90,
                "received_at": "2023-12-01T10:00:00Z",
            }
            for i, m in enumerate(members[start : start + BATCH], start=start)
        ]
        response = await ballot.post(
            f"/api/meetings/{meeting}/presses", json={"presses": presses}, headers=auth["gateway"]
        )
        response.raise_for_status()
    presses_s = time.perf_counter() - started

    started = time.perf_counter()
    (await ballot.post(f"/api/votes/{vote_id}/close", headers=auth["chair"])).raise_for_status()
    closed = time.perf_counter()
    response = await results.get(f"/api/votes/{vote_id}/outcome")
    response.raise_for_status()
    stored = time.perf_counter()
    assert response.json()["record"] is not None, "not stored"
    assert response.json()["voted"]["members"] == len(members)
    (await results.get(f"/api/votes/{vote_id}/outcome")).raise_for_status()
    read = time.perf_counter()
    return Timing(presses_s, closed - started, stored - started, read - stored)


async def bench(size: int, votes: int, directory: Path) -> list[Timing]:
    tokens = generate_tokens()
    settings_tokens = TokenSettings.model_validate(tokens)
    auth = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    meeting = f"bench-{size}"
    members = electorate(size)

    ballot_app = create_ballot(
        BallotSettings(
            database_url=f"sqlite:///{directory / f'ballot-{size}.db'}",
            tokens=settings_tokens,
            registration_url="http://registration",
        ),
        registration_transport=fake_registration(meeting, members),
    )
    timings = []
    async with running(ballot_app) as ballot:
        results_app = create_results(
            ResultsSettings(
                database_url=f"sqlite:///{directory / f'results-{size}.db'}",
                tokens=settings_tokens,
                ballot_url="http://ballot",
            ),
            ballot_transport=httpx.ASGITransport(app=ballot_app),
        )
        async with running(results_app) as results:
            for number in range(1, votes + 1):
                timings.append(
                    await one_vote(
                        ballot, results, meeting=meeting, members=members, number=number, auth=auth
                    )
                )
    return timings


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:8.1f} ms, max {max(values) * 1000:8.1f} ms"


async def main_async(sizes: list[int], votes: int, keep: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="alv-bench-"))
    try:
        for size in sizes:
            timings = await bench(size, votes, tmp)
            print(f"{size:>6} handsets, {votes} votes (SQLite):", flush=True)
            print(f"  presses in      {_ms([t.presses_s for t in timings])}")
            print(f"  close           {_ms([t.close_s for t in timings])}")
            print(f"  close→stored    {_ms([t.stored_s for t in timings])}")
            print(f"  read stored     {_ms([t.read_s for t in timings])}", flush=True)
    finally:
        if keep:
            print(f"databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.results.bench_results")
    parser.add_argument("--sizes", type=int, nargs="+", default=[342, 10_000])
    parser.add_argument("--votes", type=int, default=3, help="votes per size (median, max)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite databases")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.sizes, args.votes, args.keep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
