"""Turning clinic-local days into UTC instants (the only place local time meets stored time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


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
