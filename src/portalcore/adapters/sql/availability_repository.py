"""What keeps providers busy, read for online booking with one indexed range query per call.

This is the hot path, so it runs SQLAlchemy Core statements built once (no ORM objects) and, on SQLite,
parses the stored UTC text itself: ``datetime.fromisoformat`` is several times cheaper per value than the
column type's result processing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, func, literal, select, type_coerce, union_all
from sqlalchemy.sql import Select
from sqlmodel import Session

from portalcore.adapters.sql.tables import AppointmentRow, ProviderRow, SlotHoldRow, TimeOffRow
from portalcore.adapters.sql.types import UtcDateTime
from portalcore.domain.appointments import AppointmentStatus

BLOCKING = [s.value for s in AppointmentStatus if s.blocks_time]
# No visit or hold keeps a provider busy for longer than this (a visit fits in one working day). It gives the
# index range on (provider_id, start_at) a lower end, so the query never walks a provider's whole history.
LONGEST_VISIT = timedelta(days=1)

_appointment = AppointmentRow.__table__  # type: ignore[attr-defined]
_hold = SlotHoldRow.__table__  # type: ignore[attr-defined]
_time_off = TimeOffRow.__table__  # type: ignore[attr-defined]
_provider = ProviderRow.__table__  # type: ignore[attr-defined]


def _bound(name: str) -> Any:
    return bindparam(name, type_=UtcDateTime())


def _busy_part(table: Any, end_column: Any, *conditions: Any) -> Select:
    # Raw column values (text on SQLite, timestamptz on PostgreSQL); _parser() turns them into UTC datetimes.
    return (select(_provider.c.slug, type_coerce(table.c.start_at, String), type_coerce(end_column, String))
            .select_from(table.join(_provider, _provider.c.id == table.c.provider_id))
            .where(_provider.c.slug.in_(bindparam("slugs", expanding=True)), table.c.start_at < _bound("end"),
                   end_column > _bound("start"), *conditions))


_BUSY = union_all(
    _busy_part(_appointment, _appointment.c.busy_until, _appointment.c.start_at >= _bound("since"),
               _appointment.c.status.in_(bindparam("blocking", expanding=True))),
    _busy_part(_hold, _hold.c.busy_until, _hold.c.start_at >= _bound("since"), _hold.c.expires_at > _bound("now")),
    # time off is rare but may last weeks, so it gets no lower bound
    _busy_part(_time_off, _time_off.c.end_at),
)


def _booked(minutes: Any) -> Select:
    return (select(_provider.c.slug, func.sum(minutes))
            .select_from(_appointment.join(_provider, _provider.c.id == _appointment.c.provider_id))
            .where(_provider.c.slug.in_(bindparam("slugs", expanding=True)),
                   _appointment.c.start_at >= _bound("start"), _appointment.c.start_at < _bound("end"),
                   _appointment.c.status.in_(bindparam("blocking", expanding=True)))
            .group_by(_provider.c.slug))


_BOOKED = {
    "sqlite": _booked((func.julianday(_appointment.c.end_at) - func.julianday(_appointment.c.start_at)) * literal(1440)),
    "postgresql": _booked(func.extract("epoch", _appointment.c.end_at - _appointment.c.start_at) / literal(60)),
}


def _sqlite_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _postgresql_time(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _parser(dialect: str) -> Callable[[Any], datetime]:
    return _sqlite_time if dialect == "sqlite" else _postgresql_time


class SqlAvailabilityRepository:
    """``AvailabilityRepository`` on SQLite and PostgreSQL, inside the unit of work's session."""

    def __init__(self, session: Session, *, longest_visit: timedelta = LONGEST_VISIT) -> None:
        self.session = session
        self._longest_visit = longest_visit

    def busy_times(self, providers: Sequence[str], start: datetime, end: datetime,
                   now: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
        busy: dict[str, list[tuple[datetime, datetime]]] = {slug: [] for slug in providers}
        if not busy or start >= end:
            return busy
        connection = self.session.connection()
        parse = _parser(connection.dialect.name)
        rows = connection.execute(_BUSY, {"slugs": list(busy), "blocking": BLOCKING, "start": start, "end": end,
                                          "since": start - self._longest_visit, "now": now})
        for slug, begins, ends in rows:
            busy[slug].append((parse(begins), parse(ends)))
        for intervals in busy.values():
            intervals.sort()
        return busy

    def booked_minutes(self, providers: Sequence[str], start: datetime, end: datetime) -> dict[str, int]:
        booked = dict.fromkeys(providers, 0)
        if not booked or start >= end:
            return booked
        connection = self.session.connection()
        rows = connection.execute(_BOOKED[connection.dialect.name],
                                  {"slugs": list(booked), "blocking": BLOCKING, "start": start, "end": end})
        for slug, minutes in rows:
            booked[slug] = round(minutes or 0)
        return booked
