"""Open slots: working hours, breaks, bookings, notice, horizon, locations, DST, and first-available choice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portalcore.domain.availability import Slot, first_available, open_slots, within_working_hours
from portalcore.domain.clock import local_day_bounds, local_to_utc
from portalcore.domain.providers import Break, Provider, TimeOff, WorkingHours

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 11, 16)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
FAR_AHEAD = datetime(2100, 1, 1, tzinfo=UTC)
Interval = tuple[datetime, datetime]


def provider(*hours: tuple[int, str, str, str], breaks: Sequence[tuple[int, str, str]] = (), slug: str = "amara",
             time_off: Sequence[TimeOff] = ()) -> Provider:
    return Provider(slug=slug, name=slug.title(),
                    hours=tuple(WorkingHours(d, time.fromisoformat(s), time.fromisoformat(e), where)
                                for d, s, e, where in hours),
                    breaks=tuple(Break(d, time.fromisoformat(s), time.fromisoformat(e)) for d, s, e in breaks),
                    time_off=tuple(time_off))


def at(day: date, hhmm: str, zone: ZoneInfo = NEW_YORK) -> datetime:
    return local_to_utc(day, time.fromisoformat(hhmm), zone)


def slots(who: Provider, first_day: date = MONDAY, last_day: date | None = None, *, visit: int = 45,
          buffer: int = 0, busy: Sequence[Interval] = (), step: int = 15, earliest: datetime = LONG_AGO,
          latest: datetime = FAR_AHEAD, location: str | None = None, zone: ZoneInfo = NEW_YORK) -> list[Slot]:
    return open_slots(who, first_day=first_day, last_day=last_day or first_day, zone=zone, visit_minutes=visit,
                      busy_minutes=visit + buffer, busy=busy, slot_minutes=step, earliest=earliest, latest=latest,
                      location=location)


def local_times(found: list[Slot], zone: ZoneInfo = NEW_YORK) -> list[str]:
    return [s.start_at.astimezone(zone).strftime("%H:%M") for s in found]


MONDAY_9_TO_5 = provider((0, "09:00", "17:00", "soho"), breaks=[(0, "12:30", "13:15")])
# a 45-minute visit booked at 10:00 with a 15-minute buffer after it
TEN_AM_VISIT = (at(MONDAY, "10:00"), at(MONDAY, "11:00"))


def test_a_monday_with_lunch_and_one_booking_offers_exactly_these_times() -> None:
    found = slots(MONDAY_9_TO_5, busy=[TEN_AM_VISIT])
    assert local_times(found) == ["09:00", "09:15", "11:00", "11:15", "11:30", "11:45", "13:15", "13:30", "13:45",
                                  "14:00", "14:15", "14:30", "14:45", "15:00", "15:15", "15:30", "15:45", "16:00",
                                  "16:15"]
    assert {(s.provider, s.location) for s in found} == {("amara", "soho")}
    assert all(s.start_at.tzinfo is UTC for s in found)


def test_the_front_desk_may_move_a_visit_to_any_minute_of_working_hours_but_not_outside_them() -> None:
    def fits(hhmm: str, minutes: int = 45, where: str = "soho") -> bool:
        return within_working_hours(MONDAY_9_TO_5, at(MONDAY, hhmm), zone=NEW_YORK, busy_minutes=minutes,
                                    location=where)

    assert fits("09:07") and fits("16:15") and fits("13:15")  # off the booking grid is fine for staff
    assert not fits("03:00") and not fits("16:20") and not fits("12:00")  # at night, past closing, over lunch
    assert not fits("10:00", where="brooklyn")


def test_minimum_notice_hides_times_too_soon_and_rounds_up_to_the_grid() -> None:
    now = at(MONDAY, "09:05")
    found = slots(MONDAY_9_TO_5, busy=[TEN_AM_VISIT], earliest=now + timedelta(minutes=120))
    assert local_times(found)[:3] == ["11:15", "11:30", "11:45"]


def test_the_booking_horizon_is_the_last_possible_start() -> None:
    found = slots(MONDAY_9_TO_5, latest=at(MONDAY, "10:00"))
    assert local_times(found) == ["09:00", "09:15", "09:30", "09:45", "10:00"]


def test_only_the_hours_at_the_chosen_location_count() -> None:
    split = provider((0, "09:00", "11:00", "soho"), (0, "14:00", "16:00", "brooklyn"))
    brooklyn = slots(split, visit=60, step=30, location="brooklyn")
    assert [(t, s.location) for t, s in zip(local_times(brooklyn), brooklyn, strict=True)] == [
        ("14:00", "brooklyn"), ("14:30", "brooklyn"), ("15:00", "brooklyn")]
    both = slots(split, visit=60, step=30)
    assert [s.location for s in both] == ["soho"] * 3 + ["brooklyn"] * 3


def test_the_buffer_must_fit_before_the_day_ends() -> None:
    with_buffer = local_times(slots(MONDAY_9_TO_5, visit=30, buffer=10))
    assert with_buffer[-1] == "16:15"  # 16:15 + 30 + 10 = 16:55; 16:30 would end the buffer at 17:10
    assert local_times(slots(MONDAY_9_TO_5, visit=30))[-1] == "16:30"


def test_a_visit_may_end_exactly_when_lunch_or_a_booking_begins() -> None:
    found = local_times(slots(MONDAY_9_TO_5, visit=30, busy=[TEN_AM_VISIT]))
    assert "09:30" in found and "09:45" not in found  # 09:30 ends at 10:00
    assert "12:00" in found and "12:15" not in found  # 12:00 ends at 12:30 when lunch starts


def test_several_days_are_listed_in_order_and_days_off_have_nothing() -> None:
    mon_and_wed = provider((0, "09:00", "10:00", "soho"), (2, "16:00", "17:00", "soho"))
    found = slots(mon_and_wed, MONDAY, MONDAY + timedelta(days=2), visit=30, step=30)
    assert [s.start_at.astimezone(NEW_YORK).strftime("%a %H:%M") for s in found] == [
        "Mon 09:00", "Mon 09:30", "Wed 16:00", "Wed 16:30"]


def test_unsorted_overlapping_busy_times_and_time_off_all_block() -> None:
    off = TimeOff(at(MONDAY, "15:00"), at(MONDAY, "18:00"), "dentist")
    who = provider((0, "09:00", "17:00", "soho"), time_off=[off])
    busy = [(at(MONDAY, "11:00"), at(MONDAY, "12:00")), (at(MONDAY, "09:30"), at(MONDAY, "10:30")),
            (at(MONDAY, "10:00"), at(MONDAY, "11:00"))]
    assert local_times(slots(who, visit=30, step=30, busy=busy)) == ["09:00", "12:00", "12:30", "13:00", "13:30",
                                                                    "14:00", "14:30"]


def test_an_inactive_provider_or_an_impossible_visit_has_no_slots() -> None:
    assert slots(Provider(slug="gone", name="Gone", hours=MONDAY_9_TO_5.hours, active=False)) == []
    assert slots(MONDAY_9_TO_5, visit=9 * 60) == []
    with pytest.raises(ValueError):
        open_slots(MONDAY_9_TO_5, first_day=MONDAY, last_day=MONDAY, zone=NEW_YORK, visit_minutes=45,
                   busy_minutes=30, busy=[], slot_minutes=15, earliest=LONG_AGO, latest=FAR_AHEAD)


SPRING_FORWARD, FALL_BACK = date(2026, 3, 8), date(2026, 11, 1)  # both Sundays


@pytest.mark.parametrize(("day", "first_utc"), [(SPRING_FORWARD, "13:00"), (FALL_BACK, "14:00"),
                                                (SPRING_FORWARD - timedelta(days=7), "14:00"),
                                                (FALL_BACK - timedelta(days=7), "13:00")])
def test_nine_am_local_is_the_right_utc_hour_around_dst_changes(day: date, first_utc: str) -> None:
    sunday = provider((6, "09:00", "17:00", "soho"), breaks=[(6, "12:30", "13:15")])
    found = slots(sunday, day, visit=60)
    assert found[0].start_at.strftime("%H:%M") == first_utc
    assert local_times(found)[0] == "09:00" and local_times(found)[-1] == "16:00"
    assert "12:00" not in local_times(found) and "13:15" in local_times(found)


def test_a_night_shift_across_spring_forward_skips_the_missing_hour() -> None:
    night = provider((6, "00:00", "04:00", "soho"))
    found = slots(night, SPRING_FORWARD, visit=60, step=30)
    assert [s.start_at.strftime("%H:%M") for s in found] == ["05:00", "05:30", "06:00", "06:30", "07:00"]
    assert [s.start_at.astimezone(NEW_YORK).strftime("%H:%M %Z") for s in found] == [
        "00:00 EST", "00:30 EST", "01:00 EST", "01:30 EST", "03:00 EDT"]


def test_a_night_shift_across_fall_back_offers_both_one_oclocks() -> None:
    night = provider((6, "00:00", "04:00", "soho"))
    found = slots(night, FALL_BACK, visit=60, step=30)
    assert [s.start_at.astimezone(NEW_YORK).strftime("%H:%M %Z") for s in found] == [
        "00:00 EDT", "00:30 EDT", "01:00 EDT", "01:30 EDT", "01:00 EST", "01:30 EST", "02:00 EST", "02:30 EST",
        "03:00 EST"]


def test_the_grid_counts_from_local_midnight_in_half_hour_zones() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    found = slots(provider((0, "09:00", "11:00", "clinic")), visit=60, step=60, zone=kolkata)
    assert local_times(found, kolkata) == ["09:00", "10:00"]
    assert found[0].start_at.strftime("%H:%M") == "03:30"


# ---- properties against a slow reference: every minute of every day, checked with datetimes ----

def reference(who: Provider, first_day: date, last_day: date, zone: ZoneInfo, busy_minutes: int,
              busy: Sequence[Interval], step: int, earliest: datetime, latest: datetime,
              location: str | None) -> list[tuple[datetime, str]]:
    found = set()
    day = first_day
    while day <= last_day:
        periods = [(local_to_utc(day, h.start, zone), local_to_utc(day, h.end, zone), h.location)
                   for h in who.hours if h.weekday == day.weekday() and location in (None, h.location)]
        blocked = [(local_to_utc(day, b.start, zone), local_to_utc(day, b.end, zone))
                   for b in who.breaks if b.weekday == day.weekday()]
        blocked += [*busy, *((o.start_at, o.end_at) for o in who.time_off)]
        t, day_end = local_day_bounds(day, zone)
        while t < day_end:
            local = t.astimezone(zone)
            end = t + timedelta(minutes=busy_minutes)
            if ((local.hour * 60 + local.minute) % step == 0 and earliest <= t <= latest
                    and not any(s < end and t < e for s, e in blocked)):
                found.update((t, where) for ps, pe, where in periods if ps <= t and end <= pe)
            t += timedelta(minutes=1)
        day += timedelta(days=1)
    return sorted(found)


ZONES = [NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata"), UTC]
# days around DST changes in those zones, and an ordinary week
DAYS = [SPRING_FORWARD, FALL_BACK, date(2026, 10, 4), date(2026, 4, 5), date(2026, 3, 29), date(2026, 10, 25), MONDAY]


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    zone = draw(st.sampled_from(ZONES))
    first_day = draw(st.sampled_from(DAYS)) + timedelta(days=draw(st.integers(-1, 1)))
    days = draw(st.integers(1, 3))
    weekdays = [(first_day + timedelta(days=i)).weekday() for i in range(days)]

    def span(minimum: int = 5) -> tuple[int, time, time]:
        start = draw(st.integers(0, 1439 - minimum))
        end = draw(st.integers(start + minimum, 1439))
        return draw(st.sampled_from(weekdays)), time(start // 60, start % 60), time(end // 60, end % 60)

    hours = tuple(WorkingHours(*span(30), draw(st.sampled_from(["a", "b"]))) for _ in range(draw(st.integers(1, 3))))
    breaks = tuple(Break(*span()) for _ in range(draw(st.integers(0, 2))))
    start = local_day_bounds(first_day, zone)[0]

    def interval() -> Interval:
        begin = start + timedelta(seconds=draw(st.integers(0, days * 86400)))
        return begin, begin + timedelta(seconds=draw(st.integers(1, 6 * 3600)))

    off = [TimeOff(*interval()) for _ in range(draw(st.integers(0, 1)))]
    visit = draw(st.integers(5, 120))
    return {
        "who": Provider(slug="p", name="P", hours=hours, breaks=breaks, time_off=tuple(off)), "first_day": first_day,
        "last_day": first_day + timedelta(days=days - 1), "zone": zone, "visit": visit,
        "busy_minutes": visit + draw(st.sampled_from([0, 5, 10, 15, 30])),
        "busy": [interval() for _ in range(draw(st.integers(0, 6)))],
        "step": draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
        "earliest": start + timedelta(minutes=draw(st.integers(-60, days * 1440))),
        "latest": start + timedelta(minutes=draw(st.integers(0, days * 1440 + 60))),
        "location": draw(st.sampled_from([None, "a"]))}


def run(case: dict) -> list[Slot]:
    return open_slots(case["who"], first_day=case["first_day"], last_day=case["last_day"], zone=case["zone"],
                      visit_minutes=case["visit"], busy_minutes=case["busy_minutes"], busy=case["busy"],
                      slot_minutes=case["step"], earliest=case["earliest"], latest=case["latest"],
                      location=case["location"])


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_no_slot_overlaps_anything_or_leaves_working_hours_or_the_grid(case: dict) -> None:
    found = run(case)
    zone, who = case["zone"], case["who"]
    keys = [(s.start_at, s.location) for s in found]
    assert keys == sorted(set(keys)), "strictly increasing"
    for slot in found:
        start, end = slot.start_at, slot.start_at + timedelta(minutes=case["busy_minutes"])
        local = start.astimezone(zone)
        day = local.date()
        assert case["first_day"] <= day <= case["last_day"]
        assert (local.hour * 60 + local.minute) % case["step"] == 0 and local.second == 0
        assert case["earliest"] <= start <= case["latest"]
        assert any(local_to_utc(day, h.start, zone) <= start and end <= local_to_utc(day, h.end, zone)
                   for h in who.hours if h.weekday == day.weekday() and h.location == slot.location)
        assert case["location"] in (None, slot.location)
        breaks = [(local_to_utc(day, b.start, zone), local_to_utc(day, b.end, zone))
                  for b in who.breaks if b.weekday == day.weekday()]
        for s, e in [*case["busy"], *breaks, *((o.start_at, o.end_at) for o in who.time_off)]:
            assert not (s < end and start < e)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_time_that_fits_is_offered(case: dict) -> None:
    expected = reference(case["who"], case["first_day"], case["last_day"], case["zone"], case["busy_minutes"],
                         case["busy"], case["step"], case["earliest"], case["latest"], case["location"])
    assert [(s.start_at, s.location) for s in run(case)] == expected


# ---- first available ----

def offer(slug: str, *hhmm: str, day: date = MONDAY, location: str = "soho") -> list[Slot]:
    return [Slot(at(day, t), slug, location) for t in hhmm]


def test_first_available_gives_each_time_to_the_least_booked_provider() -> None:
    candidates = {"jessica": offer("jessica", "09:00", "09:15"), "amara": offer("amara", "09:15", "09:30")}
    chosen = first_available(candidates, {"amara": 120, "jessica": 30}, NEW_YORK)
    assert [(s.provider, local_times([s])[0]) for s in chosen] == [
        ("jessica", "09:00"), ("jessica", "09:15"), ("amara", "09:30")]


def test_first_available_breaks_ties_by_slug_whatever_the_order_given() -> None:
    forward = {"amara": offer("amara", "09:00"), "jessica": offer("jessica", "09:00")}
    backward = dict(reversed(forward.items()))
    for candidates in (forward, backward):
        assert [s.provider for s in first_available(candidates, {"amara": 60, "jessica": 60}, NEW_YORK)] == ["amara"]
        assert [s.provider for s in first_available(candidates, {}, NEW_YORK)] == ["amara"]


def test_first_available_counts_booked_minutes_per_local_day() -> None:
    tuesday = MONDAY + timedelta(days=1)
    candidates = {"amara": offer("amara", "09:00") + offer("amara", "09:00", day=tuesday),
                  "jessica": offer("jessica", "09:00") + offer("jessica", "09:00", day=tuesday)}
    booked = {"amara": {MONDAY: 300, tuesday: 0}, "jessica": {MONDAY: 60}}
    chosen = first_available(candidates, booked, NEW_YORK)
    assert [(s.provider, s.start_at.astimezone(NEW_YORK).strftime("%a")) for s in chosen] == [
        ("jessica", "Mon"), ("amara", "Tue")]


def test_first_available_keeps_one_slot_per_time_and_location() -> None:
    candidates = {"amara": offer("amara", "09:00", location="soho"),
                  "marco": offer("marco", "09:00", location="brooklyn"),
                  "sofia": offer("sofia", "09:00", location="soho")}
    chosen = first_available(candidates, {"amara": 100, "marco": 500, "sofia": 50}, NEW_YORK)
    assert [(s.location, s.provider) for s in chosen] == [("brooklyn", "marco"), ("soho", "sofia")]
