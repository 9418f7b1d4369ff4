"""``alv cards generate`` and ``alv cards send``: talk to the registration API.

Both log in as a secretariat account (``ALV_USER``, and ``ALV_PASSWORD`` or
asked at the terminal), so the cards are generated in that person's name, and show a
progress bar on stderr; ``send`` e-mails one card per request, so every
mail's outcome is committed in the send log as it happens and the bar moves.
Those requests are the batches of one named run, as the console's are: the
server picks whom to mail next and keeps the meeting for the run, so a second
run (another command, the console) is refused until this one ends.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

import httpx

DEFAULT_URL = "http://127.0.0.1:8001"
T = TypeVar("T")


class CliError(Exception):
    """A message for the operator; the command exits with status 1."""


def draw(
    done: int, total: int, *, label: str, stream: TextIO | None = None, width: int = 30
) -> None:
    """Draw ``label [#####-----] 12/342`` over the line; a newline once all is done."""
    stream = stream or sys.stderr  # looked up late, so a redirected stderr is honoured
    filled = width * done // total if total else width
    end = "\n" if done == total else ""
    stream.write(f"\r{label} [{'#' * filled}{'-' * (width - filled)}] {done}/{total}{end}")
    stream.flush()


def progress(
    items: list[T], *, label: str, stream: TextIO | None = None, width: int = 30
) -> Iterator[T]:
    """Yield the items while drawing their progress bar."""
    total = len(items)
    for done, item in enumerate(items):
        draw(done, total, label=label, stream=stream, width=width)
        yield item
    draw(total, total, label=label, stream=stream, width=width)


@contextmanager
def _client(args: argparse.Namespace) -> Iterator[httpx.Client]:
    """A client logged in as the secretariat account in ``ALV_USER``."""
    login = os.environ.get("ALV_USER", "")
    if not login:
        raise CliError("ALV_USER is not set: log in as a secretariat account (alv users add).")
    password = os.environ.get("ALV_PASSWORD", "") or getpass.getpass(f"Wachtwoord van {login}: ")
    timeout = httpx.Timeout(60.0, connect=5.0)
    with httpx.Client(base_url=args.registration_url, timeout=timeout) as client:
        answer = _call_raw(client, "POST", "/login", data={"login": login, "password": password})
        if answer.status_code != 303:
            raise CliError(f"inloggen als {login} mislukt ({answer.status_code})")
        client.headers["X-CSRF-Token"] = client.cookies.get("alv_csrf") or ""
        yield client


def _call_raw(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, path, **kwargs)
    except httpx.TransportError as exc:
        raise CliError(f"registration service not reachable at {client.base_url}: {exc}") from exc


def _problem(response: httpx.Response) -> dict[str, Any]:
    """The problem JSON of a refusal; empty when the body is something else."""
    try:
        problem = response.json()
    except ValueError:
        return {}
    return problem if isinstance(problem, dict) else {}


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    response = _call_raw(client, method, path, **kwargs)
    if response.status_code >= 400:
        problem = _problem(response)
        if problem.get("code") == "mailing_busy":
            # The server's own words say who is sending and what to do: no request line.
            raise CliError(str(problem["detail"]))
        detail = problem.get("detail", response.text)
        raise CliError(f"{method} {path}: {response.status_code} {detail}")
    return response


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def generate(args: argparse.Namespace) -> int:
    """Issue any missing cards, then save each card as PDF and PNG in ``--out``."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = f"/api/meetings/{args.meeting}"
    with _client(args) as client:
        cards = _call(client, "POST", f"{base}/cards").json()
        for card in progress(cards, label="stemkaarten"):
            stem = out / f"{card['member']}-{_slug(card['name'])}"
            for kind in ("pdf", "png"):
                response = _call(client, "GET", f"{base}/members/{card['member']}/card.{kind}")
                stem.with_suffix(f".{kind}").write_bytes(response.content)
    print(f"{len(cards)} stemkaarten in {out}")
    return 0


def send(args: argparse.Namespace) -> int:
    """E-mail every current card (or only the failures) and report the outcome.

    One card per request, all of one named run: the first request claims the
    meeting and says how many follow; the one that leaves none remaining frees it.
    Killed half-way, the run frees the meeting a minute after its last request."""
    path = f"/api/meetings/{args.meeting}/cards/send"
    batch: dict[str, Any] = {
        "run": f"cli-{secrets.token_hex(8)}",
        "limit": 1,
        "only_failed": args.only_failed,
    }
    with _client(args) as client:
        report = _call(client, "POST", path, json=batch).json()
        # Each next request leaves out whom this run already tried, by the server's clock.
        batch["not_tried_since"] = report["started"]
        attempts = list(report["attempts"])
        draw(len(attempts), len(attempts) + report["remaining"], label="mailen")
        while report["remaining"]:
            report = _call(client, "POST", path, json=batch).json()
            attempts += report["attempts"]
            draw(len(attempts), len(attempts) + report["remaining"], label="mailen")
    problems = [attempt for attempt in attempts if attempt["status"] != "sent"]
    for attempt in problems:
        print(f"MISLUKT {attempt['member']} {attempt['name']}: {attempt['error']}", file=sys.stderr)
    print(f"{len(attempts) - len(problems)} verzonden, {len(problems)} mislukt")
    return 1 if problems else 0


def _run(handler: Any) -> Any:
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except CliError as exc:
            print(f"alv cards: {exc}", file=sys.stderr)
            return 1

    return wrapped


def register_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cards = subparsers.add_parser("cards", help="stemkaarten: generate files, e-mail them")
    commands = cards.add_subparsers(dest="cards_command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--meeting", required=True, help="meeting code, e.g. alv-2023-12")
    common.add_argument("--registration-url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}")
    parser = commands.add_parser(
        "generate", parents=[common], help="issue missing cards and save every card as PDF + PNG"
    )
    parser.add_argument("--out", required=True, help="directory for the files")
    parser.set_defaults(handler=_run(generate))
    parser = commands.add_parser(
        "send", parents=[common], help="e-mail the cards to the gemeentesecretarissen"
    )
    parser.add_argument(
        "--only-failed", action="store_true", help="only members whose latest attempt failed"
    )
    parser.set_defaults(handler=_run(send))
