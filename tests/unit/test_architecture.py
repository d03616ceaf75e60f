"""The dependency rule, beyond what import-linter checks: the domain imports only the standard library and attrs."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import portalcore.domain

ALLOWED = set(sys.stdlib_module_names) | {"attrs", "portalcore"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_import_only_the_standard_library_and_attrs() -> None:
    domain = Path(portalcore.domain.__file__).parent
    offenders = {path.name: sorted(imported_roots(path) - ALLOWED) for path in domain.glob("*.py")}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_domain_modules_never_reach_outside_the_domain_package() -> None:
    domain = Path(portalcore.domain.__file__).parent
    for path in domain.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("portalcore"):
                assert node.module.startswith("portalcore.domain"), f"{path.name} imports {node.module}"
