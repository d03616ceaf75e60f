"""Providers and when they work: weekly hours per location, breaks, and time off."""

from __future__ import annotations

from datetime import datetime, time

import attrs


def _ordered(inst: WorkingHours | Break) -> None:
    if not 0 <= inst.weekday <= 6:
        raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
    if inst.start >= inst.end:
        raise ValueError("a working period must end after it starts")


@attrs.frozen
class WorkingHours:
    """On ``weekday`` (0 = Monday) the provider works at ``location`` from ``start`` to ``end``, clinic local time."""

    weekday: int
    start: time
    end: time
    location: str  # location slug

    def __attrs_post_init__(self) -> None:
        _ordered(self)


@attrs.frozen
class Break:
    """A recurring pause inside the working day, clinic local time (e.g. lunch)."""

    weekday: int
    start: time
    end: time

    def __attrs_post_init__(self) -> None:
        _ordered(self)


@attrs.frozen
class TimeOff:
    """An absence between two UTC instants (holiday, training)."""

    start_at: datetime
    end_at: datetime
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        if self.start_at.tzinfo is None or self.end_at.tzinfo is None:
            raise ValueError("time off needs time-zone-aware datetimes")
        if self.start_at >= self.end_at:
            raise ValueError("time off must end after it starts")


@attrs.frozen
class Provider:
    slug: str
    name: str
    title: str = ""
    email: str = ""
    hours: tuple[WorkingHours, ...] = ()
    breaks: tuple[Break, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    active: bool = True
    id: int | None = None
    translations: dict[str, dict[str, str]] = attrs.field(factory=dict, hash=False)  # of ``title``, by language
