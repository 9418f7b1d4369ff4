"""``alv run``: a whole meeting on this machine, ready to vote.

Starts the three services on SQLite (or PostgreSQL when URLs are given), a
simulated receiver with handsets and the gateway; prepares a meeting with the
member list of the shipped CBS figures; prints the URLs and tokens.
"""

from __future__ import annotations

import argparse
import datetime
import json
import signal
import time
from pathlib import Path
from types import FrameType

import httpx

from alv.stack import SERVICE_PORTS, Stack, StackConfig, StackError
from services.common.auth import generate_tokens
from services.registration.weights import population_reference_date

REFERENCE = Path(__file__).resolve().parent.parent / "services" / "registration" / "reference"


def load_tokens(data_dir: Path) -> dict[str, str]:
    """The meeting's tokens, made once and kept with its data."""
    path = data_dir / "tokens.json"
    if path.exists():
        tokens: dict[str, str] = json.loads(path.read_text())
        return tokens
    data_dir.mkdir(parents=True, exist_ok=True)
    tokens = generate_tokens()
    path.write_text(json.dumps(tokens, indent=2))
    path.chmod(0o600)
    return tokens


def prepare_meeting(
    client: httpx.Client, *, meeting: str, name: str, date: datetime.date, seat: int
) -> tuple[int, int]:
    """Create the meeting, import members, issue cards, seat the first ``seat``.

    Safe to repeat: an existing meeting keeps its data.
    """
    created = client.post("/api/meetings", json={"code": meeting, "name": name, "date": str(date)})
    if created.status_code not in (201, 409):
        raise StackError(f"could not create the meeting: {created.text}")
    figures = REFERENCE / f"population-{population_reference_date(date).isoformat()}.csv"
    if created.status_code == 201:
        imported = client.post(
            f"/api/meetings/{meeting}/members/import",
            params={"source": figures.name},
            content=figures.read_bytes(),
            headers={"Content-Type": "text/csv"},
        )
        imported.raise_for_status()
    cards = client.post(f"/api/meetings/{meeting}/cards")
    cards.raise_for_status()
    seated = 0
    for number, card in enumerate(cards.json()[:seat], start=1):
        response = client.post(
            f"/api/meetings/{meeting}/registrations",
            json={"card_code": card["code"], "handset": f"{number:06d}"},
        )
        seated += response.status_code in (201, 409)
    return len(cards.json()), seated


def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    tokens = load_tokens(data_dir)
    config = StackConfig(
        data_dir=data_dir,
        meeting=args.meeting,
        tokens=tokens,
        database_urls={
            service: url
            for service, url in (
                ("registration", args.registration_db),
                ("ballot", args.ballot_db),
                ("results", args.results_db),
            )
            if url
        },
        serial_ports=args.serial_port or [],
        simulated_handsets=0 if args.serial_port else args.handsets,
        ports={part: args.port_base + offset for offset, part in enumerate(SERVICE_PORTS)},
        simulator_control_port=args.port_base + len(SERVICE_PORTS),
    )
    stack = Stack(config)
    stopping = False

    def _stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    started = time.monotonic()
    try:
        stack.start_services()
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        with httpx.Client(base_url=config.url("registration"), headers=admin, timeout=30) as c:
            members, seated = prepare_meeting(
                c,
                meeting=args.meeting,
                name=args.name,
                date=datetime.date.fromisoformat(args.date),
                seat=args.seat,
            )
        stack.start_hardware()
        print_welcome(config, members, seated, time.monotonic() - started)
        while not stopping:
            failed = stack.failed()
            if failed:
                print(f"stopped unexpectedly: {', '.join(failed)}; logs in {stack.log_dir}")
                return 1
            time.sleep(0.5)
        return 0
    except StackError as exc:
        print(f"alv run: {exc}")
        return 1
    finally:
        print("stopping ...")
        stack.stop()


def print_welcome(config: StackConfig, members: int, seated: int, seconds: float) -> None:
    meeting = config.meeting
    lines = [
        "",
        f"ALV Stemsysteem is running ({seconds:.1f} s): meeting '{meeting}', {members} members,"
        f" {seated} seated with handsets 000001-{seated:06d}.",
        "",
        f"  Desk (stembalie)     {config.url('registration')}/desk/{meeting}",
        f"  Chair's screen       {config.url('results')}/chair/{meeting}",
        f"  Published record     {config.url('results')}/api/meetings/{meeting}/outcomes",
        f"  API docs             {config.url('registration')}/docs  {config.url('ballot')}/docs"
        f"  {config.url('results')}/docs",
        f"  Gateway diagnostics  {config.url('gateway')}/api/receivers",
    ]
    if config.simulated_handsets:
        lines.append(
            f"  Simulated receiver   {config.receiver_links()[0]}"
            f" (control: http://{config.host}:{config.simulator_control_port})"
        )
    lines += ["", "Tokens (Authorization: Bearer ...):"]
    lines += [f"  {role:<8} {token}" for role, token in config.tokens.items()]
    chair = f"-H 'Authorization: Bearer {config.tokens['chair']}'"
    ballot = config.url("ballot")
    lines += [
        "",
        "Try a vote:",
        f"  curl -s {chair} -H 'Content-Type: application/json'"
        f" {ballot}/api/meetings/{meeting}/votes"
        ' -d \'{"kind": "voorstel", "title": "Voorstel 1"}\'',
        f"  curl -s -X POST {chair} {ballot}/api/votes/1/open",
        f"  curl -s -X POST http://{config.host}:{config.simulator_control_port}/burst"
        " -d '{\"within_s\": 5}'",
        f"  curl -s -X POST {chair} {ballot}/api/votes/1/close",
        "",
        f"Logs in {config.data_dir / 'logs'}. Ctrl-C stops everything.",
    ]
    print("\n".join(lines), flush=True)


def register_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run", help="run a whole meeting here: services, simulated receiver, gateway"
    )
    parser.add_argument("--data-dir", default="data", help="databases, tokens, logs (./data)")
    parser.add_argument("--meeting", default="alv-2024-06", help="meeting code")
    parser.add_argument("--name", default="ALV juni 2024", help="meeting name")
    parser.add_argument(
        "--date",
        default="2024-06-12",
        help="meeting date; members' weights use CBS figures of 1 January of the year before",
    )
    parser.add_argument("--handsets", type=int, default=342, help="simulated handsets")
    parser.add_argument(
        "--seat",
        type=int,
        default=342,
        help="register this many members with handsets 000001... (0: use the desk)",
    )
    parser.add_argument(
        "--serial-port",
        action="append",
        help="a real receiver's port (repeatable); no simulator is started then",
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=8001,
        help="registration on this port, then ballot, results, gateway, simulator control",
    )
    for service in ("registration", "ballot", "results"):
        parser.add_argument(f"--{service}-db", help=f"database URL of {service} (SQLite)")
    parser.set_defaults(handler=run)
