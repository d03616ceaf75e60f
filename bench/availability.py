"""How fast online booking finds open times, end to end (one busy-times query, then the computation).

    python bench/availability.py [--quick] [--postgres URL]

A clinic of 20 providers working 09:00-18:00 Monday to Saturday, services of 30/45/60 minutes, about 60 % of
the next 30 days booked and 1 M past appointments behind them (50 k with --quick). The SQLite file is cached
under /tmp; a PostgreSQL schema (the URL's search_path) is refilled only when the parameters change.
Prints median milliseconds, next to the bare indexed range query for the same rows, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time as clock
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from portalcore.adapters.clock import FixedClock
from portalcore.adapters.sql.engine import make_engine
from portalcore.adapters.sql.migrate import upgrade
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.domain.availability import first_available, open_slots
from portalcore.domain.clock import local_day_bounds, local_to_utc
from portalcore.domain.providers import Provider
from portalcore.services.clinic.setup import SetupService

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
ZONE = ZoneInfo("America/New_York")
PROVIDERS, DAYS_AHEAD, SLOT, NOTICE, HORIZON = 20, 30, 15, 120, 90
SERVICES = [(30, 0), (45, 10), (60, 15)]  # minutes, buffer
VISIT, BUSY = 45, 55  # what is searched for: the 45-minute service and its buffer
BOOK_CHANCE = 0.36  # at each free quarter hour, the chance a visit starts: about 60 % of the day busy
BLOCKING = "('booked', 'completed', 'no_show')"
VERSION = 2


def clinic() -> dict[str, Any]:
    hours = [{"weekday": d, "start": "09:00", "end": "18:00", "location": "main"}
             for d in ("mon", "tue", "wed", "thu", "fri", "sat")]
    slugs = [f"provider-{i:02d}" for i in range(1, PROVIDERS + 1)]
    return {"clinic": {"slug": "bench", "name": "Bench Clinic", "time_zone": ZONE.key},
            "locations": [{"slug": "main", "name": "Main"}],
            "providers": [{"slug": s, "name": s.title(), "hours": hours} for s in slugs],
            "categories": [{"slug": "all", "name": "All"}],
            "services": [{"slug": f"s{m}", "name": f"{m} minutes", "category": "all", "duration_minutes": m,
                          "buffer_minutes": b, "price_cents": 100 * m, "providers": slugs} for m, b in SERVICES]}


def day_of_visits(rnd: random.Random, day: date, past: bool) -> Iterator[tuple[int, int, int, int, str]]:
    """(provider id, start, end, busy until, status) for every provider on one day, epoch seconds."""
    if day.weekday() == 6:
        return
    opens, closes = (int(local_to_utc(day, datetime.strptime(t, "%H:%M").time(), ZONE).timestamp())
                     for t in ("09:00", "18:00"))
    for provider_id in range(1, PROVIDERS + 1):
        t = opens
        while t < closes:
            minutes, buffer = rnd.choice(SERVICES)
            if rnd.random() < BOOK_CHANCE and t + (minutes + buffer) * 60 <= closes:
                roll = rnd.random()
                status = ("cancelled" if roll < 0.05 else "no_show" if roll < 0.1 and past
                          else "completed" if past else "booked")
                yield provider_id, t, t + minutes * 60, t + (minutes + buffer) * 60, status
                t += -(-(minutes + buffer) // SLOT) * SLOT * 60
            else:
                t += SLOT * 60


def visits(past_rows: int) -> Iterator[tuple[int, int, int, int, str]]:
    """The next 30 days, then day after day backwards until ``past_rows`` past visits are made."""
    rnd = random.Random(20261116)
    today = NOW.astimezone(ZONE).date()
    for offset in range(DAYS_AHEAD + 1):
        yield from day_of_visits(rnd, today + timedelta(days=offset), past=False)
    made, day = 0, today
    while made < past_rows:
        day -= timedelta(days=1)
        for row in day_of_visits(rnd, day, past=True):
            if made < past_rows:
                made += 1
                yield row


def formatter(pattern: str) -> Callable[[int], str]:
    """Epoch seconds as the text a database reads, cached: the same quarter hours recur for every provider."""
    cache: dict[int, str] = {}
    return lambda t: cache.get(t) or cache.setdefault(t, clock.strftime(pattern, clock.gmtime(t)))


def fill(engine: Engine, past_rows: int) -> None:
    """The catalogue through the app, then patients, visits, holds and time off in bulk."""
    now = FixedClock(NOW)
    SetupService(partial(SqlUnitOfWork, engine, now.now), now).import_clinic(clinic())
    sqlite = engine.dialect.name == "sqlite"
    stamp = formatter("%Y-%m-%d %H:%M:%S.000000" if sqlite else "%Y-%m-%d %H:%M:%S+00")
    created = stamp(int(NOW.timestamp()))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        mark = "?" if sqlite else "%s"
        cursor.execute("BEGIN") if sqlite else None
        # the no-overlap guard checks each new row against the provider's whole history: set it aside
        if sqlite:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'appointment'")
            guards = cursor.fetchall()
            for name, _ in guards:
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'appointment_no_overlap'")
            guards = cursor.fetchall()
            cursor.execute("ALTER TABLE appointment DROP CONSTRAINT appointment_no_overlap")
        cursor.executemany(f"INSERT INTO patient (first_name, last_name, mobile, address, language, created_at) "
                           f"VALUES ({mark}, {mark}, '', '{{}}', 'en', {mark})",
                           [(f"Patient{i}", "Bench", created) for i in range(1000)])
        columns = "patient_id, provider_id, location_id, start_at, end_at, busy_until, status, price_cents, created_at"
        rows = ((1 + i % 1000, p, 1, stamp(s), stamp(e), stamp(b), status, 10000, created)
                for i, (p, s, e, b, status) in enumerate(visits(past_rows)))
        if sqlite:
            cursor.executemany(f"INSERT INTO appointment ({columns}) VALUES ({', '.join('?' * 9)})", rows)
        else:
            with cursor.copy(f"COPY appointment ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        rnd, start = random.Random(7), int(NOW.timestamp())
        for p in range(1, PROVIDERS + 1):  # a week off each year; live and expired holds
            for year in range(past_rows // 120_000 + 1):
                off = start - (year * 365 + rnd.randrange(300)) * 86400
                cursor.execute(f"INSERT INTO provider_time_off (provider_id, start_at, end_at, reason) "
                               f"VALUES ({mark}, {mark}, {mark}, 'holiday')", (p, stamp(off), stamp(off + 7 * 86400)))
            for h in range(4):
                at = start + rnd.randrange(1, DAYS_AHEAD) * 86400 + rnd.randrange(4) * 3600
                cursor.execute(f"INSERT INTO slot_hold (token, provider_id, location_id, services, start_at, end_at, "
                               f"busy_until, expires_at, created_at) VALUES ({mark}, {mark}, 1, '[\"s45\"]', {mark}, "
                               f"{mark}, {mark}, {mark}, {mark})", (f"hold-{p}-{h}", p, stamp(at), stamp(at + 2700),
                                                                    stamp(at + 3300), stamp(start + (h % 2 * 2 - 1) * 300),
                                                                    created))
        if sqlite:
            for _, sql in guards:
                cursor.execute(sql)
            cursor.execute("COMMIT")
            cursor.execute("ANALYZE")
        else:
            cursor.execute(f"ALTER TABLE appointment ADD CONSTRAINT appointment_no_overlap {guards[0][0]}")
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()


def open_database(url: str | None, past_rows: int) -> Engine:
    """The bench database, filled once per set of parameters."""
    key = f"v{VERSION}-{PROVIDERS}p-{DAYS_AHEAD}d-{past_rows}r"
    if url is None:
        path = Path(f"/tmp/portal-bench-availability-{key}.db")
        if path.exists() and not _stamped(make_engine(f"sqlite:///{path}"), key):
            path.unlink()
        url = f"sqlite:///{path}"
    else:
        schema = re.search(r"search_path(?:%3D|=)(\w+)", url)
        if schema is None:  # a schema of its own, so the bench never touches other tables
            url += ("&" if "?" in url else "?") + "options=-csearch_path%3Dbench"
            schema = re.search(r"search_path%3D(\w+)", url)
            assert schema is not None
        admin = make_engine(str(make_url(url).difference_update_query(["options"])))
        with admin.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
            if not _stamped(make_engine(url), key):
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema[1]} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema[1]}")
        admin.dispose()
    engine = make_engine(url)
    upgrade(engine)
    if not _stamped(engine, key):
        started = clock.perf_counter()
        print(f"filling {engine.url.render_as_string(hide_password=True)} ({past_rows:,} past visits) ...", flush=True)
        fill(engine, past_rows)
        with engine.begin() as connection:  # the stamp says the fill finished
            connection.execute(text("CREATE TABLE IF NOT EXISTS bench_stamp (key TEXT)"))
            connection.execute(text("INSERT INTO bench_stamp VALUES (:key)"), {"key": key})
        print(f"filled in {clock.perf_counter() - started:.0f} s", flush=True)
    return engine


def _stamped(engine: Engine, key: str) -> bool:
    try:
        with engine.connect() as connection:
            return key in connection.execute(text("SELECT key FROM bench_stamp")).scalars().all()
    except SQLAlchemyError:  # no such table (or schema) yet
        return False
    finally:
        engine.dispose()


def median_ms(run: Callable[[], object], repeat: int) -> float:
    for _ in range(3):
        run()
    times = []
    for _ in range(repeat):
        started = clock.perf_counter_ns()
        run()
        times.append(clock.perf_counter_ns() - started)
    return statistics.median(times) / 1e6


def bare_query(raw: Any, sqlite: bool, ids: list[int], start: datetime, end: datetime) -> Callable[[], object]:
    """The same visits straight from the DB-API: one indexed range query, rows counted per provider."""
    mark = "?" if sqlite else "%s"
    sql = (f"SELECT provider_id, start_at, busy_until FROM appointment WHERE provider_id IN "
           f"({', '.join([mark] * len(ids))}) AND start_at >= {mark} AND start_at < {mark} AND status IN {BLOCKING}")
    args = (*ids, *(t.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else t for t in (start, end)))

    def run() -> dict[int, int]:
        cursor = raw.cursor()
        cursor.execute(sql, args)
        counts: dict[int, int] = {}
        for provider_id, _, _ in cursor:
            counts[provider_id] = counts.get(provider_id, 0) + 1
        cursor.close()
        return counts

    return run


def bench(engine: Engine, quick: bool) -> None:
    now = FixedClock(NOW)
    uow = partial(SqlUnitOfWork, engine, now.now, readonly=True)
    earliest, latest = NOW + timedelta(minutes=NOTICE), NOW + timedelta(days=HORIZON)
    today = NOW.astimezone(ZONE).date()
    first, last = today + timedelta(days=1), today + timedelta(days=DAYS_AHEAD)

    def slots(p: Provider, busy: dict[str, list[tuple[datetime, datetime]]], a: date, b: date) -> list[Any]:
        return open_slots(p, first_day=a, last_day=b, zone=ZONE, visit_minutes=VISIT, busy_minutes=BUSY,
                          busy=busy[p.slug], slot_minutes=SLOT, earliest=earliest, latest=latest)

    def span(a: date, b: date) -> tuple[datetime, datetime]:
        return local_day_bounds(a, ZONE)[0], local_day_bounds(b, ZONE)[1]

    with uow() as u:  # what a booking request does inside the unit of work it opened
        providers = sorted(u.catalog.providers(), key=lambda p: p.slug)
        slugs = [p.slug for p in providers]
        repository = u.availability

        def grid_of(chosen: list[Provider], busy: dict[str, list[tuple[datetime, datetime]]], a: date,
                    b: date) -> dict[str, list[Any]]:
            return {p.slug: slots(p, busy, a, b) for p in chosen}

        def grid(chosen: list[Provider], a: date, b: date) -> dict[str, list[Any]]:
            return grid_of(chosen, repository.busy_times([p.slug for p in chosen], *span(a, b), NOW), a, b)

        def first_free() -> list[Any]:
            """Day by day from today: the first day any provider has a time, each time given to one provider."""
            day = today
            while day <= today + timedelta(days=HORIZON):
                start, end = span(day, day)
                busy = repository.busy_times(slugs, start, end, NOW)
                offered = {p.slug: slots(p, busy, day, day) for p in providers}
                if any(offered.values()):
                    return first_available(offered, repository.booked_minutes(slugs, start, end), ZONE)
                day += timedelta(days=1)
            return []

        found = first_free()
        free_day = found[0].start_at.astimezone(ZONE).date() if found else today
        cases = [  # name, request, chosen providers, days, goal on SQLite (ms), runs
            ("one provider x 1 day", lambda: grid(providers[:1], first, first), providers[:1], (first, first), None, 500),
            ("one provider x 30 days", lambda: grid(providers[:1], first, last), providers[:1], (first, last), 1, 400),
            (f"first available, 20 providers ({free_day:%a})", first_free, providers, (free_day, free_day), 2, 300),
            ("full grid, 20 providers x 30 days", lambda: grid(providers, first, last), providers, (first, last), 25, 40),
        ]
        full = repository.busy_times(slugs, *span(first, last), NOW)
        capacity = sum(9 * 3600 for d in range(DAYS_AHEAD) if (first + timedelta(days=d)).weekday() != 6) * PROVIDERS
        taken = sum(((min(e, span(first, last)[1]) - s) for v in full.values() for s, e in v), timedelta()).total_seconds()
        print(f"{engine.dialect.name}: {PROVIDERS} providers, {taken / capacity:.0%} of the next {DAYS_AHEAD} days "
              f"busy; looking for a {VISIT}-minute visit (+{BUSY - VISIT} buffer) on a {SLOT}-minute grid")
        print(f"{'':34} {'rows':>5} {'slots':>5} {'ours ms':>8} {'compute':>8} {'bare ms':>8} {'ratio':>6} {'goal':>6}")
        for name, request, chosen, (a, b), goal, runs in cases:
            runs = max(10, runs // 10) if quick else runs
            busy = repository.busy_times([p.slug for p in chosen], *span(a, b), NOW)
            result = request()
            count = len(result) if isinstance(result, list) else sum(map(len, result.values()))
            ours = median_ms(request, runs)
            compute = median_ms(partial(grid_of, chosen, busy, a, b), runs)
            raw = engine.raw_connection()
            try:
                ids = [p.id for p in chosen if p.id is not None]
                baseline = median_ms(bare_query(raw, engine.dialect.name == "sqlite", ids, *span(a, b)), runs)
            finally:
                raw.rollback()
                raw.close()
            target = f"<= {goal}" if goal and engine.dialect.name == "sqlite" else ""
            print(f"{name:34} {sum(map(len, busy.values())):5} {count:5} {ours:8.2f} {compute:8.2f} {baseline:8.2f} "
                  f"{ours / baseline:6.1f} {target:>6}")

    def open_and_close() -> None:
        with uow() as u:
            u.availability.busy_times([], NOW, NOW, NOW)
            assert u.session is not None
            u.session.connection()

    print(f"ours: busy_times + open_slots (+ booked_minutes and first_available) in an open unit of work; "
          f"compute: open_slots alone;\nbare: the indexed range query for the same visits on a raw DB-API "
          f"connection, rows counted per provider; ratio = ours / bare.\nOpening and closing the read-only unit of "
          f"work itself (once per request, whatever it does): {median_ms(open_and_close, 200):.2f} ms", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 k past visits and fewer runs: seconds, not minutes")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("PORTAL_TEST_POSTGRES_URL"),
                        help="also measure PostgreSQL (default: $PORTAL_TEST_POSTGRES_URL); give it its own "
                             "schema, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%%3Dbench")
    args = parser.parse_args()
    past_rows = 50_000 if args.quick else 1_000_000
    for url in [None] + ([args.postgres] if args.postgres else []):
        engine = open_database(url, past_rows)
        try:
            bench(engine, args.quick)
        finally:
            engine.dispose()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
