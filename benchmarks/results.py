"""From closing a vote to its stored result, with the real ballot and results processes.

    python -m benchmarks.results [--database sqlite|postgresql] [--sizes 342 10000 100000]

Registration is a stand-in serving an electorate of the given size (weights
1-75); every member presses once, through ballot's batch API in batches of
1000 (timed too: ``presses in``). ``close→stored`` runs from just before the
chair's close request to the stored outcome being answered by results'
``GET /api/votes/{id}/outcome`` (the first read computes, stores and chains it).
"""

from __future__ import annotations

import argparse
import secrets
import time

import httpx

from benchmarks.common import (
    FakeRegistration,
    Figures,
    as_caller,
    at_most,
    command_line,
    databases,
    electorate,
    service_stack,
)
from benchmarks.presses import batch_body

BATCH = 1000
GOALS = {342: 0.05, 10_000: 0.3, 100_000: 3.0}


async def one_vote(
    ballot: httpx.AsyncClient,
    results: httpx.AsyncClient,
    registration: FakeRegistration,
    tokens: dict[str, str],
    size: int,
) -> tuple[float, float]:
    """(presses in, close→stored) in seconds for one vote of ``size`` electors."""
    meeting = f"results-{secrets.token_hex(3)}"
    members = electorate(size)
    registration.seat(meeting, members)
    chair, gateway = as_caller(tokens["chair"]), as_caller(tokens["gateway"])
    created = await ballot.post(
        f"/api/meetings/{meeting}/votes", json={"kind": "motie", "title": "Motie"}, headers=chair
    )
    created.raise_for_status()
    vote_id = created.json()["id"]
    (await ballot.post(f"/api/votes/{vote_id}/open", headers=chair)).raise_for_status()
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        presses = [
            (m["handset"], 1, 1 + i % 3) for i, m in enumerate(members[start : start + BATCH])
        ]
        response = await ballot.post(
            f"/api/meetings/{meeting}/presses", json=batch_body(presses, "R01"), headers=gateway
        )
        response.raise_for_status()
    presses_in = time.perf_counter() - started
    started = time.perf_counter()
    (await ballot.post(f"/api/votes/{vote_id}/close", headers=chair)).raise_for_status()
    response = await results.get(f"/api/votes/{vote_id}/outcome")
    stored = time.perf_counter() - started
    response.raise_for_status()
    assert response.json()["voted"]["members"] == size, response.json()["voted"]
    return presses_in, stored


async def run_bench(kind: str, args: argparse.Namespace) -> Figures:
    figures = Figures("results", kind)
    print(f"results on {kind}:", flush=True)
    registration = FakeRegistration()
    with databases(kind) as db:
        async with registration.serving():
            with service_stack(
                db, ("ballot", "results"), registration_port=registration.port
            ) as stack:
                registration.vouch(stack.config.tokens)
                async with (
                    httpx.AsyncClient(base_url=stack.config.url("ballot"), timeout=3600) as ballot,
                    httpx.AsyncClient(base_url=stack.config.url("results"), timeout=600) as results,
                ):
                    for size in args.sizes:
                        presses_in, stored = await one_vote(
                            ballot, results, registration, stack.config.tokens, size
                        )
                        goal = GOALS.get(size)
                        figures.add(
                            f"close->stored result, {size:,} electors",
                            stored * 1000,
                            "ms",
                            goal=f"<= {goal * 1000:,.0f}" if goal else "",
                            check=at_most(goal * 1000) if goal else None,
                        )
                        figures.add(
                            f"presses in, {size:,} electors (batches of {BATCH})",
                            presses_in,
                            "s",
                        )
    return figures


def main(argv: list[str] | None = None) -> None:
    command_line(
        "results",
        run_bench,
        argv,
        sizes={"type": int, "nargs": "+", "default": [342, 10_000, 100_000]},
    )


if __name__ == "__main__":
    main()
