"""``alv cards generate`` and ``alv cards send``: talk to the registration API.

Both log in as a secretariat account (``ALV_USER``, and ``ALV_PASSWORD`` or
asked at the terminal), so the cards are generated in that person's name, and show a
progress bar on stderr; ``send`` e-mails one card per request, so every
mail's outcome is committed in the send log as it happens and the bar moves.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

import httpx

DEFAULT_URL = "http://127.0.0.1:8001"
T = TypeVar("T")


class CliError(Exception):
    """A message for the operator; the command exits with status 1."""


def progress(
    items: list[T], *, label: str, stream: TextIO | None = None, width: int = 30
) -> Iterator[T]:
    """Yield the items while drawing ``label [#####-----] 12/342`` on one line."""
    stream = stream or sys.stderr  # looked up late, so a redirected stderr is honoured
    total = len(items)
    for done, item in enumerate(items):
        filled = width * done // total if total else width
        stream.write(f"\r{label} [{'#' * filled}{'-' * (width - filled)}] {done}/{total}")
        stream.flush()
        yield item
    stream.write(f"\r{label} [{'#' * width}] {total}/{total}\n")
    stream.flush()


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


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    response = _call_raw(client, method, path, **kwargs)
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
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


def _latest_failures(log: Iterable[dict[str, Any]]) -> set[str]:
    latest = {entry["member"]: entry["status"] for entry in log}
    return {member for member, status in latest.items() if status == "failed"}


def send(args: argparse.Namespace) -> int:
    """E-mail every current card (or only the failures) and report the outcome."""
    base = f"/api/meetings/{args.meeting}"
    with _client(args) as client:
        members = [card["member"] for card in _call(client, "GET", f"{base}/cards").json()]
        if args.only_failed:
            failures = _latest_failures(_call(client, "GET", f"{base}/cards/mails").json())
            members = [member for member in members if member in failures]
        problems = []
        for member in progress(members, label="mailen"):
            report = _call(client, "POST", f"{base}/cards/send", json={"members": [member]}).json()
            problems += [a for a in report["attempts"] if a["status"] != "sent"]
    for attempt in problems:
        print(f"MISLUKT {attempt['member']} {attempt['name']}: {attempt['error']}", file=sys.stderr)
    print(f"{len(members) - len(problems)} verzonden, {len(problems)} mislukt")
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
