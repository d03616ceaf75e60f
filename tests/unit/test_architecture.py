"""The dependency rule, beyond what import-linter checks: the domain imports only the standard library and attrs."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import portalcore
import portalcore.domain
from portal_web.templating import template_dirs

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


def test_no_module_grows_past_400_lines() -> None:
    src = Path(portalcore.__file__).parent.parent
    sizes = {str(path.relative_to(src)): len(path.read_text(encoding="utf-8").splitlines())
             for path in src.rglob("*.py") if "migrations" not in path.parts}
    assert {name: lines for name, lines in sizes.items() if lines > 400} == {}


def test_page_templates_have_one_name_across_the_capability_folders() -> None:
    # the Jinja loader searches every folder by bare name, so a second file of the same name would be shadowed
    seen: dict[str, list[str]] = {}
    for folder in template_dirs():
        for path in folder.glob("*.html"):
            seen.setdefault(path.name, []).append(folder.parent.name)
    assert {name: folders for name, folders in seen.items() if len(folders) > 1} == {}
    assert {"base.html", "cart.html", "login.html", "visits.html"} <= set(seen)
