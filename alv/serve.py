"""``alv serve SERVICE``: one service in its own process (or several), configured by env.

uvicorn imports the service's ``app_from_environment`` factory, so that with
``--workers N`` each worker process builds its own app, settings, engine and
followers; the parent process only binds the socket and watches the workers.
"""

from __future__ import annotations

import argparse
import importlib
import logging
from pathlib import Path
from typing import Any

import uvicorn

from services.common import logs, metrics
from services.common.settings import ServiceSettings

SERVICES = ("registration", "ballot", "results")
SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def settings_for(service: str, **overrides: Any) -> ServiceSettings:
    """The service's settings from the environment, importing only its config:
    a broken or half-deployed service must not stop the others from starting."""
    config = importlib.import_module(f"services.{service}.config")
    settings: ServiceSettings = getattr(config, f"{service.capitalize()}Settings")(**overrides)
    return settings


def upgrade(service: str, settings: ServiceSettings) -> None:
    # Alembic is imported only by the commands that migrate.
    from services.common.migrations import upgrade as upgrade_database

    upgrade_database(SERVICES_DIR / service, settings.resolved_database_url(service))


def serve(args: argparse.Namespace) -> int:
    service = args.service
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    # Read here as well as in each worker: a bad setting stops us before any
    # worker starts, with pydantic's message instead of a worker's traceback.
    settings = settings_for(service, **overrides)
    if args.workers > 1:
        # Once, before the workers all start: they then find the database at
        # head (PostgreSQL would serialise them anyway; SQLite would not).
        upgrade(service, settings)
    level = logging.DEBUG if args.verbose else logging.INFO
    # Several workers share PROMETHEUS_MULTIPROC_DIR; values of an earlier run must go.
    metrics.prepare_multiprocess_dir()
    uvicorn.run(
        f"services.{service}.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        # Ours, not uvicorn's: its access and error lines in our format too,
        # applied again in every worker process.
        log_config=logs.dict_config(args.log_format, level=level),
        log_level=logging.getLevelName(level).lower(),
        access_log=settings.access_log,
        timeout_graceful_shutdown=5,
    )
    return 0


def migrate(args: argparse.Namespace) -> int:
    unknown = set(args.services) - set(SERVICES)
    if unknown:
        print(f"unknown service: {', '.join(sorted(unknown))}")
        return 2
    for service in args.services or SERVICES:
        upgrade(service, settings_for(service))
        print(f"{service}: database at the latest migration")
    return 0


def worker_count(value: str) -> int:
    count = int(value) if value.isascii() and value.isdigit() else 0
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError("a number of worker processes from 1 to 64")
    return count


def register_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run one service (registration, ballot or results) with uvicorn"
    )
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--host", help="bind address (default from <SERVICE>_HOST)")
    parser.add_argument("--port", type=int, help="port (default from <SERVICE>_PORT)")
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=1,
        help="worker processes sharing the port (default 1)",
    )
    parser.set_defaults(handler=serve)

    parser = subparsers.add_parser(
        "migrate", help="apply the database migrations of the services (done on start-up too)"
    )
    parser.add_argument(
        "services", nargs="*", metavar="SERVICE", help=f"any of {', '.join(SERVICES)} (all)"
    )
    parser.set_defaults(handler=migrate)
