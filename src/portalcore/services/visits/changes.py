"""Changing a booked visit: cancelling, with the clinic's cancellation fee charged to the card on file."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain import audit
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.audit import AuditEvent
from portalcore.domain.availability import Slot, open_slots, within_working_hours
from portalcore.domain.booking import CardOnFile
from portalcore.domain.clinic import Clinic
from portalcore.domain.clock import local_day_bounds
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.money import Money
from portalcore.domain.policies import (
    NOT_BOOKED, CancelTerms, cancel_terms, cancellation_fee, why_patient_may_not_cancel, why_patient_may_not_move,
)
from portalcore.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from portalcore.services.booking.availability import MAX_RANGE_DAYS, bookable_days, check_reach, staff_days
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.delivery import MessageComposer
from portalcore.services.visits.cancel_money import CancelMoney, deposit_total, money_context, visit_deposits
from portalcore.services.visits.messages import patient_language, visit_calendar, visit_context, visit_when
from portalcore.services.visits.timed_events import schedule_visit, unschedule_visit
from portalcore.services.visits.waitlist import WaitlistKit, offer_freed_time


@attrs.frozen
class Cancellation:
    appointment: Appointment
    terms: CancelTerms  # the fee, the deposit's part in it, and what became of the rest of the deposit
    fee_charged: bool  # False with a part of the fee to charge: no card, or the card was declined; it is owed
    refunded: Money  # what went back to the card under the "refund" rule (less than owed: the rest is pending)

    @property
    def fee(self) -> Money:
        return self.terms.fee


class VisitService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: PaymentGateway, composer: MessageComposer,
                 base_url: str, waitlist: WaitlistKit | None = None) -> None:
        self._uow, self._clock, self._payments, self._composer = uow, clock, payments, composer
        self._base_url, self._waitlist = base_url, waitlist

    def preview_fee(self, appointment_id: int) -> Money:
        """What cancelling now would cost the patient (shown before they confirm)."""
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            visit = self._booked(uow.appointments.get(appointment_id))
        return cancellation_fee(clinic.settings.cancellation, Money(visit.price_cents, clinic.currency),
                                visit.start_at, self._clock.now())

    def preview_cancel(self, appointment_id: int) -> CancelTerms:
        """What cancelling now would cost and what would become of the deposit (shown before the patient
        confirms). Raises ``NotFound``, or ``InvalidInput`` when the visit is not booked any more."""
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            visit = self._booked(uow.appointments.get(appointment_id))
            deposit = deposit_total(visit_deposits(uow, visit), clinic.currency)
        fee = cancellation_fee(clinic.settings.cancellation, Money(visit.price_cents, clinic.currency),
                               visit.start_at, self._clock.now())
        return cancel_terms(fee, deposit, clinic.settings.deposit_on_cancel)

    def cancel(self, appointment_id: int, *, by_patient: bool, waive_fee: bool = False,
               audit_event: AuditEvent | None = None) -> Cancellation:
        """Cancels a booked visit and frees its time. The clinic's late-cancellation fee (the front desk may waive
        it) is paid from the visit's deposit first and the rest charged to the card on file (a declined card
        still cancels and leaves it owed); what the fee leaves of the deposit is kept, refunded or moved to the
        wallet as the clinic's ``deposit_on_cancel`` says. The patient is emailed all of it. ``audit_event`` (who
        cancelled it in the portal) is written with the change.

        Raises ``NotFound``, or ``InvalidInput`` when the visit is not booked any more or the clinic does not
        let patients cancel online."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            visit = self._booked(uow.appointments.get(appointment_id))
            refusal = why_patient_may_not_cancel(clinic.settings) if by_patient else None
            if refusal:
                raise InvalidInput(refusal)
            cards, deposits = _fee_cards(uow, visit), visit_deposits(uow, visit)
        fee = Money(0, clinic.currency) if waive_fee else cancellation_fee(
            clinic.settings.cancellation, Money(visit.price_cents, clinic.currency), visit.start_at, now)
        money = CancelMoney(self._payments, visit, cancel_terms(fee, deposit_total(deposits, clinic.currency),
                                                                clinic.settings.deposit_on_cancel))
        money.charge_fee(cards)
        money.refund_deposit(deposits)
        with self._uow() as uow:
            current = self._booked(uow.appointments.get(appointment_id))
            uow.appointments.set_status(appointment_id, AppointmentStatus.CANCELLED)
            unschedule_visit(uow, appointment_id, now)
            if self._waitlist is not None:
                offer_freed_time(uow, self._waitlist, clinic, current)
            money.record(uow, now)
            patient = uow.patients.get(current.patient_id)
            if patient is not None and patient.email:
                language = patient_language(patient, clinic)
                context = visit_context(uow, clinic, patient, current) | money_context(money, language) | {
                    "book_link": f"{self._base_url}/", "manage_link": self._manage_link(current)}
                uow.outbox.add(self._composer.email(
                    "appointment_cancelled", to=patient.email, language=language,
                    key=f"appointment:{appointment_id}:cancelled:email", context=context,
                    attachments=(visit_calendar(uow, clinic, current, context, now, cancelled=True),)), now)
            if audit_event is not None:
                uow.access.record(audit_event)
            uow.commit()
        return Cancellation(attrs.evolve(current, status=AppointmentStatus.CANCELLED), money.terms,
                            money.fee_charged, money.refunded)

    def reschedule(self, appointment_id: int, start_at: datetime, *, by_patient: bool,
                   audit_event: AuditEvent | None = None, force_reason: str = "",
                   staff: str = "front desk") -> Appointment:
        """Moves a booked visit (same provider, place and services) to ``start_at``; its reminders and aftercare
        move with it in the same transaction and the patient is told. A patient may only pick a time the clinic
        offers online (``patient_times``), and not inside the cancellation window. The clinic's staff may pick any
        minute inside the provider's working hours at the visit's place, or outside them only with a
        ``force_reason``, which is audited as ``staff`` with the move. ``audit_event`` (who moved it in the
        portal) is written with the change.

        Raises ``NotFound``, ``InvalidInput`` (not booked, not allowed, not an open time, outside working hours)
        or ``SlotTaken``."""
        now = self._clock.now()
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            check_reach(clinic, start_at, now, by_patient=by_patient)
            visit = self._booked(uow.appointments.get(appointment_id), "moved")
            uow.bookings.lock_provider(visit.provider)
            if start_at == visit.start_at:
                return visit
            if by_patient:
                self._patient_may_move(uow, clinic, visit, start_at, now)
            elif force_reason.strip():
                audit_event = audit_event or AuditEvent(
                    action=audit.VISIT_MOVED, at=now, actor=staff, patient_id=visit.patient_id,
                    detail={"visit_id": appointment_id, "outside_working_hours": True, "reason": force_reason.strip()})
            else:
                _within_hours(uow, clinic, visit, start_at)
            shift = start_at - visit.start_at
            uow.appointments.move(appointment_id, start_at, visit.end_at + shift, visit.busy_until + shift)
            moved = attrs.evolve(visit, start_at=start_at, end_at=visit.end_at + shift,
                                 busy_until=visit.busy_until + shift, confirmed_at=None)
            uow.bookings.move_forms(appointment_id, start_at)
            unschedule_visit(uow, appointment_id, now)
            schedule_visit(uow, clinic, moved, now)
            if self._waitlist is not None:
                offer_freed_time(uow, self._waitlist, clinic, visit)  # the time it left
            patient = uow.patients.get(visit.patient_id)
            if patient is not None and patient.email:
                context = visit_context(uow, clinic, patient, moved) | {
                    "old_when": visit_when(visit, clinic, patient_language(patient, clinic)),
                    "manage_link": f"{self._base_url}/portal"}
                calendar = visit_calendar(uow, clinic, moved, context | {"manage_link": self._manage_link(moved)}, now)
                uow.outbox.add(self._composer.email(
                    "appointment_moved", to=patient.email, language=patient_language(patient, clinic),
                    key=f"appointment:{appointment_id}:moved:{int(start_at.timestamp())}:email", context=context,
                    attachments=(calendar,)), now)
            if audit_event is not None:
                uow.access.record(audit_event)
            uow.commit()
        return moved

    def _manage_link(self, visit: Appointment) -> str:
        """Where the patient manages the visit: its booking page, or the portal for a front-desk booking."""
        return f"{self._base_url}/bookings/{visit.reference}" if visit.reference else f"{self._base_url}/portal"

    def open_times(self, appointment_id: int, day: date) -> list[Slot]:
        """The times on clinic-local ``day`` the front desk can move a booked visit to: its provider free for the
        whole visit (buffers included) in working hours at the visit's location, from now on; the visit does not
        block itself. Raises ``NotFound``, or ``InvalidInput`` when the visit is not booked any more."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            day, _ = staff_days(clinic, day, day, now)
            visit = self._booked(uow.appointments.get(appointment_id), "moved")
            return _open_times(uow, clinic, visit, day, now, earliest=now, latest=local_day_bounds(
                day, ZoneInfo(clinic.time_zone))[1])

    def patient_times(self, appointment_id: int, first_day: date, last_day: date) -> list[Slot]:
        """The times on clinic-local days ``first_day``..``last_day`` a patient may move a booked visit to online
        (what ``reschedule(by_patient=True)`` accepts): none when the clinic does not allow it or the visit is
        inside the cancellation window. Raises ``NotFound``, or ``InvalidInput`` when it is not booked any more."""
        if last_day < first_day or (last_day - first_day).days >= MAX_RANGE_DAYS:
            raise InvalidInput("Ask for between 1 and %(count)s days at a time.", count=MAX_RANGE_DAYS)
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            first_day, last_day = bookable_days(clinic, first_day, last_day, now)
            visit = self._booked(uow.appointments.get(appointment_id), "moved")
            if why_patient_may_not_move(clinic.settings, visit.start_at, now):
                return []
            days = (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
            return [slot for day in days for slot in _open_times(uow, clinic, visit, day, now,
                                                                 **_patient_range(clinic, now))]

    def _patient_may_move(self, uow: UnitOfWork, clinic: Clinic, visit: Appointment, start_at: datetime,
                          now: datetime) -> None:
        refusal = why_patient_may_not_move(clinic.settings, visit.start_at, now)
        if refusal:
            raise InvalidInput(refusal)
        slots = _open_times(uow, clinic, visit, start_at.astimezone(ZoneInfo(clinic.time_zone)).date(), now,
                            **_patient_range(clinic, now))
        if not any(slot.start_at == start_at for slot in slots):
            raise InvalidInput("That time is not open for this visit. Please choose one of the times offered.")

    def _booked(self, visit: Appointment | None, doing: str = "cancelled") -> Appointment:
        if visit is None:
            raise NotFound("There is no such visit.")
        if visit.status is not AppointmentStatus.BOOKED:
            raise InvalidInput(NOT_BOOKED[visit.status, doing])
        return visit


def _fee_cards(uow: UnitOfWork, visit: Appointment) -> list[CardOnFile]:
    """The cards a fee for ``visit`` may be charged to, newest first: the card of whoever secured the visit when
    that was someone else (a visit booked with the patient's email from another phone and then added to their
    record, ``VisitClaims``), else the patient's own. A booking puts a card on a profile only when the booker
    proved to be that patient, so a stranger's card is never charged for the patient, nor the patient's for them."""
    assert visit.id is not None
    payers = {p.patient_id for p in uow.bookings.payments(visit.id) if p.kind in ("deposit", "card_check")}
    payer = next(iter(sorted(payers - {visit.patient_id})), None)
    return uow.bookings.cards(payer if payer is not None else visit.patient_id)


def _within_hours(uow: UnitOfWork, clinic: Clinic, visit: Appointment, start_at: datetime) -> None:
    provider = uow.catalog.provider(visit.provider)
    zone = ZoneInfo(clinic.time_zone)
    if provider is not None and within_working_hours(
            provider, start_at, zone=zone, location=visit.location,
            busy_minutes=int((visit.busy_until - visit.start_at).total_seconds() // 60)):
        return
    who = provider.name if provider else visit.provider
    raise InvalidInput("%(time)s is outside %(provider)s's working hours at this visit's place; choose a time "
                       "inside them, or force the move with a reason.",
                       time=f"{start_at.astimezone(zone):%Y-%m-%d %H:%M}", provider=who)


def _patient_range(clinic: Clinic, now: datetime) -> dict[str, datetime]:
    """From the clinic's shortest notice to its horizon: the times a patient may book or move to online."""
    return {"earliest": now + timedelta(minutes=clinic.settings.min_notice_minutes),
            "latest": now + timedelta(days=clinic.settings.horizon_days)}


def _open_times(uow: UnitOfWork, clinic: Clinic, visit: Appointment, day: date, now: datetime, *,
                earliest: datetime, latest: datetime) -> list[Slot]:
    """Where ``visit`` could start on ``day`` between ``earliest`` and ``latest`` (same provider and place)."""
    provider = uow.catalog.provider(visit.provider)
    if provider is None:
        return []
    zone = ZoneInfo(clinic.time_zone)
    first, last = local_day_bounds(day, zone)
    busy = [span for span in uow.availability.busy_times([visit.provider], first, last, now)[visit.provider]
            if span != (visit.start_at, visit.busy_until)]  # the visit being moved does not block itself
    return open_slots(provider, first_day=day, last_day=day, zone=zone,
                      visit_minutes=int((visit.end_at - visit.start_at).total_seconds() // 60),
                      busy_minutes=int((visit.busy_until - visit.start_at).total_seconds() // 60), busy=busy,
                      slot_minutes=clinic.settings.slot_minutes, earliest=earliest, latest=latest,
                      location=visit.location)
