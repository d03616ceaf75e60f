"""Changing a booked visit: cancelling, with the clinic's cancellation fee charged to the card on file."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
from babel.dates import format_datetime
from babel.numbers import format_currency

from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.booking import PaymentRecord
from portalcore.domain.errors import InvalidInput, NotFound, PaymentDeclined, PaymentUnavailable
from portalcore.domain.money import Money
from portalcore.domain.policies import cancellation_fee
from portalcore.ports import Clock, PaymentGateway, UnitOfWorkFactory
from portalcore.services.catalog import require_clinic
from portalcore.services.delivery import MessageComposer


@attrs.frozen
class Cancellation:
    appointment: Appointment
    fee: Money
    fee_charged: bool  # False with a fee: no card, or the card was declined; the fee is owed


class VisitService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: PaymentGateway, composer: MessageComposer,
                 base_url: str) -> None:
        self._uow, self._clock, self._payments, self._composer = uow, clock, payments, composer
        self._base_url = base_url

    def preview_fee(self, appointment_id: int) -> Money:
        """What cancelling now would cost the patient (shown before they confirm)."""
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            visit = self._booked(uow.appointments.get(appointment_id))
        return cancellation_fee(clinic.settings.cancellation, Money(visit.price_cents, clinic.currency),
                                visit.start_at, self._clock.now())

    def cancel(self, appointment_id: int, *, by_patient: bool, waive_fee: bool = False) -> Cancellation:
        """Cancels a booked visit and frees its time. A patient pays the clinic's late-cancellation fee from the
        card on file (the front desk may waive it); a declined card still cancels and leaves the fee owed.

        Raises ``NotFound``, or ``InvalidInput`` when the visit is not booked any more or the clinic does not
        let patients cancel online."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            visit = self._booked(uow.appointments.get(appointment_id))
            if by_patient and not clinic.settings.patients_may_cancel:
                raise InvalidInput("Please call the clinic to cancel this visit.")
            cards = uow.bookings.cards(visit.patient_id)
        fee = Money(0, clinic.currency) if waive_fee else cancellation_fee(
            clinic.settings.cancellation, Money(visit.price_cents, clinic.currency), visit.start_at, now)
        key = f"appointment:{visit.id}:cancellation-fee"
        payment, status = None, "owed"
        if fee.cents and cards:
            try:
                payment = self._payments.charge(
                    customer_id=cards[0].customer_id, payment_method_id=cards[0].payment_method_id,
                    amount_cents=fee.cents, currency=fee.currency, idempotency_key=key,
                    description="Late cancellation fee")
                status = payment.status.value
            except (PaymentDeclined, PaymentUnavailable):
                status = "declined"
        with self._uow() as uow:
            current = self._booked(uow.appointments.get(appointment_id))
            uow.appointments.set_status(appointment_id, AppointmentStatus.CANCELLED)
            if fee.cents:
                uow.bookings.add_payment(PaymentRecord(
                    idempotency_key=key, patient_id=current.patient_id, kind="cancellation_fee",
                    provider_payment_id=payment.id if payment else "", amount=fee, status=status,
                    simulated=bool(payment and payment.simulated), appointment_id=appointment_id), now)
            patient = uow.patients.get(current.patient_id)
            if patient is not None and patient.email:
                names = {s.slug: s.name for s in uow.catalog.services()}
                language = patient.language or clinic.language
                zone = ZoneInfo(clinic.time_zone)
                uow.outbox.add(self._composer.email(
                    "appointment_cancelled", to=patient.email, language=language,
                    key=f"appointment:{appointment_id}:cancelled:email",
                    context={"clinic_name": clinic.name, "patient_name": patient.first_name,
                             "when": format_datetime(current.start_at.astimezone(zone), "EEEE d MMMM y, h:mm a",
                                                     tzinfo=zone, locale=language),
                             "services": [names.get(s, s) for s in current.services],
                             "fee": format_currency(Decimal(fee.cents) / 100, fee.currency, locale=language)
                             if fee.cents else "",
                             "fee_charged": payment is not None, "book_link": f"{self._base_url}/"}), now)
            uow.commit()
        return Cancellation(attrs.evolve(current, status=AppointmentStatus.CANCELLED), fee, payment is not None)

    def _booked(self, visit: Appointment | None) -> Appointment:
        if visit is None:
            raise NotFound("There is no such visit.")
        if visit.status is not AppointmentStatus.BOOKED:
            raise InvalidInput(f"This visit is {visit.status.value.replace('_', ' ')}, so it cannot be cancelled.")
        return visit
