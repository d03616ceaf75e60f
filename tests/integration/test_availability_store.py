"""Busy times and booked minutes read from SQLite and PostgreSQL, on the demo clinic (loaded Monday 16 Nov 2026)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from portalcore.adapters.clock import FixedClock
from portalcore.adapters.sql.engine import make_engine
from portalcore.adapters.sql.tables import LocationRow, ProviderRow, SlotHoldRow
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import AppointmentStatus
from portalcore.domain.providers import TimeOff
from portalcore.settings import Settings

START = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # Monday midnight in New York
END = START + timedelta(days=30)
PROVIDERS = ["dr-amara-okafor", "jessica-lin", "marco-reyes", "sofia-bianchi"]
# demo visits: Lucía today 16:00 microneedling (75 + 15 buffer), Priya in 14 days 10:00 neurotoxin + lip filler
# (30 + 10 + 45, then 15 buffer), Ethan in 3 days 15:00 large-area laser (45 + 10), Olivia in 7 days 11:00
# dermaplaning (45 + 10)
LUCIA = (datetime(2026, 11, 16, 21, 0, tzinfo=UTC), datetime(2026, 11, 16, 22, 30, tzinfo=UTC))
PRIYA = (datetime(2026, 11, 30, 15, 0, tzinfo=UTC), datetime(2026, 11, 30, 16, 40, tzinfo=UTC))
ETHAN = (datetime(2026, 11, 19, 20, 0, tzinfo=UTC), datetime(2026, 11, 19, 20, 55, tzinfo=UTC))
OLIVIA = (datetime(2026, 11, 23, 16, 0, tzinfo=UTC), datetime(2026, 11, 23, 16, 55, tzinfo=UTC))


@pytest.fixture
def engine(demo_portal: Portal, settings: Settings) -> Iterator[Engine]:
    made = make_engine(settings.effective_database_url)
    try:
        yield made
    finally:
        made.dispose()


def busy_times(engine: Engine, clock: FixedClock, providers: list[str] = PROVIDERS, start: datetime = START,
               end: datetime = END) -> dict[str, list[tuple[datetime, datetime]]]:
    with SqlUnitOfWork(engine, clock.now, readonly=True) as uow:
        return uow.availability.busy_times(providers, start, end, clock.now())


def add_hold(engine: Engine, clock: FixedClock, token: str, start_at: datetime, minutes: int,
             expires_in: timedelta) -> None:
    with SqlUnitOfWork(engine, clock.now) as uow:
        assert uow.session is not None
        provider_id = uow.session.execute(select(ProviderRow.id).where(ProviderRow.slug == "dr-amara-okafor")).scalar_one()
        location_id = uow.session.execute(select(LocationRow.id).where(LocationRow.slug == "soho")).scalar_one()
        busy_until = start_at + timedelta(minutes=minutes)
        uow.session.add(SlotHoldRow(token=token, provider_id=provider_id, location_id=location_id,
                                    services=["consultation"], start_at=start_at, end_at=busy_until,
                                    busy_until=busy_until, expires_at=clock.now() + expires_in,
                                    created_at=clock.now()))
        uow.commit()


def test_busy_times_hold_booked_visits_with_their_buffers(engine: Engine, clock: FixedClock) -> None:
    busy = busy_times(engine, clock)
    assert busy == {"dr-amara-okafor": [], "jessica-lin": [LUCIA, PRIYA], "marco-reyes": [ETHAN],
                    "sofia-bianchi": [OLIVIA]}
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in busy["jessica-lin"])


def test_busy_times_touch_the_range_and_every_slug_asked_is_a_key(engine: Engine, clock: FixedClock) -> None:
    # a visit that began before the range but keeps the provider busy into it still counts; one that ends
    # exactly when the range begins does not
    assert busy_times(engine, clock, ["jessica-lin"], LUCIA[0] + timedelta(minutes=80), END)["jessica-lin"] == [
        LUCIA, PRIYA]
    assert busy_times(engine, clock, ["jessica-lin", "nobody"], LUCIA[1], PRIYA[0]) == {
        "jessica-lin": [], "nobody": []}
    # the completed visits weeks ago are outside the range
    assert busy_times(engine, clock, ["dr-amara-okafor"], START - timedelta(days=200), START) == {
        "dr-amara-okafor": [(datetime(2026, 7, 19, 13, 30, tzinfo=UTC), datetime(2026, 7, 19, 14, 0, tzinfo=UTC)),
                            (datetime(2026, 8, 8, 14, 0, tzinfo=UTC), datetime(2026, 8, 8, 14, 40, tzinfo=UTC))]}
    assert busy_times(engine, clock, []) == {}


def test_a_cancelled_visit_frees_its_time(engine: Engine, demo_portal: Portal, clock: FixedClock) -> None:
    with SqlUnitOfWork(engine, clock.now, readonly=True) as uow:
        [visit] = uow.appointments.between(*ETHAN, provider="marco-reyes")
    assert visit.id is not None
    demo_portal.schedule.set_status(visit.id, AppointmentStatus.CANCELLED)
    assert busy_times(engine, clock)["marco-reyes"] == []


def test_live_slot_holds_block_and_expired_ones_do_not(engine: Engine, clock: FixedClock) -> None:
    tomorrow_10am = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    add_hold(engine, clock, "live", tomorrow_10am, 30, timedelta(minutes=10))
    add_hold(engine, clock, "expired", tomorrow_10am + timedelta(hours=2), 30, timedelta(seconds=-1))
    assert busy_times(engine, clock)["dr-amara-okafor"] == [(tomorrow_10am, tomorrow_10am + timedelta(minutes=30))]
    clock.advance(timedelta(minutes=10))  # the live hold expires now
    assert busy_times(engine, clock)["dr-amara-okafor"] == []


def test_time_off_blocks_even_when_it_began_long_before(engine: Engine, clock: FixedClock) -> None:
    sabbatical = TimeOff(START - timedelta(days=60), START + timedelta(days=2), "sabbatical")
    with SqlUnitOfWork(engine, clock.now) as uow:
        amara = uow.catalog.provider("dr-amara-okafor")
        assert amara is not None
        uow.catalog.save_provider(attrs.evolve(amara, time_off=(sabbatical,)))
        uow.commit()
    assert busy_times(engine, clock)["dr-amara-okafor"] == [(sabbatical.start_at, sabbatical.end_at)]


def test_booked_minutes_count_visits_starting_in_the_range(engine: Engine, demo_portal: Portal,
                                                          clock: FixedClock) -> None:
    with SqlUnitOfWork(engine, clock.now, readonly=True) as uow:
        booked = uow.availability.booked_minutes(PROVIDERS + ["nobody"], START, END)
        today = uow.availability.booked_minutes(["jessica-lin"], START, START + timedelta(days=1))
        [ethan] = uow.appointments.between(*ETHAN, provider="marco-reyes")
    # visit lengths without the trailing buffer: 75 + (30 + 10 + 45); 45; 45
    assert booked == {"dr-amara-okafor": 0, "jessica-lin": 160, "marco-reyes": 45, "sofia-bianchi": 45, "nobody": 0}
    assert today == {"jessica-lin": 75}
    assert ethan.id is not None
    demo_portal.schedule.set_status(ethan.id, AppointmentStatus.CANCELLED)
    with SqlUnitOfWork(engine, clock.now, readonly=True) as uow:
        assert uow.availability.booked_minutes(["marco-reyes"], START, END) == {"marco-reyes": 0}
