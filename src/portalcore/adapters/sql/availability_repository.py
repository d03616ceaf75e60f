"""What keeps providers busy, read for online booking with one indexed range query per call.

This is the hot path of booking. Measured on the bench (``bench/availability.py``), executing a Core
``select`` costs about 0.3 ms of SQLAlchemy overhead per call and ``exec_driver_sql`` 0.1 ms, against a few
microseconds for the DB-API cursor; and turning stored timestamps into aware UTC datetimes through the column
type (or ``.replace(tzinfo=)``) costs several times more than ``datetime.fromisoformat`` on text that
already ends in ``+00:00``. So the SQL is written out once per dialect and number of providers, runs on the
DB-API cursor of the unit of work's own connection (same transaction), and the database returns ISO text.
Each part of the UNION ALL is an index scan that starts from the provider (see ``_OVERLAP``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlmodel import Session

from portalcore.domain.appointments import AppointmentStatus

BLOCKING = tuple(s.value for s in AppointmentStatus if s.blocks_time)
# No visit or hold keeps a provider busy for longer than this (a visit fits in one working day). It gives the
# index range on (provider_id, start_at) a lower end, so the query never walks a provider's whole history.
LONGEST_VISIT = timedelta(days=1)

# Which visits touch [start, end), and the parameters that takes from (since, start, end). SQLite scans
# ix_appointment_provider_start from ``since``. PostgreSQL's planner prefers ix_appointment_start (it follows
# the table's physical order) and then filters out every other provider's visits, so there the query asks the
# GiST index behind the no-overlap constraint, (provider_id, tstzrange(start_at, busy_until)) for blocking
# statuses: exact, with no assumption about visit length, and 3x faster for one provider on the bench.
_OVERLAP: dict[str, tuple[str, Callable[[Any, Any, Any], tuple[Any, ...]]]] = {
    "sqlite": ("a.start_at >= ? AND a.start_at < ? AND a.busy_until > ?", lambda since, start, end: (since, end, start)),
    "postgresql": ("tstzrange(a.start_at, a.busy_until, '[)') && tstzrange(?, ?, '[)')",
                   lambda since, start, end: (start, end)),
}

_STATUSES = ", ".join(f"'{s}'" for s in BLOCKING)  # constants, so the planner sees them
_ISO = {  # a stored instant as ISO text in UTC with its offset, whatever the session's time zone or DateStyle
    "sqlite": "{} || '+00:00'",
    "postgresql": "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00:00')",
}
_MINUTES = {  # a visit's length in minutes
    "sqlite": "(julianday(a.end_at) - julianday(a.start_at)) * 1440",
    "postgresql": "extract(epoch FROM a.end_at - a.start_at) / 60",
}
_BUSY = f"""
SELECT p.slug, {{a_start_at}}, {{a_busy_until}} FROM appointment AS a JOIN provider AS p ON p.id = a.provider_id
 WHERE p.slug IN ({{slugs}}) AND {{overlap}} AND a.status IN ({_STATUSES})
UNION ALL
SELECT p.slug, {{h_start_at}}, {{h_busy_until}} FROM slot_hold AS h JOIN provider AS p ON p.id = h.provider_id
 WHERE p.slug IN ({{slugs}}) AND h.start_at >= ? AND h.start_at < ? AND h.busy_until > ? AND h.expires_at > ?
UNION ALL
SELECT p.slug, {{t_start_at}}, {{t_end_at}} FROM provider_time_off AS t JOIN provider AS p ON p.id = t.provider_id
 WHERE p.slug IN ({{slugs}}) AND t.start_at < ? AND t.end_at > ?
"""  # time off is rare but may last weeks, so its range has no lower end
_BOOKED = f"""
SELECT p.slug, sum({{minutes}}) FROM appointment AS a JOIN provider AS p ON p.id = a.provider_id
 WHERE p.slug IN ({{slugs}}) AND a.start_at >= ? AND a.start_at < ? AND a.status IN ({_STATUSES})
 GROUP BY p.slug
"""
_COLUMNS = ("a.start_at", "a.busy_until", "h.start_at", "h.busy_until", "t.start_at", "t.end_at")


@cache
def _sql(template: str, dialect: str, providers: int) -> str:
    dialect = dialect if dialect == "sqlite" else "postgresql"
    iso = _ISO[dialect]
    sql = template.format(slugs=", ".join("?" * providers), minutes=_MINUTES[dialect], overlap=_OVERLAP[dialect][0],
                          **{column.replace(".", "_"): iso.format(column) for column in _COLUMNS})
    return sql if dialect == "sqlite" else sql.replace("?", "%s")


def _sqlite_bind(at: datetime) -> str:
    # the text SQLAlchemy's SQLite DateTime stores (naive UTC with microseconds), so comparisons are textual
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


def _postgresql_bind(at: datetime) -> datetime:
    return at


def _binder(dialect: str) -> Callable[[datetime], Any]:
    return _sqlite_bind if dialect == "sqlite" else _postgresql_bind


class SqlAvailabilityRepository:
    """``AvailabilityRepository`` on SQLite and PostgreSQL, inside the unit of work's session."""

    def __init__(self, session: Session, *, longest_visit: timedelta = LONGEST_VISIT) -> None:
        self.session = session
        self._longest_visit = longest_visit
        self._dialect_name: str | None = None

    def busy_times(self, providers: Sequence[str], start: datetime, end: datetime,
                   now: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
        busy: dict[str, list[tuple[datetime, datetime]]] = {slug: [] for slug in providers}
        if not busy or start >= end:
            return busy
        slugs = tuple(busy)
        dialect = self._dialect()
        bind = _binder(dialect)
        start_at, end_at, since = bind(start), bind(end), bind(start - self._longest_visit)
        visits = _OVERLAP["sqlite" if dialect == "sqlite" else "postgresql"][1](since, start_at, end_at)
        rows = self._fetch(_BUSY, len(slugs), (*slugs, *visits,
                                               *slugs, since, end_at, start_at, bind(now),
                                               *slugs, end_at, start_at))
        parse = datetime.fromisoformat
        for slug, begins, ends in rows:
            busy[slug].append((parse(begins), parse(ends)))
        for intervals in busy.values():
            intervals.sort()
        return busy

    def booked_minutes(self, providers: Sequence[str], start: datetime, end: datetime) -> dict[str, int]:
        booked = dict.fromkeys(providers, 0)
        if not booked or start >= end:
            return booked
        bind = _binder(self._dialect())
        for slug, minutes in self._fetch(_BOOKED, len(booked), (*booked, bind(start), bind(end))):
            booked[slug] = round(minutes or 0)
        return booked

    def _dialect(self) -> str:
        if self._dialect_name is None:
            self._dialect_name = self.session.get_bind().dialect.name
        return self._dialect_name

    def _fetch(self, template: str, providers: int, parameters: tuple[Any, ...]) -> list[Any]:
        # the DB-API connection of this unit of work's transaction (session.connection() begins it if needed)
        cursor = self.session.connection().connection.cursor()
        try:
            cursor.execute(_sql(template, self._dialect(), providers), parameters)
            return cursor.fetchall()
        finally:
            cursor.close()
