"""The command line: ``alv verify EXPORT [--expect-head HASH]`` or ``python -m verify``.

Exit code 0 only when every vote and the chain verify (and, given
``--expect-head``, the chain ends in that head); 1 when anything deviates; 2
when the file is not a readable export.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from verify.check import Report, UnreadableExport, check_export, normalise_head

OK, DEVIATION, UNREADABLE = 0, 1, 2


def print_report(report: Report, out: TextIO) -> None:
    print(
        f"Export van vergadering {report.meeting} ({report.scope}): "
        f"{len(report.verdicts)} stemmingen",
        file=out,
    )
    for verdict in report.verdicts:
        print(verdict.line(), file=out)
    for problem in report.chain_problems:
        print(f"AFWIJKING: {problem}", file=out)
    if not report.chain_problems:
        print(f"keten: OK, {len(report.verdicts)} schakels, kop {report.head}", file=out)
        if report.expected_head is not None:
            print("kop: OK, gelijk aan de verwachte kop", file=out)
    failed = sum(1 for v in report.verdicts if not v.ok)
    if report.ok:
        print("UITSLAG: alles klopt", file=out)
    else:
        print(
            f"UITSLAG: AFWIJKING in {failed} stemming(en)"
            + (" en in de keten" if report.chain_problems else ""),
            file=out,
        )


def verify_file(path: Path, out: TextIO | None = None, *, expect_head: str | None = None) -> int:
    out = out or sys.stdout  # looked up now, not at import: a caller may have replaced it
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        report = check_export(document, expect_head=expect_head)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, UnreadableExport) as exc:
        print(f"{path}: niet te controleren: {exc}", file=out)
        return UNREADABLE
    print_report(report, out)
    return OK if report.ok else DEVIATION


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "export",
        metavar="EXPORT",
        help="an export.json of the results service (auditors' or public)",
    )
    parser.add_argument(
        "--expect-head",
        metavar="HASH",
        type=_head,
        help="the chain head printed on the report or shown on the chair's screen after the"
        " last vote: the full hash, or its first 16 hex digits; the export must end in it",
    )


def _head(text: str) -> str:
    try:
        return normalise_head(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _handle(args: argparse.Namespace) -> int:
    return verify_file(Path(args.export), expect_head=args.expect_head)


def register_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``verify`` to a parent parser (``alv``): ``subparsers.add_parser`` style."""
    parser = subparsers.add_parser(
        "verify", help="recompute every outcome and hash of an export (exit 0: all verified)"
    )
    _configure(parser)
    parser.set_defaults(handler=_handle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verify",
        description="Recompute every outcome and every hash of an ALV Stemsysteem export.",
    )
    _configure(parser)
    return _handle(parser.parse_args(argv))
