"""Money rules of a booking: deposits, card checks, cancellation fees, and who may book what."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.booking import VisitPlan
from portalcore.domain.catalog import Service
from portalcore.domain.clinic import CancellationPolicy, ClinicSettings
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money


def deposit_due(plan: VisitPlan, settings: ClinicSettings, history: Sequence[Appointment]) -> Money:
    """The services' deposits, plus the no-show deposit for a patient who has missed too many visits."""
    deposit = plan.deposit
    no_shows = sum(1 for visit in history if visit.status is AppointmentStatus.NO_SHOW)
    if settings.no_show_deposit_after and no_shows >= settings.no_show_deposit_after:
        deposit = deposit + settings.no_show_deposit
    return Money(min(deposit.cents, plan.price.cents) if plan.price.cents else deposit.cents, deposit.currency)


def card_required(settings: ClinicSettings, deposit: Money) -> bool:
    """A card is needed before confirming when there is a deposit or the clinic charges for late cancelling."""
    return deposit.cents > 0 or settings.cancellation.charges_fee


def cancellation_fee(policy: CancellationPolicy, price: Money, start_at: datetime, now: datetime) -> Money:
    """What cancelling at ``now`` costs; nothing once the visit has started is the front desk's call, not ours."""
    hours_left = (start_at - now).total_seconds() / 3600
    if policy.tiers:
        percent = max((t.percent for t in policy.tiers if hours_left < t.hours_before), default=0)
        return price.percent(percent)
    if hours_left < policy.window_hours:
        return policy.fee
    return Money.zero(price.currency)


@attrs.frozen
class CancelTerms:
    """The money of one cancellation: the late fee, and the visit's deposit, which pays the fee first; the rest
    of the deposit is kept, refunded or moved to the wallet, as the clinic's ``deposit_on_cancel`` says."""

    fee: Money  # the clinic's late-cancellation fee (zero outside the window)
    deposit: Money  # what the patient paid as a deposit for the visit
    deposit_to_fee: Money  # the part of the deposit that pays the fee
    to_charge: Money  # the part of the fee the deposit does not cover: charged to the card on file
    deposit_left: Money  # the part of the deposit the fee did not use
    deposit_rule: str  # what happens to ``deposit_left``: keep | refund | wallet


def cancel_terms(fee: Money, deposit: Money, deposit_rule: str) -> CancelTerms:
    """What cancelling costs and what becomes of the deposit: the deposit always counts toward the fee, so a
    patient is never charged a fee while a deposit for the same visit would go back to them."""
    used = Money(min(fee.cents, deposit.cents), fee.currency)
    return CancelTerms(fee=fee, deposit=deposit, deposit_to_fee=used, to_charge=fee - used,
                       deposit_left=deposit - used, deposit_rule=deposit_rule)


CALL_TO_CANCEL = "Please call the clinic to cancel this visit."
CALL_TO_MOVE = "Please call the clinic to move this visit."
TOO_CLOSE_TO_MOVE = "This visit is too close to move online. Please call the clinic."
# Whole sentences, one per case, so that each can be translated.
NOT_BOOKED = {
    (AppointmentStatus.CANCELLED, "moved"): "This visit is cancelled, so it cannot be moved.",
    (AppointmentStatus.CANCELLED, "cancelled"): "This visit is cancelled, so it cannot be cancelled.",
    (AppointmentStatus.COMPLETED, "moved"): "This visit is completed, so it cannot be moved.",
    (AppointmentStatus.COMPLETED, "cancelled"): "This visit is completed, so it cannot be cancelled.",
    (AppointmentStatus.NO_SHOW, "moved"): "This visit is no show, so it cannot be moved.",
    (AppointmentStatus.NO_SHOW, "cancelled"): "This visit is no show, so it cannot be cancelled.",
}


def why_not_booked(visit: Appointment, doing: str) -> str | None:
    """Why a visit that is no longer booked cannot be ``doing`` ("moved" or "cancelled"), or None when booked."""
    return None if visit.status is AppointmentStatus.BOOKED else NOT_BOOKED[visit.status, doing]


def why_patient_may_not_move(settings: ClinicSettings, start_at: datetime, now: datetime) -> str | None:
    """Why a patient may not move a visit starting at ``start_at`` online, or None when they may: the clinic
    must allow it, and a move inside the cancellation window goes through the front desk."""
    if not settings.patients_may_reschedule:
        return CALL_TO_MOVE
    if start_at - now < timedelta(hours=settings.cancellation.window_hours):
        return TOO_CLOSE_TO_MOVE
    return None


def why_patient_may_not_cancel(settings: ClinicSettings) -> str | None:
    """Why a patient may not cancel online (the fee is another matter), or None when they may."""
    return None if settings.patients_may_cancel else CALL_TO_CANCEL


def check_prior_visits(services: Sequence[Service], history: Sequence[Appointment], catalog: dict[str, Service],
                       now: datetime, settings: ClinicSettings) -> None:
    """Raises ``InvalidInput`` when a service needs an earlier visit (e.g. a consultation before filler) that
    the patient has not had. Only checked when the clinic turns the rule on."""
    if not settings.enforce_prior_visits:
        return
    done = {slug for visit in history if visit.status is AppointmentStatus.COMPLETED
            or (visit.status is AppointmentStatus.BOOKED and visit.end_at <= now) for slug in visit.services}
    in_cart = [s.slug for s in services]
    for service in services:
        needed = service.requires_prior
        if needed and needed not in done and needed not in in_cart[: in_cart.index(service.slug)]:
            name = catalog[needed].name if needed in catalog else needed
            raise InvalidInput("%(service)s needs a %(needed)s first. Please book the %(needed)s before it, or in "
                               "the same visit ahead of it.", service=service.name, needed=name)

