"""The hall: handsets pressing at line rate through pseudo-terminal receivers,
the real gateway process and the real ballot process.

    python -m benchmarks.hall [--database sqlite|postgresql]

Registration is a stand-in serving the electorate (member ``M00042`` holds
handset ``000042``). The simulated receivers (115200 baud 8N1, paced) and
handsets run in this process. The host's time for a press is measured on the
line, as a receiver sees it: from the last byte of the first KEY frame written
to the first bytes of its ACK read. A retransmission in a run without line
faults is one the host caused (the ACK came later than 300 ms).

Scenarios: 342 handsets within 1 s over 2 receivers; the same with a second
gateway process competing (each owns one receiver, every handset heard by
both); 4,000 handsets within 5 s over 8 receivers (500 each).
"""

from __future__ import annotations

import argparse
import os
import secrets
from collections import Counter

import httpx

from alv.stack import Stack
from benchmarks.common import (
    CODE_VARIABLE,
    Databases,
    FakeRegistration,
    Figures,
    as_caller,
    at_most,
    command_line,
    databases,
    electorate,
    percentile,
    service_stack,
)
from hardware.simulator import PressResult, SimConfig, Simulator
from tests.support.stacks import gateways

KEYS = {1: 0.6, 2: 0.3, 3: 0.1}
RETRANSMIT_MS = 300.0


async def one_burst(
    stack: Stack,
    registration: FakeRegistration,
    *,
    handsets: int,
    receivers: int,
    within: float,
    gateway_count: int = 1,
) -> tuple[list[PressResult], int]:
    """A vote opened, every handset pressing once; the results and members counted."""
    meeting = f"hall-{secrets.token_hex(3)}"
    registration.seat(meeting, electorate(handsets))
    stack.config.meeting = meeting
    chair, auditor = (
        as_caller(stack.config.tokens["chair"]),
        as_caller(stack.config.tokens["auditor"]),
    )
    overlap = 1.0 if gateway_count > 1 else 0.2
    config = SimConfig(paced=True, stat_interval=None, seed=handsets)
    async with (
        Simulator(
            receivers=receivers, handsets=handsets, first_handset=0, config=config, overlap=overlap
        ) as sim,
        gateways(
            stack,
            [r.port for r in sim.receivers],
            count=gateway_count,
            cwd=os.environ.get(CODE_VARIABLE),
        ),
        httpx.AsyncClient(base_url=stack.config.url("ballot"), timeout=120) as ballot,
    ):
        created = await ballot.post(
            f"/api/meetings/{meeting}/votes",
            json={"kind": "voorstel", "title": "Hal"},
            headers=chair,
        )
        created.raise_for_status()
        vote_id = created.json()["id"]
        (await ballot.post(f"/api/votes/{vote_id}/open", headers=chair)).raise_for_status()
        for receiver in sim.receivers:
            await receiver.wait_for_poll("OPEN", 3, within=60)
        results = await sim.burst(KEYS, within_s=within)
        record = await ballot.get(f"/api/votes/{vote_id}/record", headers=auditor)
        record.raise_for_status()
        counted = record.json()["counted"]
        (await ballot.post(f"/api/votes/{vote_id}/close", headers=chair)).raise_for_status()
    per_member = Counter(c["member"] for c in counted)
    assert all(n == 1 for n in per_member.values()), "a member counted twice"
    return results, len(per_member)


def report(
    figures: Figures, label: str, results: list[PressResult], counted: int, *, p99_goal: float
) -> None:
    host = [r.host_time * 1000 for r in results if r.host_time is not None]
    statuses = Counter(r.status for r in results)
    figures.add(
        f"{label}: presses ACKed OK",
        statuses.get("OK", 0),
        "presses",
        goal=f"= {len(results)}",
        check=lambda v: v == len(results),
    )
    figures.add(
        f"{label}: counted once",
        counted,
        "members",
        goal=f"= {len(results)}",
        check=lambda v: v == len(results),
    )
    figures.add(f"{label}: host KEY->ACK p50", percentile(host, 0.5), "ms")
    figures.add(
        f"{label}: host KEY->ACK p99",
        percentile(host, 0.99),
        "ms",
        goal=f"<= {p99_goal:.0f}",
        check=at_most(p99_goal),
    )
    figures.add(
        f"{label}: retransmissions (host-caused)",
        sum(r.attempts - 1 for r in results),
        "frames",
        goal="0",
        check=at_most(0),
    )


async def run_bench(kind: str, args: argparse.Namespace) -> Figures:
    figures = Figures("hall", kind)
    print(f"hall on {kind}:", flush=True)
    registration = FakeRegistration()
    db: Databases
    with databases(kind) as db:
        async with registration.serving():
            with service_stack(db, ("ballot",), registration_port=registration.port) as stack:
                registration.vouch(stack.config.tokens)
                results, counted = await one_burst(
                    stack, registration, handsets=342, receivers=2, within=1.0
                )
                report(figures, "342 in 1 s, 2 receivers", results, counted, p99_goal=50)
                results, counted = await one_burst(
                    stack, registration, handsets=342, receivers=2, within=1.0, gateway_count=2
                )
                report(figures, "342 in 1 s, two gateways", results, counted, p99_goal=50)
                size = 1_000 if args.quick else 4_000
                results, counted = await one_burst(
                    stack, registration, handsets=size, receivers=8, within=5.0
                )
                report(
                    figures,
                    f"{size:,} in 5 s, 8 receivers",
                    results,
                    counted,
                    p99_goal=RETRANSMIT_MS,
                )
    return figures


def main(argv: list[str] | None = None) -> None:
    command_line(
        "hall",
        run_bench,
        argv,
        quick={"action": "store_true", "help": "1,000 handsets instead of 4,000"},
    )


if __name__ == "__main__":
    main()
