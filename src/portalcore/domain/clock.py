"""Turning clinic-local days into UTC instants (the only place local time meets stored time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portalcore.domain.errors import InvalidInput

OUT_OF_REACH = "That day is outside the days the clinic books online."
STAFF_REACH_DAYS = 3 * 366  # the front desk and admins plan up to three years ahead
# No day a clinic deals with lies outside these; checking them first keeps the calendar arithmetic (a week on
# from 9999-12-30, 0001-01-01 in a zone east of UTC) from overflowing.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def plausible_day(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def _check_day(day: date) -> None:
    if not plausible_day(day):
        raise InvalidInput(OUT_OF_REACH)


def as_utc(moment: datetime) -> datetime:
    """An instant given with its offset, in UTC. Raises ``InvalidInput`` for a time without an offset or one
    outside ``EARLIEST_DAY``..``LATEST_DAY``."""
    if moment.tzinfo is None or moment.utcoffset() is None or not plausible_day(moment.date()):
        raise InvalidInput(OUT_OF_REACH)
    return moment.astimezone(UTC)


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` starts and ends in ``zone``; 23 or 25 hours long on DST days.
    Raises ``InvalidInput`` for a day outside ``EARLIEST_DAY``..``LATEST_DAY``."""
    _check_day(day)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a day in ``zone`` as UTC. As with zoneinfo's ``fold=0``: an ambiguous fall-back
    time means its first occurrence, and a time skipped by spring-forward is read with the offset before the
    gap (02:30 on spring-forward day in New York becomes 03:30 EDT)."""
    _check_day(day)
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def exact_local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time a person chose, as UTC; unlike ``local_to_utc`` it never guesses. Raises ``InvalidInput``
    for a time that happens twice that day (the hour the clocks go back) or never (the hour they skip)."""
    _check_day(day)
    first = datetime.combine(day, at.replace(fold=0), tzinfo=zone)
    second = datetime.combine(day, at.replace(fold=1), tzinfo=zone)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    shown = f"{day.isoformat()} {at:%H:%M}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == first.replace(tzinfo=None):
        raise InvalidInput("%(time)s happens twice in %(zone)s (the clocks go back that night); "
                           "please choose a time outside that hour.", time=shown, zone=zone.key)
    raise InvalidInput("%(time)s does not exist in %(zone)s (the clocks skip that hour); please choose another time.",
                       time=shown, zone=zone.key)


def days_within(first_day: date, last_day: date, earliest: date, latest: date) -> tuple[date, date]:
    """The part of ``first_day``..``last_day`` between ``earliest`` and ``latest``. Raises ``InvalidInput``
    (``OUT_OF_REACH``) when none of it is, so a day in the year 9999 (or 0001) never reaches the calendar arithmetic.
    Callers allow a day of slack on each side: a visitor's today may be the clinic's yesterday or tomorrow."""
    if last_day < earliest or first_day > latest:
        raise InvalidInput(OUT_OF_REACH)
    return max(first_day, earliest), min(last_day, latest)


def instant_within(moment: datetime, earliest: datetime, latest: datetime) -> None:
    """Raises ``InvalidInput`` (``OUT_OF_REACH``) unless ``earliest <= moment <= latest``."""
    if not earliest <= moment <= latest:
        raise InvalidInput(OUT_OF_REACH)
