"""When a provider can start a visit: working hours minus breaks, bookings, holds and time off, on a grid.

This is the hot path of online booking, so it works in integer epoch seconds: busy intervals are sorted once
and swept together with the (sorted) working periods to find the free windows, the grid starts inside a
window are a ``range``, and ``datetime`` objects are built only for the slots returned.

Local wall-clock time matters twice: working periods and breaks are clinic-local (mapped to UTC day by day,
so DST is right), and the grid counts from local midnight. On a day whose UTC offset changes inside a
working period, the grid is worked out per slot from each instant's own offset (both 01:00s on fall-back
day are slots; the skipped hour on spring-forward day has none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from math import ceil, floor
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.providers import Provider

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


@attrs.frozen
class Slot:
    """A time a visit can start: a UTC instant, with the provider (slug) and location (slug) it would be with."""

    start_at: datetime
    provider: str
    location: str


def open_slots(provider: Provider, *, first_day: date, last_day: date, zone: ZoneInfo, visit_minutes: int,
               busy_minutes: int, busy: Sequence[tuple[datetime, datetime]], slot_minutes: int,
               earliest: datetime, latest: datetime, location: str | None = None) -> list[Slot]:
    """The times, ascending, on clinic-local days ``first_day``..``last_day`` at which ``provider`` can start
    a visit of ``visit_minutes`` that keeps them busy for ``busy_minutes`` (the visit plus its last buffer).

    A start qualifies when [start, start + busy_minutes) lies inside one working period of that weekday (at
    ``location`` when given), overlaps no break of that weekday, no ``busy`` interval (UTC; in any order,
    overlapping or not) and no time off on ``provider``; when ``earliest <= start <= latest``; and when its
    local wall-clock time is a whole number of ``slot_minutes`` after local midnight. Intervals are half-open,
    so a visit may end exactly when a break or booking begins. An inactive provider has no slots.
    Raises ``ValueError`` for non-positive lengths or a busy time shorter than the visit.
    """
    if visit_minutes <= 0 or slot_minutes <= 0 or busy_minutes < visit_minutes:
        raise ValueError("visit and slot lengths must be positive and busy_minutes at least visit_minutes")
    if not provider.active or first_day > last_day:
        return []
    lo, hi = ceil(earliest.timestamp()), floor(latest.timestamp())
    if lo > hi:
        return []
    if len(busy) > 8:  # C-level loops pay off beyond a handful of intervals
        begins, finishes = zip(*busy)
        blocked = list(zip(map(floor, map(_timestamp, begins)), map(ceil, map(_timestamp, finishes))))
    else:
        blocked = [(floor(s.timestamp()), ceil(e.timestamp())) for s, e in busy]
    if provider.time_off:  # past absences pile up on a provider: skip them before converting
        blocked += [(floor(off.start_at.timestamp()), ceil(off.end_at.timestamp()))
                    for off in provider.time_off
                    if off.end_at > earliest and off.start_at < latest + timedelta(minutes=busy_minutes)]
    periods, ordered = _working_periods(provider, first_day, last_day, zone, location, hi, blocked)
    blocked.sort()
    length, step = busy_minutes * 60, slot_minutes * 60
    chunks: list[tuple[Iterable[int], str]] = []
    # One sweep over periods and blocked intervals, both sorted by start: ``reach`` is the latest end among
    # the intervals already passed, which is all later periods need to know about them.
    i, count, reach = 0, len(blocked), lo
    for ps, pe, where, naive_midnight, anchor in periods:
        first_ok, last_ok = max(ps, lo), min(pe - length, hi)
        if first_ok > last_ok:
            continue
        if not ordered:  # overlapping periods (two locations at once): look at every interval again
            i, reach = 0, lo
        cursor, stop = max(first_ok, reach), last_ok + length
        free: list[tuple[int, int]] = []
        while i < count:
            s, e = blocked[i]
            if s >= stop:
                break
            if e > cursor:
                if s - cursor >= length:
                    free.append((cursor, s))
                cursor = e
            i += 1
        reach = cursor
        if stop - cursor >= length:
            free.append((cursor, stop))
        if anchor is None:
            chunks.append((_dst_grid(free, length, step, naive_midnight, zone), where))
            continue
        for a, b in free:
            first = a + (anchor - a) % step
            if first <= b - length:
                chunks.append((range(first, b - length + 1, step), where))
    return _slots(provider.slug, chunks, ordered=ordered)


def within_working_hours(provider: Provider, start_at: datetime, *, zone: ZoneInfo, busy_minutes: int,
                         location: str) -> bool:
    """Whether a visit that keeps ``provider`` busy for ``busy_minutes`` from ``start_at`` lies inside one of their
    working periods at ``location``, clear of breaks and time off (other visits aside: the store refuses those).
    The front desk may move a visit to any whole minute of them, on the booking grid or not."""
    return bool(open_slots(provider, first_day=start_at.astimezone(zone).date(),
                           last_day=start_at.astimezone(zone).date(), zone=zone, visit_minutes=busy_minutes,
                           busy_minutes=busy_minutes, busy=(), slot_minutes=1, earliest=start_at, latest=start_at,
                           location=location))


def first_available(candidates: Mapping[str, Iterable[Slot]], booked_minutes: Mapping[str, int | Mapping[date, int]],
                    zone: ZoneInfo) -> list[Slot]:
    """For "any provider": one slot per distinct (start time, location) that any candidate offers, ascending.

    ``candidates`` maps provider slugs to their open slots (every candidate offers the whole visit).
    ``booked_minutes`` gives each provider's booked minutes, either one number (e.g. over the days shown) or
    per clinic-local day; a provider missing from it, or a day missing from its mapping, counts as 0. Each
    time goes to the provider with the fewest booked minutes on that local day, which spreads the work; on a
    tie the provider whose slug sorts first wins, so the answer never depends on dict order.
    """
    chosen: dict[tuple[datetime, str], tuple[int, Slot]] = {}
    local_day: dict[datetime, date] = {}
    for slug in sorted(candidates):
        load = booked_minutes.get(slug, 0)
        total, per_day = (load, None) if isinstance(load, int) else (0, load)
        for slot in candidates[slug]:
            key = (slot.start_at, slot.location)
            minutes = total
            if per_day is not None:
                day = local_day.get(slot.start_at)
                if day is None:
                    day = local_day[slot.start_at] = slot.start_at.astimezone(zone).date()
                minutes = per_day.get(day, 0)
            held = chosen.get(key)
            # slugs come in ascending order, so only strictly fewer minutes takes a time from an earlier one
            if held is None or minutes < held[0]:
                chosen[key] = (minutes, slot)
    return [chosen[key][1] for key in sorted(chosen)]


# (start, end, location, naive local midnight, anchor) in epoch seconds. With one UTC offset in force over the
# period, the grid starts are the instants congruent to ``anchor`` modulo the step; None marks a period across
# an offset change, whose grid is found slot by slot.
_Period = tuple[int, int, str, int, "int | None"]


def _working_periods(provider: Provider, first_day: date, last_day: date, zone: ZoneInfo, location: str | None,
                     hi: int, blocked: list[tuple[int, int]]) -> tuple[list[_Period], bool]:
    """The provider's working periods on the days, sorted, and whether none overlaps the next; adds the breaks
    of those days to ``blocked``."""
    ordinal, last = first_day.toordinal(), last_day.toordinal()
    # a short range needs the hours of its own weekdays only (most calls ask for one day)
    wanted = range(7) if last - ordinal >= 6 else {(o + 6) % 7 for o in range(ordinal, last + 1)}
    hours: list[list[tuple[int, int, str, time, time]]] = [[], [], [], [], [], [], []]
    for h in provider.hours:
        if h.weekday in wanted and (location is None or h.location == location):
            start, end = h.start, h.end
            hours[h.weekday].append((start.hour * 3600 + start.minute * 60 + start.second,
                                     end.hour * 3600 + end.minute * 60 + end.second, h.location, start, end))
    breaks: list[list[tuple[int, int, time, time]]] = [[], [], [], [], [], [], []]
    for b in provider.breaks:
        if b.weekday not in wanted:
            continue
        start, end = b.start, b.end
        breaks[b.weekday].append((start.hour * 3600 + start.minute * 60 + start.second,
                                  end.hour * 3600 + end.minute * 60 + end.second, start, end))
    periods: list[_Period] = []
    midnight = datetime.combine(first_day, time.min)  # naive local wall clock
    offset = zone.utcoffset(midnight)
    shift = offset // _SECOND
    while ordinal <= last:
        next_midnight = midnight + _ONE_DAY
        next_offset = zone.utcoffset(next_midnight)
        weekday = (ordinal + 6) % 7
        todays = hours[weekday]
        if todays:
            naive_midnight = (ordinal - _EPOCH_ORDINAL) * 86400
            if offset == next_offset:  # one UTC offset from midnight to midnight: plain arithmetic
                day_start = naive_midnight - shift  # also the residue of the grid
                if day_start > hi:
                    break
                for s, e, where, _, _ in todays:
                    periods.append((day_start + s, day_start + e, where, naive_midnight, day_start))
                for s, e, _, _ in breaks[weekday]:
                    blocked.append((day_start + s, day_start + e))
            else:
                day = date.fromordinal(ordinal)
                for _, _, where, s, e in todays:
                    ps, pe = _local(day, s, zone), _local(day, e, zone)
                    fixed = _offset_at(ps, zone)
                    fixed = fixed if fixed == _offset_at(pe - 1, zone) else None
                    periods.append((ps, pe, where, naive_midnight, None if fixed is None else naive_midnight - fixed))
                blocked += [(_local(day, s, zone), _local(day, e, zone)) for _, _, s, e in breaks[weekday]]
        if next_offset != offset:
            offset, shift = next_offset, next_offset // _SECOND
        ordinal, midnight = ordinal + 1, next_midnight
    ordered = True
    if len(periods) > 1:
        periods.sort()  # ties up to the anchor have equal anchors, so None is never compared with a number
        ordered = all(periods[k][0] >= periods[k - 1][1] for k in range(1, len(periods)))
    return periods, ordered


def _slots(slug: str, chunks: list[tuple[Iterable[int], str]], *, ordered: bool) -> list[Slot]:
    """Slots for the grid starts found, building each datetime and Slot as cheaply as Python allows."""
    if not ordered:  # working periods overlap (e.g. two locations at once): keep each (time, location) once
        pairs = sorted({(t, where) for starts, where in chunks for t in starts})
        chunks = [([t], where) for t, where in pairs]
    if len(_INSTANTS) > _INSTANTS_KEPT:
        _INSTANTS.clear()
    found, make, new = _INSTANTS.get, _instant, object.__new__
    set_start, set_provider, set_location = _SETTERS
    out: list[Slot] = []
    append = out.append
    for starts, where in chunks:
        for t in starts:
            # Fills the attrs slots directly: the frozen __init__ goes through object.__setattr__ per field,
            # which is about half the cost of a slot, and these values need no checking.
            slot = new(Slot)
            set_start(slot, found(t) or make(t))
            set_provider(slot, slug)
            set_location(slot, where)
            append(slot)
    return out


# Memo of epoch second -> aware UTC datetime: the same grid instants are asked for again and again (by every
# provider in a request and by every request), and ``datetime.fromtimestamp`` is the costliest step per slot.
_INSTANTS: dict[int, datetime] = {}
_INSTANTS_KEPT = 200_000
_timestamp = datetime.timestamp


def _instant(t: int) -> datetime:
    made = _INSTANTS[t] = datetime.fromtimestamp(t, UTC)
    return made


_SETTERS = tuple(Slot.__dict__[name].__set__ for name in ("start_at", "provider", "location"))


def _local(day: date, at: time, zone: ZoneInfo) -> int:
    """A local wall-clock time as epoch seconds, read like ``clock.local_to_utc`` (fold=0)."""
    return floor(datetime.combine(day, at, tzinfo=zone).timestamp())


def _offset_at(instant: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(instant, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _dst_grid(free: list[tuple[int, int]], length: int, step: int, naive_midnight: int,
              zone: ZoneInfo) -> list[int]:
    """Grid starts in the free windows of a period across a change of UTC offset, checked one by one.

    A start is on the grid when its own local wall-clock time is; each UTC offset in force gives one
    arithmetic progression, and only the starts that really have that offset are kept.
    """
    found = set()
    for a, b in free:
        for offset in {_offset_at(a, zone), _offset_at(b - 1, zone)}:
            anchor = naive_midnight - offset
            found.update(t for t in range(a + (anchor - a) % step, b - length + 1, step)
                         if _offset_at(t, zone) == offset)
    return sorted(found)
