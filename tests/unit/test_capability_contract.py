"""The contract that keeps each web capability folder on its own capability's services (tests/contracts.py)."""

from __future__ import annotations

import grimp

from tests.contracts import OwnCapabilityContract


def graph_with(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=7, line_contents=f"import {imported}")
    return graph


def broken(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    contract = OwnCapabilityContract(name="own", session_options={}, contract_options={
        "frontend": "web", "services": "core.services", "shared": ["core.services.clinic"]})
    check = contract.check(graph, verbose=False)
    assert check.kept == (not check.metadata["broken"])
    return [(item["importer"], item["imported"]) for item in check.metadata["broken"]]


def test_a_web_capability_may_use_its_own_and_the_shared_services() -> None:
    graph = graph_with(("web.booking.pages", "core.services.booking.checkout"),
                       ("web.booking.views", "core.services.delivery"),
                       ("web.booking.views", "core.services.clinic.catalog"),
                       ("web.booking.views", "web.access.views"),
                       ("web.errors", "core.services.access.login"))
    assert broken(graph) == []


def test_a_web_capability_reaching_into_another_capabilitys_services_breaks_the_contract() -> None:
    graph = graph_with(("web.booking.views", "core.services.access.login"),
                       ("web.visits.pages", "core.services.visits.changes"))
    assert broken(graph) == [("web.booking.views", "core.services.access.login")]


def test_a_web_folder_without_a_core_twin_may_use_only_shared_services() -> None:
    graph = graph_with(("web.forms.pages", "core.services.booking.availability"),
                       ("web.forms.pages", "core.services.contact"))
    assert broken(graph) == [("web.forms.pages", "core.services.booking.availability")]
