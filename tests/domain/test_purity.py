"""The domain package stays pure: the standard library and itself, nothing else."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "services" / "domain"


def test_imports_only_the_standard_library() -> None:
    modules = list(DOMAIN.glob("*.py"))
    assert len(modules) >= 2
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                inside = name == "services.domain" or name.startswith("services.domain.")
                assert inside or name.split(".")[0] in sys.stdlib_module_names, (path.name, name)
