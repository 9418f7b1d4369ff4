"""``alv gateway`` and ``alv simulate``: registered into the ``alv`` command.

parser = argparse.ArgumentParser(prog="alv")
register_cli(parser.add_subparsers(dest="command"))
args = parser.parse_args()
args.handler(args)   # each subcommand sets ``handler``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from hardware.config import GatewaySettings


def configure_logging(args: argparse.Namespace) -> None:
    """Logging for ``python -m hardware.cli``; under ``alv`` it is configured already."""
    from services.common import logs

    if getattr(args, "log_format", None) is None:
        logs.configure(logs.chosen_format(), verbose=args.verbose)


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    gateway = subparsers.add_parser(
        "gateway",
        help="forward receiver presses to the ballot service",
        description="Flags override the GATEWAY_* environment settings.",
    )
    gateway.add_argument(
        "--port",
        action="append",
        dest="ports",
        metavar="PATH",
        help="receiver port: a path (e.g. /dev/serial/by-id/...), a pyserial URL "
        "or usb:VID:PID[:SERIAL]; repeat for several receivers",
    )
    gateway.add_argument("--ballot-url")
    gateway.add_argument("--meeting")
    gateway.add_argument("--token", help="bearer token for the ballot service")
    gateway.add_argument("--http-host", help="diagnostics bind address (default 127.0.0.1)")
    gateway.add_argument("--http-port", type=int, help="diagnostics port (default 8004)")
    gateway.add_argument("-v", "--verbose", action="store_true")
    gateway.set_defaults(handler=run_gateway)

    from hardware.simcli import add_simulate_parser

    add_simulate_parser(subparsers)


def settings_from_args(args: argparse.Namespace) -> GatewaySettings:
    overrides: dict[str, Any] = {
        name: value
        for name, value in (
            ("ports", args.ports),
            ("ballot_url", args.ballot_url),
            ("meeting", args.meeting),
            ("token", args.token),
            ("http_host", args.http_host),
            ("http_port", args.http_port),
        )
        if value is not None
    }
    return GatewaySettings(**overrides)


def run_gateway(args: argparse.Namespace) -> int:
    configure_logging(args)
    settings = settings_from_args(args)
    try:
        settings.check_runnable()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    from hardware.gateway import Gateway

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Gateway(settings).run())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m hardware.cli``) until ``alv`` wires it in."""
    parser = argparse.ArgumentParser(prog="alv")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
