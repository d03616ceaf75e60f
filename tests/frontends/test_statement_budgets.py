"""Each public route runs a stated number of SQL statements, on SQLite and PostgreSQL, and that number does not
grow with the size of the clinic (a query per provider would)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from litestar.testing import TestClient

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, read_clinic_file
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_portal_visits import olivia_signed_in
from tests.statements import counted

AVAILABILITY = "/api/v1/availability?services=neurotoxin&provider=any&from=2026-11-20&to=2026-11-26"
BUDGETS = {  # route: statements at most once the clinic's catalogue is cached (BEGIN counts)
    "/": 6,
    "/api/v1/catalog": 4,
    AVAILABILITY: 4,
    "/book?services=neurotoxin": 6,
    "/book/provider?services=neurotoxin": 6,
    "/book/times?services=neurotoxin&provider=any": 10,
    "/healthz": 2,
}


@pytest.mark.parametrize("route", sorted(BUDGETS))
def test_a_route_keeps_to_its_statement_budget(client: TestClient, demo_portal: Portal, route: str) -> None:
    assert client.get(route).status_code == 200  # the first request of a process reads the catalogue
    with counted(demo_portal) as statements:
        assert client.get(route).status_code == 200
    assert len(statements) <= BUDGETS[route], "\n".join(statements)


def test_availability_reads_the_catalogue_in_as_many_statements_with_twenty_more_providers(
        client: TestClient, demo_portal: Portal) -> None:
    clinic = read_clinic_file()
    demo_portal.setup.import_clinic(clinic)  # a change: the next request reads the catalogue again
    with counted(demo_portal) as before:
        client.get(AVAILABILITY)
    template = clinic["providers"][0]
    clinic["providers"] += [{**copy.deepcopy(template), "slug": f"extra-{n}", "name": f"Extra Provider {n}"}
                            for n in range(20)]
    demo_portal.setup.import_clinic(clinic)
    with counted(demo_portal) as after:
        assert client.get(AVAILABILITY).status_code == 200
    assert len(after) == len(before) > BUDGETS[AVAILABILITY]


def test_a_change_to_the_catalogue_is_seen_by_the_next_request(client: TestClient, demo_portal: Portal) -> None:
    assert "Botox / Dysport (up to 3 areas)" in client.get("/").text
    clinic = read_clinic_file()
    for service in clinic["services"]:
        if service["slug"] == "neurotoxin":
            service["name"] = "Wrinkle relaxer"
    demo_portal.setup.import_clinic(clinic)  # as `portal init --clinic` in another process would
    page = client.get("/").text
    assert "Wrinkle relaxer" in page and "Botox / Dysport" not in page


SIGNED_IN_BUDGETS = {  # measured 2026-12-06 on SQLite (PostgreSQL sends fewer: no explicit BEGIN when reading)
    "/portal": 9,
    "/portal/visits": 18,  # the read is audited: one INSERT in a write transaction
    "/portal/activity": 17,
    "/portal/waitlist": 20,
    "/settings/proxies": 19,
    "/settings/security": 13,
    "/settings/password": 11,
}


def test_signed_in_pages_keep_to_their_statement_budgets(client: TestClient, demo_portal: Portal,
                                                        mailer: RecordingSender) -> None:
    olivia_signed_in(client, demo_portal, mailer)
    over = {}
    for route, budget in SIGNED_IN_BUDGETS.items():
        assert client.get(route).status_code == 200
        with counted(demo_portal) as statements:
            assert client.get(route).status_code == 200
        if len(statements) > budget:
            over[route] = statements
    assert over == {}


def test_signed_in_pages_read_without_writing_and_note_the_visit_once_a_minute(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    olivia_signed_in(client, demo_portal, mailer)
    clock.advance(timedelta(minutes=2))
    with counted(demo_portal) as first:
        assert client.get("/portal").status_code == 200
    with counted(demo_portal) as second:
        assert client.get("/portal").status_code == 200
    assert [s for s in second if s.startswith(("UPDATE", "INSERT", "DELETE", "BEGIN IMMEDIATE"))] == []
    assert [s for s in first if s.startswith("UPDATE portal_session")]  # two minutes on: last seen moves on
    clock.advance(timedelta(minutes=29))  # idle for less than the 30-minute timeout since that request
    assert client.get("/portal", follow_redirects=False).status_code == 200


def test_the_checkout_page_keeps_to_its_statement_budget(client: TestClient, demo_portal: Portal) -> None:
    [slot, *_] = client.get("/api/v1/availability?services=neurotoxin&provider=any&from=2026-11-17"
                            "&to=2026-11-17").json()["slots"]
    held = client.post("/api/v1/holds", json={"services": ["neurotoxin"], "provider": slot["provider"],
                                              "start_at": slot["start_at"]}).json()
    page = f"/book/checkout/{held['token']}"
    assert client.get(page).status_code == 200  # the first visit gives the browser its checkout key
    with counted(demo_portal) as statements:
        assert client.get(page).status_code == 200
    assert len(statements) <= 13, "\n".join(statements)  # measured 2026-12-06 on SQLite
