"""Log lines with their fields: ``key=value`` for people, JSON lines for machines.

Every event is logged as a dotted name with its fields in ``extra``
(``log.info("ballot.press.duplicate", extra={"handset": "004711"})``). Both
formatters print those fields; the plain ``logging`` format would drop them.

Logging is configured once, by ``configure`` (the ``alv`` command does it
before any subcommand runs), and uvicorn is handed the same configuration as
``log_config``: uvicorn applies it again in every
worker process it starts, and its own access and error lines then come out in
the same format instead of uvicorn's.

The format is ``keyvalue`` (default) or ``json``: ``alv --log-format json`` or
``ALV_LOG_FORMAT=json`` in the environment (which reaches the processes
``alv run`` starts, too).
"""

from __future__ import annotations

import datetime
import json
import logging
import logging.config
import os
from typing import Any, Literal

LogFormat = Literal["keyvalue", "json"]
FORMATS: tuple[LogFormat, ...] = ("keyvalue", "json")
ENVIRONMENT = "ALV_LOG_FORMAT"

# LogRecord attributes that are not ours: everything else came in through ``extra``.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI-coloured duplicate of the message
    "taskName",  # Python 3.12 adds the asyncio task's name to every record
}


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """What the caller passed in ``extra``."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class KeyValueFormatter(logging.Formatter):
    """``time level event key=value ...``: the dotted event name plus its ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(
            f"{key}={value!r}" if isinstance(value, str) and " " in value else f"{key}={value}"
            for key, value in fields(record).items()
        )
        line = f"{self.formatTime(record)} {record.levelname} {record.getMessage()}"
        if pairs:
            line += " " + pairs
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``at``, ``level``, ``logger``, ``event`` and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        line: dict[str, Any] = {
            "at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in fields(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def chosen_format(flag: str | None = None) -> LogFormat:
    """The flag if given, else ``ALV_LOG_FORMAT``, else ``keyvalue``."""
    value = (flag or os.environ.get(ENVIRONMENT) or "keyvalue").strip().lower()
    if value not in FORMATS:
        raise ValueError(f"{ENVIRONMENT}: '{value}' is not one of {', '.join(FORMATS)}")
    return value


def dict_config(log_format: LogFormat, *, level: int = logging.INFO) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of our processes, uvicorn's loggers included."""
    formatter = KeyValueFormatter if log_format == "keyvalue" else JsonFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"alv": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "alv",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": logging.getLevelName(level)},
        "loggers": {
            # uvicorn's loggers keep no handlers of their own: ours, through the root.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            # One line per HTTP request between services drowns what a person reads.
            "httpx": {"level": "WARNING"},
        },
    }


def configure(log_format: LogFormat = "keyvalue", *, verbose: bool = False) -> dict[str, Any]:
    """Configure this process's logging; returns the dictConfig (for uvicorn's workers)."""
    config = dict_config(log_format, level=logging.DEBUG if verbose else logging.INFO)
    logging.config.dictConfig(config)
    return config
