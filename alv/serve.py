"""``alv serve SERVICE``: one service in its own process, configured by env."""

from __future__ import annotations

import argparse
import importlib
import logging
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from services.common import logs, metrics
from services.common.settings import ServiceSettings

SERVICES = ("registration", "ballot", "results")


def _factory(service: str) -> tuple[type[ServiceSettings], Callable[[Any], FastAPI]]:
    """The settings class and app factory of one service, importing only it:
    a broken or half-deployed service must not stop the others from starting."""
    config = importlib.import_module(f"services.{service}.config")
    app = importlib.import_module(f"services.{service}.app")
    settings_class = getattr(config, f"{service.capitalize()}Settings")
    return settings_class, app.create_app


def settings_for(service: str) -> ServiceSettings:
    settings_class, _ = _factory(service)
    return settings_class()


def serve(args: argparse.Namespace) -> int:
    settings_class, factory = _factory(args.service)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings_class(**overrides)
    level = logging.DEBUG if args.verbose else logging.INFO
    # Several workers share PROMETHEUS_MULTIPROC_DIR; values of an earlier run must go.
    metrics.prepare_multiprocess_dir()
    uvicorn.run(
        factory(settings),
        host=settings.host,
        port=settings.port,
        # Ours, not uvicorn's: its access and error lines in our format too.
        log_config=logs.dict_config(args.log_format, level=level),
        log_level=logging.getLevelName(level).lower(),
        timeout_graceful_shutdown=5,
    )
    return 0


def migrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.common.migrations import upgrade

    unknown = set(args.services) - set(SERVICES)
    if unknown:
        print(f"unknown service: {', '.join(sorted(unknown))}")
        return 2
    for service in args.services or SERVICES:
        settings = settings_for(service)
        service_dir = Path(__file__).resolve().parent.parent / "services" / service
        upgrade(service_dir, settings.resolved_database_url(service))
        print(f"{service}: database at the latest migration")
    return 0


def register_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run one service (registration, ballot or results) with uvicorn"
    )
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--host", help="bind address (default from <SERVICE>_HOST)")
    parser.add_argument("--port", type=int, help="port (default from <SERVICE>_PORT)")
    parser.set_defaults(handler=serve)

    parser = subparsers.add_parser(
        "migrate", help="apply the database migrations of the services (done on start-up too)"
    )
    parser.add_argument(
        "services", nargs="*", metavar="SERVICE", help=f"any of {', '.join(SERVICES)} (all)"
    )
    parser.set_defaults(handler=migrate)
