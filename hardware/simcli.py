"""``alv simulate``: simulated receivers on pseudo-terminals, driven by a scenario,
a burst or a small HTTP control API.

    alv simulate --receivers 2 --handsets 342 --link /tmp/alv-rx{n} --control-port 8005
    curl -XPOST localhost:8005/press -d '{"handset": "000001", "key": 1}'
    curl -XPOST localhost:8005/burst -d '{"within_s": 10, "keys": {"1": 0.6, "2": 0.3}}'
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from hardware.simulator import ScenarioEvent, SimConfig, SimulatedReceiver, Simulator

log = logging.getLogger(__name__)


def add_simulate_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="simulated receivers and handsets on pseudo-terminals",
        description="Prints one line per receiver with the device path to give the gateway.",
    )
    p.add_argument("--receivers", type=int, default=1)
    p.add_argument("--handsets", type=int, default=342)
    p.add_argument("--first-handset", type=int, default=1, help="id of the first handset")
    p.add_argument(
        "--link",
        action="append",
        default=[],
        metavar="PATH",
        help="stable symlink to the receiver's pty, re-pointed on replug; repeat per "
        "receiver, or once with {n} (receiver number) in it",
    )
    p.add_argument("--unpaced", action="store_true", help="write as fast as the pty takes it")
    p.add_argument("--garbage-rate", type=float, default=0.0, help="chance per frame")
    p.add_argument("--bitflip-rate", type=float, default=0.0, help="chance per frame")
    p.add_argument("--truncate-rate", type=float, default=0.0, help="chance per frame")
    p.add_argument("--overlap", type=float, default=0.0, help="share of handsets heard twice")
    p.add_argument("--stat-interval", type=float, default=30.0, help="seconds; 0 for none")
    p.add_argument("--seed", type=int)
    p.add_argument("--scenario", type=Path, help="JSON list of {at_ms, handset, key}")
    p.add_argument(
        "--burst",
        type=float,
        metavar="SECONDS",
        help="once a vote opens, every handset presses once within SECONDS",
    )
    p.add_argument("--keys", default="1=0.6,2=0.3,3=0.1", help="key distribution for --burst")
    p.add_argument("--control-port", type=int, help="serve the HTTP control API on this port")
    p.add_argument("--control-host", default="127.0.0.1")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(handler=run_simulate)


def parse_keys(text: str) -> dict[int, float]:
    """``1=0.6,2=0.3,3=0.1`` -> {1: 0.6, 2: 0.3, 3: 0.1}."""
    out = {}
    for part in text.split(","):
        key, _, weight = part.partition("=")
        out[int(key)] = float(weight)
    return out


def load_scenario(path: Path) -> list[ScenarioEvent]:
    return [
        ScenarioEvent(int(item["at_ms"]), str(item["handset"]), int(item["key"]))
        for item in json.loads(path.read_text())
    ]


def link_paths(links: list[str], receivers: int) -> list[str | None]:
    if len(links) == 1 and "{n}" in links[0]:
        return [links[0].format(n=n + 1) for n in range(receivers)]
    return [*links, *([None] * (receivers - len(links)))][:receivers]


class PressIn(BaseModel):
    handset: str
    key: int = Field(ge=0, le=9)


class BurstIn(BaseModel):
    within_s: float = Field(gt=0)
    keys: dict[int, float] = Field(default_factory=lambda: {1: 0.6, 2: 0.3, 3: 0.1})


def create_control_app(sim: Simulator) -> FastAPI:
    app = FastAPI(title="ALV receiver simulator", docs_url=None, redoc_url=None)
    background: set[asyncio.Task[Any]] = set()

    @app.post("/press")
    async def press(body: PressIn) -> dict[str, Any]:
        if body.handset not in sim.handsets:
            raise HTTPException(404, f"no handset {body.handset}")
        return (await sim.press(body.handset, body.key)).as_dict()

    @app.post("/burst", status_code=202)
    async def burst(body: BurstIn) -> dict[str, Any]:
        task = asyncio.get_running_loop().create_task(sim.burst(body.keys, body.within_s))
        background.add(task)
        task.add_done_callback(background.discard)
        return {"presses": len(sim.handsets), "within_s": body.within_s}

    @app.get("/presses")
    async def presses() -> dict[str, Any]:
        return {"summary": sim.summary(), "presses": [r.as_dict() for r in sim.results]}

    @app.post("/receivers/{rx}/unplug")
    async def unplug(rx: str) -> dict[str, Any]:
        await _receiver(rx).unplug()
        return {"rx": rx, "plugged": False}

    @app.post("/receivers/{rx}/replug")
    async def replug(rx: str) -> dict[str, Any]:
        receiver = _receiver(rx)
        await receiver.replug()
        return {"rx": rx, "plugged": True, "device": receiver.device}

    def _receiver(rx: str) -> Any:
        try:
            return sim.receiver(rx)
        except StopIteration:
            raise HTTPException(404, f"no receiver {rx}") from None

    return app


async def simulate(args: argparse.Namespace) -> None:
    config = SimConfig(
        paced=not args.unpaced,
        garbage_rate=args.garbage_rate,
        bitflip_rate=args.bitflip_rate,
        truncate_rate=args.truncate_rate,
        stat_interval=args.stat_interval or None,
        seed=args.seed,
    )
    sim = Simulator(
        receivers=args.receivers,
        handsets=args.handsets,
        first_handset=args.first_handset,
        config=config,
        links=link_paths(args.link, args.receivers),
        overlap=args.overlap,
    )
    async with sim:
        for receiver in sim.receivers:
            link = f" (link {receiver.link})" if receiver.link else ""
            print(f"receiver {receiver.rx} ready on {receiver.device}{link}", flush=True)
        jobs: list[Any] = []
        if args.scenario:
            jobs.append(_report(sim, sim.play(load_scenario(args.scenario))))
        if args.burst:
            jobs.append(_burst_when_open(sim, args.burst, parse_keys(args.keys)))
        if args.control_port is not None:
            import uvicorn

            config_ = uvicorn.Config(
                create_control_app(sim),
                host=args.control_host,
                port=args.control_port,
                log_config=None,
                lifespan="off",
                ws="none",
            )
            jobs.append(uvicorn.Server(config_).serve())
        else:
            jobs.append(asyncio.Event().wait())  # keep the ptys alive until Ctrl-C
        await asyncio.gather(*jobs)


async def _burst_when_open(sim: Simulator, within_s: float, keys: dict[int, float]) -> None:
    print("burst: waiting for a vote to open (POLL OPEN)", flush=True)
    for receiver in sim.receivers:
        await receiver.wait_for(_vote_open(receiver), within=1e9)
    await _report(sim, sim.burst(keys, within_s))


def _vote_open(receiver: SimulatedReceiver) -> Callable[[], bool]:
    def check() -> bool:
        return receiver.last_poll is not None and receiver.last_poll.state == "OPEN"

    return check


async def _report(sim: Simulator, job: Any) -> None:
    results = await job
    times = sorted(r.time_to_ack for r in results if r.time_to_ack is not None)
    summary = sim.summary()
    if times:
        summary["ack_p50_s"] = round(times[len(times) // 2], 4)
        summary["ack_p99_s"] = round(times[min(len(times) - 1, int(len(times) * 0.99))], 4)
    print("done:", json.dumps(summary), flush=True)


def run_simulate(args: argparse.Namespace) -> int:
    from hardware.cli import configure_logging

    configure_logging(args)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(simulate(args))
    return 0
