"""Quiet hours: no reminder at night; one due then goes out the evening before, or not at all when a longer
reminder already goes out that evening (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portalcore.adapters.sql.catalog_repository import settings_from_json, settings_to_json
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.clinic import ClinicSettings
from portalcore.domain.errors import InvalidInput
from portalcore.domain.quiet_hours import QuietHours
from portalcore.domain.timed_events import VisitTiming, plan_visit_jobs, reminder_offsets
from portalcore.services.clinic.setup import parse_clinic

NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(time(21, 0), time(8, 0))


def visit(start: datetime) -> Appointment:
    return Appointment(patient_id=1, provider="p", location="l", services=("s",), start_at=start,
                       end_at=start + timedelta(minutes=30), busy_until=start + timedelta(minutes=30),
                       status=AppointmentStatus.BOOKED, id=7)


def reminders(start: datetime, offsets: list[str], quiet: QuietHours | None = NIGHT,
              zone: ZoneInfo = NEW_YORK) -> dict[str, datetime]:
    timing = VisitTiming(reminders=reminder_offsets(offsets), quiet_hours=quiet)
    jobs = plan_visit_jobs(visit(start), timing, zone, start - timedelta(days=30), has_post_instructions=False)
    return {job.data["offset"]: job.due_at for job in jobs}


def ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


@pytest.mark.parametrize(("due", "sent"), [
    (ny(2026, 11, 18, 23, 30), ny(2026, 11, 18, 20, 59)),  # late evening: a little earlier the same evening
    (ny(2026, 11, 19, 6, 0), ny(2026, 11, 18, 20, 59)),  # small hours: the evening before, across midnight
    (ny(2026, 11, 19, 8, 0), ny(2026, 11, 19, 8, 0)),  # the first minute after quiet hours is not quiet
    (ny(2026, 11, 18, 20, 59), ny(2026, 11, 18, 20, 59)),
])
def test_a_time_inside_a_night_that_crosses_midnight_moves_to_the_minute_before_it_began(
        due: datetime, sent: datetime) -> None:
    assert NIGHT.before(due, NEW_YORK) == sent


def test_quiet_hours_inside_one_day_work_too() -> None:
    lunch = QuietHours(time(12, 0), time(13, 30))
    assert lunch.before(ny(2026, 11, 18, 13, 0), NEW_YORK) == ny(2026, 11, 18, 11, 59)
    assert not lunch.contains(ny(2026, 11, 18, 23, 0), NEW_YORK)


def test_an_early_visits_short_reminder_goes_out_the_evening_before_and_the_long_one_at_its_time() -> None:
    start = ny(2026, 11, 23, 8, 30)  # Monday 08:30
    assert reminders(start, ["2d", "2h"]) == {"2d": ny(2026, 11, 21, 8, 30), "2h": ny(2026, 11, 22, 20, 59)}
    assert reminders(start, ["2d", "2h"], quiet=None)["2h"] == ny(2026, 11, 23, 6, 30)


def test_two_reminders_pushed_into_the_same_evening_become_one() -> None:
    start = ny(2026, 11, 23, 7, 30)  # 10h before is 21:30, 2h before 05:30: both quiet, both would be 20:59
    assert reminders(start, ["10h", "2h"]) == {"10h": ny(2026, 11, 22, 20, 59)}


@pytest.mark.parametrize(("start", "evening_before"), [
    (ny(2027, 3, 14, 8, 30), datetime(2027, 3, 14, 1, 59, tzinfo=UTC)),  # spring forward: 20:59 EST Saturday
    (ny(2027, 11, 7, 7, 30), datetime(2027, 11, 7, 0, 59, tzinfo=UTC)),  # fall back: 20:59 EDT Saturday
])
def test_on_a_dst_night_the_reminder_still_goes_at_20_59_on_the_clinics_clock(
        start: datetime, evening_before: datetime) -> None:
    sent = reminders(start, ["2h"])["2h"]
    assert sent == evening_before
    assert sent.astimezone(NEW_YORK).strftime("%a %H:%M") == "Sat 20:59"


def test_quiet_hours_that_begin_in_the_skipped_hour_still_leave_the_reminder_outside_them() -> None:
    small_hours = QuietHours(time(2, 30), time(6, 0))  # 02:30 does not exist on 14 March 2027 in New York
    due = ny(2027, 3, 14, 4, 0)
    sent = small_hours.before(due, NEW_YORK)
    assert sent < due and not small_hours.contains(sent, NEW_YORK)
    assert sent.astimezone(NEW_YORK).strftime("%H:%M") == "01:29"


@pytest.mark.parametrize("value", [("21:00",), ("9pm", "8am"), ("09:00", "09:00"), ("18:00", "11:00"),
                                   ("21:00:30", "08:00")])
def test_unusable_quiet_hours_are_refused_saying_why(value: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput, match="quiet"):
        QuietHours.parse(value)


def test_the_clinic_setting_defaults_to_nine_to_eight_and_an_empty_list_switches_it_off() -> None:
    assert ClinicSettings().quiet == NIGHT
    assert ClinicSettings(quiet_hours=[]).quiet is None
    assert ClinicSettings(quiet_hours=["22:15", "07:00"]).quiet_hours == ("22:15", "07:00")
    for stored in (ClinicSettings(quiet_hours=[]), ClinicSettings(quiet_hours=["22:15", "07:00"])):
        assert settings_from_json(settings_to_json(stored)) == stored
    clinic = {"clinic": {"slug": "c", "name": "C", "time_zone": "America/New_York",
                         "settings": {"quiet_hours": ["20:00", "25:00"]}}}
    with pytest.raises(InvalidInput, match=r"\[clinic.settings\]: quiet_hours"):
        parse_clinic(clinic)


ZONES = st.sampled_from([ZoneInfo(name) for name in ("America/New_York", "Europe/London", "Australia/Lord_Howe",
                                                     "America/Santiago", "Asia/Kolkata")])
OFFSETS = st.lists(st.sampled_from(["3d", "2d", "1d", "1d 12h", "12h", "10h", "3h", "2h", "90m", "30m"]),
                   min_size=1, max_size=4)


@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
       offsets=OFFSETS, zone=ZONES, begin=st.integers(0, 1439), length=st.integers(1, 16 * 60))
def test_no_reminder_is_ever_due_in_quiet_hours_or_after_the_visit(start: datetime, offsets: list[str],
                                                                      zone: ZoneInfo, begin: int,
                                                                      length: int) -> None:
    end = (begin + length) % 1440
    assume(end != begin)
    quiet = QuietHours(time(begin // 60, begin % 60), time(end // 60, end % 60))
    planned = reminders(start, offsets, quiet, zone)
    loud = reminders(start, offsets, None, zone)
    assert planned  # the longest reminder always goes out, moved or not
    assert all(not quiet.contains(due, zone) and due < start for due in planned.values())
    assert len(set(planned.values())) == len(planned)  # never two at one time
    for label, due in loud.items():  # a reminder due outside quiet hours keeps its time
        if not quiet.contains(due, zone):
            assert planned[label] == due
