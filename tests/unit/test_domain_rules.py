"""Pure rules: money, visit planning, time zones, retry schedule, catalogue grouping."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portalcore.domain.appointments import Appointment, AppointmentStatus, plan_visit
from portalcore.domain.catalog import Service, ServiceCategory, group_by_category
from portalcore.domain.clock import exact_local_to_utc, local_day_bounds, local_to_utc
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money
from portalcore.domain.outbox import MessageStatus, RetryPolicy

NEW_YORK = ZoneInfo("America/New_York")


def service(slug: str, minutes: int, buffer: int = 0, cents: int = 10000, category: str = "skin",
            online: bool = True) -> Service:
    return Service(slug=slug, name=slug.title(), category=category, duration_minutes=minutes, price=Money(cents),
                   buffer_minutes=buffer, online=online)


def test_money_adds_in_cents_and_refuses_mixed_currencies() -> None:
    assert Money(1999) + Money(1) == Money(2000)
    assert str(Money(123456)) == "1,234.56 USD"
    with pytest.raises(ValueError):
        Money(100, "USD") + Money(100, "EUR")


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=100))
def test_percent_of_money_never_exceeds_the_whole(cents: int, pct: int) -> None:
    part = Money(cents).percent(pct)
    assert 0 <= part.cents <= cents


def test_a_deposit_larger_than_the_price_is_refused() -> None:
    with pytest.raises(ValueError, match="deposit"):
        Service(slug="x", name="X", category="c", duration_minutes=30, price=Money(1000), deposit=Money(2000))


def test_services_in_one_visit_run_back_to_back_and_the_last_buffer_keeps_the_provider_busy() -> None:
    start = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    end, busy = plan_visit([service("a", 30, buffer=10), service("b", 45, buffer=15)], start)
    assert end == start + timedelta(minutes=30 + 10 + 45)
    assert busy == end + timedelta(minutes=15)


def test_a_visit_needs_at_least_one_service() -> None:
    with pytest.raises(InvalidInput):
        plan_visit([], datetime(2026, 11, 16, 15, 0, tzinfo=UTC))


def test_appointments_refuse_local_times() -> None:
    local = datetime(2026, 11, 16, 10, 0, tzinfo=NEW_YORK)
    with pytest.raises(ValueError, match="UTC"):
        Appointment(patient_id=1, provider="p", location="l", services=("a",), start_at=local,
                    end_at=local + timedelta(hours=1), busy_until=local + timedelta(hours=1))


def test_a_cancelled_visit_no_longer_blocks_its_time() -> None:
    start = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    booked = Appointment(patient_id=1, provider="p", location="l", services=("a",), start_at=start,
                         end_at=start + timedelta(minutes=30), busy_until=start + timedelta(minutes=40))
    assert booked.overlaps(start + timedelta(minutes=35), start + timedelta(minutes=60))
    cancelled = Appointment(patient_id=1, provider="p", location="l", services=("a",), start_at=start,
                            end_at=booked.end_at, busy_until=booked.busy_until, status=AppointmentStatus.CANCELLED)
    assert not cancelled.overlaps(start, start + timedelta(minutes=60))


def test_clinic_days_are_23_and_25_hours_long_on_dst_changes() -> None:
    spring_start, spring_end = local_day_bounds(date(2026, 3, 8), NEW_YORK)
    fall_start, fall_end = local_day_bounds(date(2026, 11, 1), NEW_YORK)
    assert spring_end - spring_start == timedelta(hours=23)
    assert fall_end - fall_start == timedelta(hours=25)
    assert spring_start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def test_local_wall_clock_times_map_to_the_right_utc_instant_across_dst() -> None:
    assert local_to_utc(date(2026, 3, 7), time(9, 0), NEW_YORK) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    assert local_to_utc(date(2026, 3, 9), time(9, 0), NEW_YORK) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    # 01:30 happens twice on fall-back day: the first (EDT) one is meant
    assert local_to_utc(date(2026, 11, 1), time(1, 30), NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_a_chosen_local_time_the_clocks_skip_or_repeat_is_refused_not_guessed() -> None:
    assert exact_local_to_utc(date(2026, 11, 1), time(2, 30), NEW_YORK) == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="2026-03-08 02:30 does not exist in America/New_York"):
        exact_local_to_utc(date(2026, 3, 8), time(2, 30), NEW_YORK)
    with pytest.raises(InvalidInput, match="2026-11-01 01:30 happens twice"):
        exact_local_to_utc(date(2026, 11, 1), time(1, 30), NEW_YORK)


def test_retry_delays_grow_and_stop_at_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=30, cap_seconds=600)
    rng = random.Random(7)
    ceilings = [30, 60, 120, 240, 480, 600, 600]
    for attempt, ceiling in enumerate(ceilings, start=1):
        delay = policy.delay(attempt, rng).total_seconds()
        assert ceiling / 2 <= delay <= ceiling


def test_a_message_is_dead_after_the_last_attempt_or_a_permanent_failure() -> None:
    now = datetime(2026, 11, 16, tzinfo=UTC)
    policy = RetryPolicy(max_attempts=3)
    assert policy.after_failure(2, now, permanent=False)[0] is MessageStatus.PENDING
    assert policy.after_failure(3, now, permanent=False) == (MessageStatus.DEAD, now)
    assert policy.after_failure(1, now, permanent=True)[0] is MessageStatus.DEAD


def test_booking_page_groups_online_services_by_category_in_clinic_order() -> None:
    categories = [ServiceCategory("skin", "Skin", position=2), ServiceCategory("inj", "Injectables", position=1),
                  ServiceCategory("empty", "Empty", position=0)]
    services = [service("peel", 45), service("botox", 30, category="inj"),
                service("private", 30, category="inj", online=False)]
    listing = group_by_category(categories, services)
    assert [entry.category.name for entry in listing] == ["Injectables", "Skin"]
    assert [s.slug for s in listing[0].services] == ["botox"]
