"""The domain package stays pure: the standard library and itself, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.imports import imported_modules

DOMAIN = Path(__file__).resolve().parents[2] / "services" / "domain"


def test_imports_only_the_standard_library() -> None:
    modules = list(DOMAIN.glob("*.py"))
    assert len(modules) >= 2
    for path in modules:
        for name in imported_modules(path):
            inside = name == "services.domain" or name.startswith("services.domain.")
            assert inside or name.split(".")[0] in sys.stdlib_module_names, (path.name, name)
