"""Turning clinic-local days into UTC instants (the only place local time meets stored time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portalcore.domain.errors import InvalidInput


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` starts and ends in ``zone``; 23 or 25 hours long on DST days."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a day in ``zone`` as UTC. As with zoneinfo's ``fold=0``: an ambiguous fall-back
    time means its first occurrence, and a time skipped by spring-forward is read with the offset before the
    gap (02:30 on spring-forward day in New York becomes 03:30 EDT)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def exact_local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time a person chose, as UTC; unlike ``local_to_utc`` it never guesses. Raises ``InvalidInput``
    for a time that happens twice that day (the hour the clocks go back) or never (the hour they skip)."""
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
