"""The verifier is a second implementation: it must not import ours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.imports import imported_modules

VERIFY = Path(__file__).resolve().parents[2] / "verify"
OURS = {"services", "alv", "hardware", "tests"}


def test_imports_only_the_standard_library() -> None:
    for path in VERIFY.glob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            assert top == "verify" or top in sys.stdlib_module_names, f"{path.name}: {name}"


def test_running_it_loads_none_of_our_packages(tmp_path: Path) -> None:
    code = (
        "import sys, runpy; sys.argv = ['verify', sys.argv[1]]\n"
        "try:\n    runpy.run_module('verify', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        f"    loaded = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(OURS)!r})\n"
        "    print('LOADED', loaded, 'EXIT', exit.code)\n"
    )
    missing = tmp_path / "missing.json"
    result = subprocess.run(
        [sys.executable, "-c", code, str(missing)],
        cwd=VERIFY.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "LOADED [] EXIT 2" in result.stdout, result.stdout + result.stderr


def test_registers_as_an_alv_subcommand(tmp_path: Path) -> None:
    import argparse

    from verify.cli import UNREADABLE, register_cli

    parser = argparse.ArgumentParser(prog="alv")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["verify", str(tmp_path / "missing.json")])
    assert args.handler(args) == UNREADABLE
