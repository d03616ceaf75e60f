"""When reminders and other timed jobs fall due, and when they are dropped (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.errors import InvalidInput
from portalcore.domain.timed_events import (
    JobKind, ReminderOffset, VisitTiming, plan_visit_jobs, reminder_offsets, still_wanted,
)

NEW_YORK = ZoneInfo("America/New_York")


def visit(start: datetime, status: AppointmentStatus = AppointmentStatus.BOOKED) -> Appointment:
    return Appointment(patient_id=1, provider="p", location="l", services=("s",), start_at=start,
                       end_at=start + timedelta(minutes=30), busy_until=start + timedelta(minutes=45), status=status,
                       id=7)


@pytest.mark.parametrize(("text", "expected"), [("2d", ReminderOffset(days=2)), ("24h", ReminderOffset(hours=24)),
                                                ("90m", ReminderOffset(minutes=90)),
                                                ("1d 12h", ReminderOffset(days=1, hours=12))])
def test_reminder_times_are_read_as_days_hours_minutes(text: str, expected: ReminderOffset) -> None:
    assert ReminderOffset.parse(text) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "0h", "2x", "-2h"])
def test_nonsense_reminder_times_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInput, match="2d|start"):
        ReminderOffset.parse(text)


def test_a_two_day_reminder_keeps_the_local_hour_across_spring_forward() -> None:
    start = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # Monday 10:00 EDT, the day after the clocks went forward
    due = ReminderOffset(days=2).due(start, NEW_YORK)
    assert (due.astimezone(NEW_YORK).day, due.astimezone(NEW_YORK).hour) == (13, 10)
    assert start - due == timedelta(hours=47)  # the lost hour: 48 hours on the clock face, 47 elapsed


def test_a_two_day_reminder_keeps_the_local_hour_across_fall_back() -> None:
    start = datetime(2027, 11, 8, 15, 0, tzinfo=UTC)  # Monday 10:00 EST, the day after the clocks went back
    due = ReminderOffset(days=2).due(start, NEW_YORK)
    assert (due.astimezone(NEW_YORK).day, due.astimezone(NEW_YORK).hour) == (6, 10)
    assert start - due == timedelta(hours=49)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
       st.integers(min_value=1, max_value=600))
def test_an_hours_reminder_is_always_that_much_elapsed_time_before(start: datetime, minutes: int) -> None:
    assert start - ReminderOffset(minutes=minutes).due(start, NEW_YORK) == timedelta(minutes=minutes)


def test_offsets_are_deduplicated_and_longest_first() -> None:
    assert [o.label for o in reminder_offsets(["2h", "2d", "120m", "2h"])] == ["2d", "2h", "120m"]


def test_a_visit_booked_at_short_notice_gets_only_the_reminders_still_ahead() -> None:
    start = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    timing = VisitTiming(reminders=reminder_offsets(["2d", "2h"]))
    jobs = plan_visit_jobs(visit(start), timing, NEW_YORK, start - timedelta(hours=5), has_post_instructions=True)
    assert [(j.kind, j.data.get("offset")) for j in jobs] == [(JobKind.VISIT_REMINDER, "2h"),
                                                             (JobKind.POST_INSTRUCTIONS, None)]


def test_a_moved_visit_no_longer_wants_the_jobs_planned_for_its_old_time() -> None:
    start = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    (job,) = plan_visit_jobs(visit(start), VisitTiming(reminders=reminder_offsets(["2h"])), NEW_YORK,
                             start - timedelta(days=1), has_post_instructions=False)
    now = start - timedelta(hours=2)
    assert still_wanted(job, visit(start), now)
    assert not still_wanted(job, visit(start + timedelta(days=1)), now)
    assert not still_wanted(job, visit(start, AppointmentStatus.CANCELLED), now)
    assert not still_wanted(job, visit(start), start)  # missed until the visit began: too late to remind


def test_a_review_request_never_follows_a_no_show() -> None:
    start = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    (job,) = plan_visit_jobs(visit(start), VisitTiming(review_after=timedelta(hours=3)), NEW_YORK,
                             start - timedelta(days=1), has_post_instructions=False)
    later = start + timedelta(hours=4)
    assert still_wanted(job, visit(start, AppointmentStatus.COMPLETED), later)
    assert not still_wanted(job, visit(start, AppointmentStatus.NO_SHOW), later)
