"""Quiet hours: the clinic's night, when no reminder text or email goes out.

A reminder that would fall due inside quiet hours goes out at the last minute before they begin (the evening
before, for an early-morning visit), unless a longer reminder of the same visit is already planned for that
minute or later: then it is dropped, so a patient never gets two reminders in one evening. Moving only ever
makes a reminder earlier, so it still comes before the visit.

The hours are wall-clock times in the clinic's zone; a window whose start is after its end ("21:00" to
"08:00") crosses midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.errors import InvalidInput

LONGEST = timedelta(hours=16)  # beyond this a clinic's "night" leaves too little day for reminders
K = TypeVar("K")


@attrs.frozen
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, value: Sequence[str] | None) -> QuietHours | None:
        """``("21:00", "08:00")`` → quiet hours; ``None`` or empty → none. Raises ``InvalidInput`` saying why."""
        if not value:
            return None
        if isinstance(value, str) or len(value) != 2:
            raise InvalidInput("quiet_hours is two times, when they begin and when they end, e.g. "
                               '["21:00", "08:00"], or [] for none.')
        try:
            start, end = (time.fromisoformat(str(part).strip()) for part in value)
        except ValueError:
            raise InvalidInput("quiet_hours: %(value)s are not times like 21:00 and 08:00.",
                               value=repr(list(value))) from None
        if start.second or end.second or start.microsecond or end.microsecond:
            raise InvalidInput("quiet_hours: give whole minutes, like 21:00 and 08:00.")
        quiet = cls(start, end)
        if start == end or quiet.length > LONGEST:
            raise InvalidInput("quiet_hours: the quiet time must last between one minute and 16 hours.")
        return quiet

    @property
    def length(self) -> timedelta:
        minutes = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        return timedelta(minutes=minutes % 1440)

    @property
    def texts(self) -> tuple[str, str]:
        return self.start.isoformat("minutes"), self.end.isoformat("minutes")

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Whether the clinic's clocks show a quiet time at ``moment``."""
        wall = moment.astimezone(zone).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def began(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The UTC instant the quiet hours around ``moment`` (which must lie inside them) began."""
        local = moment.astimezone(zone)
        day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) < self.end:
            day -= timedelta(days=1)  # the small hours belong to the night that began the evening before
        wall = datetime.combine(day, self.start, tzinfo=zone)
        # a start the clocks skip (spring forward) or show twice (fall back): the earlier reading, so the
        # minute before it is never quiet
        return min(wall.replace(fold=0).astimezone(UTC), wall.replace(fold=1).astimezone(UTC))

    def before(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` when it is not quiet, else the last minute before these quiet hours began."""
        if not self.contains(moment, zone):
            return moment
        return self.began(moment, zone) - timedelta(minutes=1)


def fit_reminders(dues: Sequence[tuple[K, datetime]], quiet: QuietHours | None,
                  zone: ZoneInfo) -> list[tuple[K, datetime]]:
    """The reminders of one visit (each with its UTC due time) moved out of quiet hours, earliest first; a
    moved reminder that would not come after a longer one already planned is dropped."""
    ordered = sorted(dues, key=lambda pair: pair[1])
    if quiet is None:
        return list(ordered)
    kept: list[tuple[K, datetime]] = []
    for name, due in ordered:
        moved = quiet.before(due, zone)
        if moved != due and kept and moved <= kept[-1][1]:
            continue
        kept.append((name, moved))
    return kept
