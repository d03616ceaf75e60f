"""What a patient waits for when asking for open times, in-process: the service call and the API handler.

    python bench/requests.py [--quick] [--providers 20 100] [--postgres URL]

On the clinic of ``bench/availability.py`` (providers working 09:00-18:00 Monday to Saturday, about 60 % of the
next 30 days booked, 1 M past visits, 50 k with --quick), for 20 providers and then 100: ``BookingService.
availability`` as the web calls it, and ``GET /api/v1/availability`` through the whole Litestar app (routing,
the input guard, dependencies, JSON), each with the SQL statements it sends, next to the bare indexed range
query plus the slot computation for the same rows (the floor no implementation can go under). Prints median
milliseconds and the ratio to that floor.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from litestar.testing import TestClient
from sqlalchemy import event

import availability as fixture
from portal_web import create_app
from portalcore.adapters.clock import FixedClock
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.bootstrap import build_portal
from portalcore.domain.availability import open_slots
from portalcore.domain.clock import local_day_bounds
from portalcore.settings import Settings


def statements_of(engine, run: Callable[[], object]) -> int:
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(sent)


def bench(url: str | None, providers: int, quick: bool) -> None:
    fixture.PROVIDERS = providers  # the fixture's clinic, filled once per size
    past_rows = 50_000 if quick else 1_000_000
    engine = fixture.open_database(url, past_rows)
    database_url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="portal-bench-")), database_url=database_url,
                        base_url="http://testserver")
    portal = build_portal(settings, clock=FixedClock(fixture.NOW))
    today = fixture.NOW.astimezone(fixture.ZONE).date()
    first = today + timedelta(days=1)
    runs = 30 if quick else 300
    try:
        with TestClient(app=create_app(portal)) as client:
            cases = [("one provider x 1 day", "provider-01", 1, 1.0), ("one provider x 7 days", "provider-01", 7, 1.5),
                     ("any provider x 7 days", "any", 7, 3.0)]
            print(f"{portal._engine.dialect.name}, {providers} providers "
                  f"({past_rows:,} past visits): a {fixture.VISIT}-minute visit")
            print(f"{'':24} {'service ms':>10} {'stmts':>5} {'API ms':>8} {'stmts':>5} {'bare ms':>8} "
                  f"{'service/bare':>12} {'goal':>6}")
            for name, provider, days, goal in cases:
                last = first + timedelta(days=days - 1)

                def service(p: str = provider, b=last) -> object:
                    return portal.booking.availability(["s45"], p, first, b)

                path = (f"/api/v1/availability?services=s45&provider={provider}&from={first.isoformat()}"
                        f"&to={last.isoformat()}")

                def api(p: str = path) -> object:
                    answer = client.get(p)
                    assert answer.status_code == 200, answer.text
                    return answer

                ours, api_ms = fixture.median_ms(service, runs), fixture.median_ms(api, runs)
                floor = bare(portal, provider, first, last, runs)
                target = f"<= {goal}" if portal._engine.dialect.name == "sqlite" and providers == 20 else ""
                print(f"{name:24} {ours:10.2f} {statements_of(portal._engine, service):5} {api_ms:8.2f} "
                      f"{statements_of(portal._engine, api):5} {floor:8.2f} {ours / floor:12.1f} {target:>6}",
                      flush=True)
    finally:
        portal.close()


def bare(portal, provider: str, first, last, runs: int) -> float:
    """The floor: the indexed range query on a raw connection plus the slot computation for the same rows."""
    start, end = local_day_bounds(first, fixture.ZONE)[0], local_day_bounds(last, fixture.ZONE)[1]
    with SqlUnitOfWork(portal._engine, portal.clock.now, readonly=True) as uow:
        chosen = [p for p in uow.catalog.providers() if provider in ("any", p.slug)]
        busy = uow.availability.busy_times([p.slug for p in chosen], start, end, fixture.NOW)
    engine = portal._engine
    raw = engine.raw_connection()
    query = fixture.bare_query(raw, engine.dialect.name == "sqlite", [p.id for p in chosen if p.id], start, end)
    earliest = fixture.NOW + timedelta(minutes=fixture.NOTICE)
    latest = fixture.NOW + timedelta(days=fixture.HORIZON)

    def run() -> None:
        query()
        for p in chosen:
            open_slots(p, first_day=first, last_day=last, zone=fixture.ZONE, visit_minutes=fixture.VISIT,
                       busy_minutes=fixture.BUSY, busy=busy[p.slug], slot_minutes=fixture.SLOT, earliest=earliest,
                       latest=latest)

    try:
        return fixture.median_ms(run, runs)
    finally:
        raw.rollback()
        raw.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 k past visits and fewer runs")
    parser.add_argument("--providers", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("PORTAL_TEST_POSTGRES_URL"),
                        help="also measure PostgreSQL (default: $PORTAL_TEST_POSTGRES_URL)")
    args = parser.parse_args()
    for noisy in ("httpx", "alembic"):  # the test client logs every request, migrations every step, at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for url in [None] + ([args.postgres] if args.postgres else []):
        for providers in args.providers:
            bench(url, providers, args.quick)
            print()
    print("service: BookingService.availability as the web calls it; API: GET /api/v1/availability through the "
          "app;\nbare: the indexed range query for the same visits on a raw connection plus open_slots; "
          "stmts: SQL statements sent through the engine\n(the busy-times query runs on the raw cursor and is not "
          "counted). Goals (issue 13) on SQLite with 20 providers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
