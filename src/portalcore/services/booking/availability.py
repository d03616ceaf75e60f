"""Online booking, part 1: what a cart costs, when it can happen, and holding a time while the patient finishes."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.availability import Slot, first_available, open_slots
from portalcore.domain.booking import Cart, Hold, VisitPlan, plan_cart
from portalcore.domain.catalog import CategoryListing, group_by_category
from portalcore.domain.clinic import Clinic, ProviderChoice
from portalcore.domain.clock import STAFF_REACH_DAYS, days_within, instant_within, local_day_bounds
from portalcore.domain.errors import InvalidInput, NotFound, SlotTaken
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic

ANY = "any"
MAX_RANGE_DAYS = 31
DRAFTS_KEPT = timedelta(days=1)  # what was typed at checkout, and which booking a hold made (for repeats)
SLACK = timedelta(days=1)  # a visitor's today may be the clinic's yesterday or tomorrow


def bookable_days(clinic: Clinic, first_day: date, last_day: date, now: datetime) -> tuple[date, date]:
    """The part of ``first_day``..``last_day`` patients may book online: from the clinic's today to its horizon.
    Raises ``InvalidInput`` when none of it is (a day in the year 9999 never reaches the calendar arithmetic)."""
    today = now.astimezone(ZoneInfo(clinic.time_zone)).date()
    return days_within(first_day, last_day, today - SLACK, clinic.settings.last_bookable_day(today) + SLACK)


def staff_days(clinic: Clinic, first_day: date, last_day: date, now: datetime) -> tuple[date, date]:
    """The part of ``first_day``..``last_day`` the front desk may book or move visits to: from today up to
    ``STAFF_REACH_DAYS`` ahead (staff may book beyond the online horizon). Raises ``InvalidInput`` otherwise."""
    today = now.astimezone(ZoneInfo(clinic.time_zone)).date()
    return days_within(first_day, last_day, today - SLACK, today + timedelta(days=STAFF_REACH_DAYS) + SLACK)


def check_reach(clinic: Clinic, start_at: datetime, now: datetime, *, by_patient: bool) -> None:
    """Raises ``InvalidInput`` for a start time outside what patients (or, with ``by_patient=False``, staff)
    may book, before any calendar arithmetic is done with it."""
    ahead = clinic.settings.horizon_days if by_patient else STAFF_REACH_DAYS
    instant_within(start_at, now - SLACK, now + timedelta(days=ahead) + 2 * SLACK)


class TimeTaken(SlotTaken):
    """The time was just taken; ``alternatives`` are the next open times for the same visit."""

    def __init__(self, message: str, alternatives: tuple[Slot, ...] = ()) -> None:
        super().__init__(message)
        self.alternatives = alternatives


def load_plan(uow: UnitOfWork, slugs: Sequence[str]) -> VisitPlan:
    services = []
    for slug in slugs:
        service = uow.catalog.service(slug)
        if service is None:
            raise NotFound("There is no service '%(slug)s'.", slug=slug)
        services.append(service)
    active = {p.slug for p in uow.catalog.providers() if p.active}
    plan = plan_cart(services)
    return attrs.evolve(plan, providers=tuple(p for p in plan.providers if p in active))


def daily_load(busy: Sequence[tuple[datetime, datetime]], zone: ZoneInfo) -> dict[date, int]:
    """Busy minutes per clinic-local day (by start), the first-available tie-break."""
    load: dict[date, int] = defaultdict(int)
    for start, end in busy:
        load[start.astimezone(zone).date()] += int((end - start).total_seconds() // 60)
    return load


class BookingService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def addable(self, services: Sequence[str]) -> list[CategoryListing]:
        """Per category of the online catalogue, the services not in the cart that one provider can still do
        together with ``services`` (what the cart page offers to add), read in one transaction."""
        with self._uow(readonly=True) as uow:
            found = []
            for listing in group_by_category(uow.catalog.categories(), uow.catalog.services()):
                offers = []
                for service in listing.services:
                    if service.slug in services:
                        continue
                    try:  # the cart's own rules first (at most a few services), then one provider for all
                        plan = load_plan(uow, Cart(tuple(services)).add(service.slug).services)
                    except InvalidInput:
                        continue
                    if plan.providers:
                        offers.append(service)
                if offers:
                    found.append(CategoryListing(listing.category, tuple(offers)))
            return found

    def plan(self, services: Sequence[str]) -> VisitPlan:
        """Length, price, deposit and possible providers of a visit; raises ``InvalidInput``/``NotFound``."""
        with self._uow(readonly=True) as uow:
            return load_plan(uow, services)

    def availability(self, services: Sequence[str], provider: str, first_day: date, last_day: date,
                     location: str | None = None) -> list[Slot]:
        """Open start times for the visit on clinic-local days ``first_day``..``last_day``.

        ``provider`` is a provider slug or ``"any"`` (first available, when the clinic allows it): then each
        time goes to the provider with the fewest busy minutes that day, ties to the first slug. Raises
        ``InvalidInput`` for a range over a month or a provider who does not offer the whole visit."""
        if last_day < first_day or (last_day - first_day).days >= MAX_RANGE_DAYS:
            raise InvalidInput("Ask for between 1 and %(count)s days at a time.", count=MAX_RANGE_DAYS)
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            first_day, last_day = bookable_days(clinic, first_day, last_day, self._clock.now())
            plan = load_plan(uow, services)
            return self._slots(uow, clinic, plan, self._candidates(clinic, plan, provider), first_day, last_day,
                               location)

    def hold(self, services: Sequence[str], provider: str, start_at: datetime, location: str | None = None) -> Hold:
        """Keeps a time for this visit for the clinic's hold minutes; nobody else is offered it meanwhile.

        Raises ``TimeTaken`` (with the next open times) when it is no longer free."""
        now = self._clock.now()
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            check_reach(clinic, start_at, now, by_patient=True)
            plan = load_plan(uow, services)
            candidates = self._candidates(clinic, plan, provider)
            zone = ZoneInfo(clinic.time_zone)
            day = start_at.astimezone(zone).date()
            uow.bookings.drop_expired_holds(now)
            for slug in candidates:  # in slug order, so two holds never wait on each other's locks
                uow.bookings.lock_provider(slug)
            match = [s for s in self._slots(uow, clinic, plan, candidates, day, day, location)
                     if s.start_at == start_at]
            if not match:
                raise TimeTaken("That time was just taken. Here are the next open times.",
                                tuple(self._next_open(uow, clinic, plan, candidates, day, location)))
            slot = match[0]
            end_at, busy_until = start_at + timedelta(minutes=plan.visit_minutes), start_at + timedelta(
                minutes=plan.busy_minutes)
            hold = Hold(token=secrets.token_urlsafe(24), provider=slot.provider, location=slot.location,
                        services=tuple(s.slug for s in plan.services), start_at=start_at, end_at=end_at,
                        busy_until=busy_until, expires_at=now + timedelta(minutes=clinic.settings.hold_minutes))
            uow.bookings.add_hold(hold, now)
            uow.commit()
        return hold

    def release(self, token: str) -> None:
        """Gives a held time back (the patient went back or gave up)."""
        with self._uow() as uow:
            uow.bookings.drop_hold(token)
            uow.commit()

    def release_expired(self) -> int:
        """Frees held times whose hold ran out (the worker does this every round; booking also does it lazily),
        and forgets checkout drafts untouched for a day."""
        now = self._clock.now()
        with self._uow() as uow:
            dropped = uow.bookings.drop_expired_holds(now)
            uow.bookings.drop_drafts_before(now - DRAFTS_KEPT)
            uow.commit()
        return dropped

    def held(self, token: str) -> Hold:
        """A live hold; raises ``InvalidInput`` when it is unknown or has run out."""
        with self._uow(readonly=True) as uow:
            hold = uow.bookings.hold(token)
        if hold is None or not hold.live(self._clock.now()):
            raise InvalidInput("Your held time has run out. Please choose a time again.")
        return hold

    # -- helpers
    def _candidates(self, clinic: Clinic, plan: VisitPlan, provider: str) -> tuple[str, ...]:
        if not plan.providers:
            raise InvalidInput("No provider can be booked online for this visit right now.")
        if provider == ANY:
            if clinic.settings.provider_choice is not ProviderChoice.NAMED_OR_FIRST_AVAILABLE:
                raise InvalidInput("Please choose a provider.")
            return plan.providers
        if provider not in plan.providers:
            raise InvalidInput("That provider does not offer every service in your visit; please choose another.")
        return (provider,)

    def _slots(self, uow: UnitOfWork, clinic: Clinic, plan: VisitPlan, candidates: Sequence[str],
               first_day: date, last_day: date, location: str | None) -> list[Slot]:
        now, zone, settings = self._clock.now(), ZoneInfo(clinic.time_zone), clinic.settings
        start, _ = local_day_bounds(first_day, zone)
        _, end = local_day_bounds(last_day, zone)
        busy = uow.availability.busy_times(candidates, start, end, now)
        found = {}
        for provider in uow.catalog.providers():
            if provider.slug in candidates:
                found[provider.slug] = open_slots(
                    provider, first_day=first_day, last_day=last_day, zone=zone, visit_minutes=plan.visit_minutes,
                    busy_minutes=plan.busy_minutes, busy=busy[provider.slug], slot_minutes=settings.slot_minutes,
                    earliest=now + timedelta(minutes=settings.min_notice_minutes),
                    latest=now + timedelta(days=settings.horizon_days), location=location)
        if len(candidates) == 1:
            return found.get(candidates[0], [])
        return first_available(found, {slug: daily_load(busy[slug], zone) for slug in found}, zone)

    def _next_open(self, uow: UnitOfWork, clinic: Clinic, plan: VisitPlan, candidates: Sequence[str],
                   day: date, location: str | None, count: int = 6) -> list[Slot]:
        return self._slots(uow, clinic, plan, candidates, day, day + timedelta(days=13), location)[:count]
