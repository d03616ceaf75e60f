"""Cart, deposit, cancellation and eligibility rules of online booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.booking import Cart, plan_cart
from portalcore.domain.catalog import Service
from portalcore.domain.clinic import CancellationPolicy, ClinicSettings, FeeTier
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money
from portalcore.domain.policies import cancellation_fee, card_required, check_prior_visits, deposit_due

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


def svc(slug: str, minutes: int, providers: tuple[str, ...], *, buffer: int = 0, price: int = 10000,
        deposit: int = 0, requires: str = "") -> Service:
    return Service(slug=slug, name=slug.replace("-", " ").title(), category="c", duration_minutes=minutes,
                   price=Money(price), deposit=Money(deposit), buffer_minutes=buffer, providers=providers,
                   requires_prior=requires)


BOTOX = svc("botox", 30, ("amara", "jess"), buffer=10, price=45000, deposit=5000)
FILLER = svc("lip-filler", 45, ("amara", "jess"), buffer=15, price=75000, deposit=10000)
CHEEKS = svc("cheek-filler", 60, ("amara",), buffer=15, price=140000, requires="consult")
CONSULT = svc("consult", 30, ("amara", "jess"), price=0)
LASER = svc("laser", 15, ("marco",), buffer=5)


def visit(services: tuple[str, ...], status: AppointmentStatus, days_ago: int = 30) -> Appointment:
    start = NOW - timedelta(days=days_ago)
    return Appointment(patient_id=1, provider="amara", location="soho", services=services, start_at=start,
                       end_at=start + timedelta(minutes=30), busy_until=start + timedelta(minutes=30), status=status)


def test_cart_adds_removes_and_reorders_services() -> None:
    cart = Cart().add("botox").add("lip-filler").add("consult")
    assert cart.move("consult", -2).services == ("consult", "botox", "lip-filler")
    assert cart.move("botox", 10).services == ("lip-filler", "consult", "botox")
    assert cart.remove("lip-filler").services == ("botox", "consult")
    with pytest.raises(InvalidInput, match="already"):
        cart.add("botox")


def test_a_visit_runs_back_to_back_and_costs_the_sum() -> None:
    plan = plan_cart([BOTOX, FILLER])
    assert plan.providers == ("amara", "jess")
    assert (plan.visit_minutes, plan.busy_minutes) == (30 + 10 + 45, 30 + 10 + 45 + 15)
    assert (plan.price, plan.deposit) == (Money(120000), Money(15000))


def test_services_no_single_provider_offers_are_refused_naming_the_conflict() -> None:
    assert plan_cart([BOTOX, CHEEKS]).providers == ("amara",)
    with pytest.raises(InvalidInput, match="Laser as a separate visit"):
        plan_cart([BOTOX, CHEEKS, LASER])


def test_a_card_is_required_for_a_deposit_or_a_late_cancellation_fee() -> None:
    free = ClinicSettings(cancellation=CancellationPolicy(fee=Money(0)))
    assert not card_required(free, Money(0))
    assert card_required(free, Money(5000))
    assert card_required(ClinicSettings(cancellation=CancellationPolicy(fee=Money(5000))), Money(0))


def test_patients_with_repeated_no_shows_pay_a_deposit_when_the_clinic_says_so() -> None:
    settings = ClinicSettings(no_show_deposit_after=2, no_show_deposit=Money(2500))
    plan = plan_cart([svc("facial", 60, ("sofia",), price=19900)])
    once = [visit(("facial",), AppointmentStatus.NO_SHOW)]
    assert deposit_due(plan, settings, once) == Money(0)
    assert deposit_due(plan, settings, once * 2) == Money(2500)
    assert deposit_due(plan, ClinicSettings(), once * 5) == Money(0)  # off by default


def test_flat_fee_applies_only_inside_the_window() -> None:
    policy = CancellationPolicy(window_hours=24, fee=Money(5000))
    start = NOW + timedelta(hours=30)
    assert cancellation_fee(policy, Money(45000), start, NOW) == Money(0)
    assert cancellation_fee(policy, Money(45000), start, NOW + timedelta(hours=7)) == Money(5000)


def test_tiered_fees_grow_as_the_visit_nears() -> None:
    policy = CancellationPolicy(tiers=(FeeTier(48, 50), FeeTier(24, 100)))
    start = NOW + timedelta(days=5)
    price = Money(45000)
    assert cancellation_fee(policy, price, start, start - timedelta(hours=49)) == Money(0)
    assert cancellation_fee(policy, price, start, start - timedelta(hours=47)) == Money(22500)
    assert cancellation_fee(policy, price, start, start - timedelta(hours=23)) == Money(45000)


def test_filler_needs_a_consultation_first_when_the_rule_is_on() -> None:
    catalog = {s.slug: s for s in (BOTOX, CHEEKS, CONSULT)}
    on = ClinicSettings(enforce_prior_visits=True)
    with pytest.raises(InvalidInput, match="Consult first"):
        check_prior_visits([CHEEKS], [], catalog, NOW, on)
    check_prior_visits([CHEEKS], [], catalog, NOW, ClinicSettings())  # off: no question asked
    check_prior_visits([CONSULT, CHEEKS], [], catalog, NOW, on)  # the consultation comes first in the visit
    with pytest.raises(InvalidInput):
        check_prior_visits([CHEEKS, CONSULT], [], catalog, NOW, on)
    check_prior_visits([CHEEKS], [visit(("consult",), AppointmentStatus.COMPLETED)], catalog, NOW, on)
    with pytest.raises(InvalidInput):  # a cancelled consultation does not count
        check_prior_visits([CHEEKS], [visit(("consult",), AppointmentStatus.CANCELLED)], catalog, NOW, on)
