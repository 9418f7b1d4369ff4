"""Every benchmark, on SQLite and PostgreSQL, in one table beside its goal.

    python -m benchmarks                       # all (about 15 minutes on 2 cores)
    python -m benchmarks --only presses hall   # some
    python -m benchmarks --save after.json --before before.json
    python -m benchmarks --code /path/to/other/checkout --save before.json

Each benchmark runs in a process of its own (``python -m benchmarks.NAME``)
and reports its figures; PostgreSQL is a cluster of the benchmark's own
(initdb on a free port), so its CPU time is exactly the benchmark's. ``--code``
runs the services of another checkout (say, the commit before a change)
under the same benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import CODE_VARIABLE, DATABASES

BENCHES = ("presses", "hall", "results", "screen", "desk", "report")


def run(name: str, database: str, extra: list[str], code: str | None) -> list[dict[str, Any]]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        environment = {**os.environ, **({CODE_VARIABLE: code} if code else {})}
        command = [sys.executable, "-m", f"benchmarks.{name}", "--database", database]
        completed = subprocess.run(
            [*command, "--json", out.name, *extra], env=environment, check=False
        )
        if completed.returncode != 0:
            print(f"benchmarks.{name} on {database} failed ({completed.returncode})", flush=True)
            return []
        return list(json.loads(Path(out.name).read_text() or "[]"))


def shown(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def table(figures: list[dict[str, Any]], before: list[dict[str, Any]]) -> str:
    """One row per figure: goal, then per database (before ->) now and the verdict."""
    earlier = {(f["bench"], f["name"], f["database"]): f for f in before}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for figure in figures:
        row = rows.setdefault(
            (figure["bench"], figure["name"]),
            {"goal": figure["goal"], "unit": figure["unit"]},
        )
        old = earlier.get((figure["bench"], figure["name"], figure["database"]))
        cell = shown(figure["value"])
        if old is not None:
            cell = f"{shown(old['value'])} -> {cell}"
        verdict = {True: " ok", False: " MISSED", None: ""}[figure["ok"]]
        row[figure["database"]] = cell + verdict
    header = ["figure", "unit", "goal", *DATABASES]
    lines = [header, ["---"] * len(header)]
    for (bench, name), row in rows.items():
        cells = [f"{bench}: {name}", row["unit"], row["goal"]]
        lines.append(cells + [row.get(database, "") for database in DATABASES])
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", nargs="+", choices=BENCHES, default=list(BENCHES))
    parser.add_argument("--database", choices=DATABASES, action="append")
    parser.add_argument("--quick", action="store_true", help="smaller runs of presses and hall")
    parser.add_argument("--code", help="run the services of this checkout instead")
    parser.add_argument("--save", help="write every figure to this JSON file")
    parser.add_argument("--before", help="figures saved earlier, shown beside these")
    args = parser.parse_args(argv)
    figures: list[dict[str, Any]] = []
    for name in args.only:
        for database in args.database or DATABASES:
            extra = ["--quick"] if args.quick and name in ("presses", "hall") else []
            figures += run(name, database, extra, args.code)
    if args.save:
        Path(args.save).write_text(json.dumps(figures, indent=1))
    before = json.loads(Path(args.before).read_text()) if args.before else []
    print()
    print(table(figures, before))


if __name__ == "__main__":
    main()
