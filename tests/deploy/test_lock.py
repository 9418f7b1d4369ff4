"""The lock files pin what pyproject.toml asks for, with hashes, and are what installs use."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def _name(requirement: str) -> str:
    """``uvicorn[standard]>=0.29`` -> ``uvicorn``, normalised as PEP 503 does."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {_name(name): version for name, version in PIN.findall(text)}


def _asked() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    return runtime, dev


def test_the_runtime_lock_pins_every_dependency() -> None:
    runtime, _ = _asked()
    assert runtime <= set(_pins("requirements.lock")), "run `make lock`"


def test_the_dev_lock_pins_every_dependency_at_the_runtime_versions() -> None:
    runtime, dev = _asked()
    pins = _pins("requirements-dev.lock")
    assert runtime | dev <= set(pins), "run `make lock`"
    for name, version in _pins("requirements.lock").items():
        assert pins[name] == version, name


def test_every_pin_carries_its_hashes() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock"):
        entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
        pinned = [entry for entry in entries if PIN.match(entry)]
        assert pinned
        for entry in pinned:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_installs_use_the_locks_with_their_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r $(DEV_LOCK)" in makefile
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes --no-deps -r requirements.lock" in dockerfile
