"""Benchmark: a burst of presses through paced pseudo-terminals, the gateway and a
fake ballot service over HTTP, the way a vote closes in the hall.

    python -m hardware.bench_burst [--handsets 342] [--receivers 2] [--within 1.0]

Reports the press-to-ACK time as the handsets see it (first transmission to ACK
received, including retransmissions) and inside the gateway (KEY read to ACK
written), and the receive rate against the 115200 baud 8N1 line limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from hardware.config import GatewaySettings
from hardware.fakeballot import FakeBallot
from hardware.gateway import Gateway
from hardware.simulator import BITS_PER_BYTE, SimConfig, Simulator


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(
    *, handsets: int, receivers: int, within: float, paced: bool, garbage_rate: float
) -> dict[str, Any]:
    config = SimConfig(paced=paced, stat_interval=None, garbage_rate=garbage_rate, seed=42)
    async with (
        FakeBallot() as ballot,
        Simulator(receivers=receivers, handsets=handsets, config=config) as sim,
    ):
        ballot.open_vote(3)
        settings = GatewaySettings(
            ports=[r.port for r in sim.receivers],
            ballot_url=ballot.url,
            meeting=ballot.meeting,
            token=ballot.token,
        )
        async with Gateway(settings) as gateway:
            for receiver in sim.receivers:
                await receiver.wait_for_poll("OPEN", 3, within=10)
            frames_before = sum(r.stats.frames_sent for r in sim.receivers)
            bytes_before = sum(r.stats.bytes_sent for r in sim.receivers)
            started = time.monotonic()
            results = await sim.burst({1: 0.6, 2: 0.3, 3: 0.1}, within)
            elapsed = time.monotonic() - started
            gateway_p50 = gateway.latency.percentile(0.5)
            gateway_p99 = gateway.latency.percentile(0.99)
            batches = list(ballot.batches)
    frames = sum(r.stats.frames_sent for r in sim.receivers) - frames_before
    sent = sum(r.stats.bytes_sent for r in sim.receivers) - bytes_before
    line_bytes_per_s = config.baudrate / BITS_PER_BYTE
    frame_len = sent / frames if frames else 0.0
    times = [r.time_to_ack for r in results if r.time_to_ack is not None]
    return {
        "handsets": handsets,
        "receivers": receivers,
        "burst_window_s": within,
        "paced": paced,
        "acked": sum(1 for r in results if r.acked),
        "counted_by_ballot": len(ballot.counted()),
        "retransmissions": sum(r.attempts - 1 for r in results),
        "elapsed_s": round(elapsed, 3),
        "handset_ack_p50_ms": round(percentile(times, 0.5) * 1000, 1) if times else None,
        "handset_ack_p99_ms": round(percentile(times, 0.99) * 1000, 1) if times else None,
        "gateway_ack_p50_ms": round(gateway_p50 * 1000, 1) if gateway_p50 else None,
        "gateway_ack_p99_ms": round(gateway_p99 * 1000, 1) if gateway_p99 else None,
        "frames_received": frames,
        "avg_frame_bytes": round(frame_len, 1),
        "frames_per_s": round(frames / elapsed, 1),
        "line_limit_frames_per_s": round(receivers * line_bytes_per_s / frame_len, 1)
        if frame_len
        else None,
        "ballot_batches": len(batches),
        "mean_batch": round(sum(batches) / len(batches), 1) if batches else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hardware.bench_burst")
    parser.add_argument("--handsets", type=int, default=342)
    parser.add_argument("--receivers", type=int, default=2)
    parser.add_argument("--within", type=float, default=1.0, help="burst window, seconds")
    parser.add_argument("--unpaced", action="store_true")
    parser.add_argument("--garbage-rate", type=float, default=0.0)
    args = parser.parse_args(argv)
    report = asyncio.run(
        bench(
            handsets=args.handsets,
            receivers=args.receivers,
            within=args.within,
            paced=not args.unpaced,
            garbage_rate=args.garbage_rate,
        )
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
