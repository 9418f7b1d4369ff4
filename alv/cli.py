"""The ``alv`` command: run, serve, migrate, gateway, simulate, cards, verify, users, tokens."""

from __future__ import annotations

import argparse
import os
import sys

from alv import run, serve, users
from services.common import logs
from services.common.auth import generate_tokens


def settings_tokens(args: argparse.Namespace) -> int:
    for role, token in generate_tokens().items():
        print(f"ALV_TOKEN_{role.upper()}={token}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from hardware.cli import register_cli as register_hardware
    from services.registration.cli import register_cli as register_cards
    from verify.cli import register_cli as register_verify

    parser = argparse.ArgumentParser(
        prog="alv",
        description="ALV Stemsysteem: electronic weighted voting for the VNG general meeting.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        help=f"log lines as key=value (default) or JSON; or set {logs.ENVIRONMENT}",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.register_cli(subparsers)
    serve.register_cli(subparsers)
    register_hardware(subparsers)
    register_cards(subparsers)
    register_verify(subparsers)
    users.register_cli(subparsers)
    parser_env = subparsers.add_parser(
        "settings-tokens", help="print a fresh set of shared ALV_TOKEN_* values as env"
    )
    parser_env.set_defaults(handler=settings_tokens)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.log_format = logs.chosen_format(args.log_format)
    except ValueError as exc:
        parser.error(str(exc))
    # Once, before any subcommand: what they log keeps its fields. The
    # environment carries the choice to the processes ``alv run`` starts.
    os.environ[logs.ENVIRONMENT] = args.log_format
    logs.configure(args.log_format, verbose=args.verbose)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
