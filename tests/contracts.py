"""An import-linter contract of our own: each capability folder of a frontend uses its own capability's services.

``portal_web/booking/`` may import ``portalcore.services.booking`` and the shared services (the outbox, contact
checks, the clinic), but not ``portalcore.services.access``: when a page needs another capability, it asks
through the ``Portal`` it is given, or the piece it needs belongs in a shared module. A frontend folder with
no services folder of the same name (a new capability whose core has not landed yet) may use only the shared
services. Registered in ``pyproject.toml`` (``contract_types``); ``lint-imports`` runs it with the others.
"""

from __future__ import annotations

import grimp
from importlinter import Contract, ContractCheck, fields, output


class OwnCapabilityContract(Contract):
    """Options: ``frontend`` (the package whose sub-packages are capabilities), ``services`` (the package
    whose sub-packages are the same capabilities in the core), ``shared`` (services any capability may use)."""

    type_name = "own_capability"

    frontend = fields.ModuleField()
    services = fields.ModuleField()
    shared = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        front, core = self.frontend.name, self.services.name
        shared = [module.name for module in self.shared]
        broken = []
        for importer in sorted(graph.modules):
            capability = _capability(importer, front)
            if capability is None:
                continue  # shared web plumbing (app, errors, sessions) at the top of the frontend
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                wanted = _capability(imported, core)
                if wanted is None or wanted == capability or _within(imported, shared):
                    continue
                lines = [detail["line_number"] for detail in
                         graph.get_import_details(importer=importer, imported=imported)]
                broken.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            lines = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(f"{item['importer']} -> {item['imported']} ({lines})", bold=False)
        output.new_line()
        output.print("A capability's web folder imports only its own capability's services and the shared ones.")


def _capability(module: str, package: str) -> str | None:
    """``portal_web.booking.pages`` in ``portal_web`` → ``booking``; None for ``portal_web.app`` or outside."""
    if not module.startswith(package + "."):
        return None
    parts = module[len(package) + 1:].split(".")
    return parts[0] if len(parts) > 1 else None


def _within(module: str, packages: list[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)
