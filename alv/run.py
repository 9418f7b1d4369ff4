"""``alv run``: a whole meeting on this machine, ready to vote.

Starts the three services on SQLite (or PostgreSQL when URLs are given), a
simulated receiver with handsets and the gateway; prepares a meeting with the
member list of the shipped CBS figures; prints the URLs, and on the first
start the login of the first secretariat account (once).
"""

from __future__ import annotations

import argparse
import datetime
import json
import secrets
import signal
import time
from pathlib import Path
from types import FrameType

import httpx

from alv.stack import SERVICE_PORTS, Stack, StackConfig, StackError
from alv.users import FirstStart, bootstrap, secretariat_session
from services.common.auth import SESSION_COOKIE
from services.common.csrf import CSRF_COOKIE
from services.common.errors import AlvError
from services.registration.weights import population_reference_date

EXAMPLE_VOTE = "Voorbeeldstemming"
REFERENCE = Path(__file__).resolve().parent.parent / "services" / "registration" / "reference"


def first_start(data_dir: Path, registration_database: str) -> FirstStart:
    """The machine tokens, made once and kept with the meeting's data (only their
    hashes are in the database), and the first secretariat account if none yet."""
    path = data_dir / "tokens.json"
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    started = bootstrap(registration_database, known)
    if started.tokens != known:
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(started.tokens, indent=2))
        path.chmod(0o600)
    return started


def staff_headers(session_id: str) -> dict[str, str]:
    """A logged-in browser's credentials, for a program acting as that person."""
    csrf = secrets.token_urlsafe(32)
    return {"Cookie": f"{SESSION_COOKIE}={session_id}; {CSRF_COOKIE}={csrf}", "X-CSRF-Token": csrf}


def prepare_meeting(
    client: httpx.Client, *, meeting: str, name: str, date: datetime.date, seat: int
) -> tuple[int, int]:
    """Create the meeting, import members, issue cards, seat the first ``seat``.

    Safe to repeat: an existing meeting keeps its data.
    """
    created = client.post("/api/meetings", json={"code": meeting, "name": name, "date": str(date)})
    if created.status_code not in (201, 409):
        raise StackError(f"de vergadering kon niet worden aangemaakt: {created.text}")
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
    config = StackConfig(
        data_dir=data_dir,
        meeting=args.meeting,
        tokens={},
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
    try:
        first = first_start(data_dir, config.registration_database())
    except AlvError as exc:
        print(f"alv run: {exc.detail}")
        return 1
    config.tokens = first.tokens
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
        # Prepared in the secretariat's name, as if done on the pages.
        staff = staff_headers(secretariat_session(config.registration_database()))
        with httpx.Client(base_url=config.url("registration"), headers=staff, timeout=30) as c:
            members, seated = prepare_meeting(
                c,
                meeting=args.meeting,
                name=args.name,
                date=datetime.date.fromisoformat(args.date),
                seat=args.seat,
            )
        vote_id = None
        if seated:
            with httpx.Client(base_url=config.url("ballot"), headers=staff, timeout=30) as c:
                vote_id = example_vote(c, meeting=args.meeting)
        stack.start_hardware()
        print_welcome(
            config,
            started=first,
            name=args.name,
            members=members,
            seated=seated,
            vote_id=vote_id,
            seconds=time.monotonic() - started,
        )
        while not stopping:
            failed = stack.failed()
            if failed:
                print(f"onverwacht gestopt: {', '.join(failed)}; logboeken in {stack.log_dir}")
                return 1
            time.sleep(0.5)
        return 0
    except StackError as exc:
        print(f"alv run: {exc}")
        return 1
    finally:
        print("alles wordt gestopt ...")
        stack.stop()


def example_vote(client: httpx.Client, *, meeting: str) -> int:
    """A prepared voorstel to try a vote with: one left prepared by an earlier
    run, else a new one, so the printed commands always name a vote that opens."""
    listed = client.get(f"/api/meetings/{meeting}/votes")
    listed.raise_for_status()
    for vote in listed.json():
        if vote["title"] == EXAMPLE_VOTE and vote["status"] == "prepared":
            return int(vote["id"])
    created = client.post(
        f"/api/meetings/{meeting}/votes", json={"kind": "voorstel", "title": EXAMPLE_VOTE}
    )
    if created.status_code != 201:
        raise StackError(f"de voorbeeldstemming kon niet worden voorbereid: {created.text}")
    return int(created.json()["id"])


def _pages(config: StackConfig) -> list[tuple[str, str, str]]:
    """(name, address, what it is for) of every page, as printed."""
    meeting = config.meeting
    registration, ballot, results = (config.url(s) for s in ("registration", "ballot", "results"))
    pages = [
        ("Startpagina", f"{registration}/", "alle vergaderingen en de pagina's per taak"),
        ("Inloggen", f"{registration}/login", "met uw eigen account"),
        ("Accounts", f"{registration}/accounts", "het secretariaat beheert de accounts"),
        (
            "Secretariaat",
            f"{registration}/console/{meeting}",
            "leden, stemgewichten en stemkaarten (inloggen: secretariaat)",
        ),
        (
            "Agenda",
            f"{ballot}/agenda/{meeting}",
            "de stemmingen voorbereiden (secretariaat of voorzitter)",
        ),
        (
            "Stembalie",
            f"{registration}/desk/{meeting}",
            "stemkaarten scannen, stemkastjes uitgeven, stempas afdrukken",
        ),
        (
            "Stemkastjes",
            f"{registration}/handsets/{meeting}",
            "batterij en bereik van elk stemkastje, voor een stemming nakijken",
        ),
        (
            "Bediening voorzitter",
            f"{results}/chair/{meeting}/control",
            "stemmingen openen en sluiten, herstemming, wie nog niet stemde",
        ),
        (
            "Scherm voor de zaal",
            f"{results}/chair/{meeting}",
            "voor de beamer: voortgang en uitslag",
        ),
        (
            "Uitslagen",
            f"{results}/record/{meeting}",
            "de gepubliceerde uitslagen en het stemgedrag",
        ),
        ("Verslag", f"{results}/record/{meeting}/report", "afdrukbaar, met de hashketen"),
        (
            "Publicatie",
            f"{results}/record/{meeting}/publicatie",
            "het stemgedrag publiceren na de vergadering (secretariaat)",
        ),
        (
            "Tijdlijn",
            f"{results}/audit/{meeting}/tijdlijn",
            "alles wat vastgelegd is, op tijd (commissie van stemopneming)",
        ),
        ("API-documentatie", f"{registration}/docs", "registratie: leden, stemkaarten, balie"),
        ("", f"{ballot}/docs", "stemmingen: agenda, openen, sluiten, drukken"),
        ("", f"{results}/docs", "uitslagen, export, controle"),
        ("Gateway", f"{config.url('gateway')}/api/receivers", "ontvangers en hun verbinding"),
    ]
    if config.simulated_handsets:
        simulator = f"http://{config.host}:{config.simulator_control_port}"
        pages.append(
            ("Simulator", f"{simulator}/presses", "wat de gesimuleerde stemkastjes drukten")
        )
    return pages


def _curl(method: str, url: str, body: str | None = None) -> str:
    """A command that works as printed: it fails visibly (with the Dutch
    problem detail) instead of printing an error as if it were an answer."""
    parts = ["curl -sS --fail-with-body"]
    if method != "GET":
        parts.append(f"-X {method}")
    if body is not None:
        parts.append(f"-H 'Content-Type: application/json' -d '{body}'")
    parts.append(url)
    return "  " + " ".join(parts)


def print_welcome(
    config: StackConfig,
    *,
    started: FirstStart,
    name: str,
    members: int,
    seated: int,
    vote_id: int | None,
    seconds: float,
) -> None:
    meeting = config.meeting
    handsets = f", {seated} aangemeld met stemkastjes 000001-{seated:06d}" if seated else ""
    lines = [
        "",
        f"ALV Stemsysteem draait ({seconds:.1f} s): vergadering '{name}' ({meeting}),"
        f" {members} leden{handsets}.",
        "",
        "Pagina's:",
    ]
    pages = _pages(config)
    width = max(len(url) for _, url, _ in pages)
    lines += [f"  {name:<22}{url:<{width}}  {purpose}" for name, url, purpose in pages]
    registration, results = config.url("registration"), config.url("results")
    if started.password:
        lines += [
            "",
            "Eerste start: er is een account voor het secretariaat gemaakt.",
            f"  Inloggen op {registration}/login met naam '{started.login}'"
            f" en wachtwoord '{started.password}'",
            "  (dit wachtwoord wordt niet nog eens getoond). Maak daarna op de pagina"
            " Accounts, of met 'alv users add', een account voor ieder die meewerkt.",
        ]
    else:
        lines += ["", f"Inloggen op {registration}/login met uw eigen account."]
    lines += [
        "",
        f"Toegangstokens van de machines staan in {config.data_dir / 'tokens.json'}"
        " ('alv tokens list' toont ze op naam).",
    ]
    if vote_id is not None:
        lines += [
            "",
            f"Een stemming proberen: stemming {vote_id} staat klaar op de Bediening voorzitter.",
        ]
        if config.simulated_handsets:
            simulator = f"http://{config.host}:{config.simulator_control_port}"
            lines.append("Laat de gesimuleerde stemkastjes drukken:")
            lines.append(_curl("POST", f"{simulator}/burst", '{"within_s": 5}'))
        lines.append("En de uitslag, na het sluiten:")
        lines.append(_curl("GET", f"{results}/api/votes/{vote_id}/outcome"))
    lines += ["", f"Logboeken in {config.data_dir / 'logs'}. Ctrl-C stopt alles."]
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
