"""The card step of a booking, shared by the online checkout and the waitlist.

Saving the card (or using the patient's card on file), charging the deposit or proving the card with a small
authorization released at once, giving the deposit back when the time was lost meanwhile, and writing the card
and the payment record in the booking's own transaction. Provider calls happen outside any transaction and carry
idempotency keys derived from what is being booked (the hold, the offer), so a retried request never charges twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import attrs

from portalcore.domain.appointments import Appointment
from portalcore.domain.booking import CardOnFile, PaymentRecord, VisitPlan
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, PaymentUnavailable
from portalcore.domain.money import Money
from portalcore.domain.payments import Payment
from portalcore.domain.policies import card_required, deposit_due
from portalcore.domain.timed_events import release_job
from portalcore.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

POLICY_NEEDED = "Please read and accept the cancellation and deposit policy."
CARD_NEEDED = "A card is needed to secure this visit."


@attrs.frozen
class Quote:
    """What booking will ask of the patient: shown before they give a card."""

    plan: VisitPlan
    deposit: Money
    card_required: bool
    card_check: Money
    policy_text: str

    def check(self, payment_method: str, accepted_policy: bool) -> None:
        """Raises ``InvalidInput`` when the policy was not accepted or no card was given, and one is needed."""
        if self.card_required and not accepted_policy:
            raise InvalidInput(POLICY_NEEDED)
        if self.card_required and not payment_method:
            raise InvalidInput(CARD_NEEDED)


def quote_for(clinic: Clinic, plan: VisitPlan, history: Sequence[Appointment]) -> Quote:
    """The deposit (the patient's missed visits count) and whether a card is needed, by the clinic's policy."""
    deposit = deposit_due(plan, clinic.settings, history)
    return Quote(plan=plan, deposit=deposit, card_required=card_required(clinic.settings, deposit),
                 card_check=clinic.settings.card_check, policy_text=clinic.settings.cancellation.text)


@attrs.frozen
class CardTaken:
    """What the card step did: the card (for the patient's file) and the deposit or card-check payment."""

    card: CardOnFile  # patient_id 0 until the booking writes it
    payment: Payment
    kind: str  # deposit | card_check
    key: str  # the booking's key: the payment record is ``{key}:{kind}``

    @property
    def deposit_paid(self) -> Money:
        return Money(self.payment.amount_cents, self.payment.currency) if self.kind == "deposit" else Money(0)


class CardStep:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: PaymentGateway) -> None:
        self._uow, self._clock, self._payments = uow, clock, payments

    @property
    def simulated(self) -> bool:
        return self._payments.simulated

    def usable(self, cards: Sequence[CardOnFile]) -> list[CardOnFile]:
        """The cards on file this gateway can charge (a simulated card means nothing to Stripe, and back)."""
        return [card for card in cards if card.simulated == self._payments.simulated]

    def take(self, key: str, quote: Quote, *, email: str, name: str, payment_method: str,
             on_file: Sequence[CardOnFile] = ()) -> CardTaken:
        """Saves the card on a new customer (or uses the card on file that ``payment_method`` names), then charges
        the deposit, or places the clinic's card check and releases it at once. A release the provider cannot do
        now does not stop the booking (the card was proven): a ``release_authorization`` job retries it.

        Raises ``PaymentDeclined`` or ``PaymentUnavailable``; nothing is booked then."""
        card = next((c for c in self.usable(on_file) if c.payment_method_id == payment_method), None)
        if card is None:
            customer = self._payments.create_customer(email=email, name=name, idempotency_key=f"{key}:customer")
            saved = self._payments.save_card(customer_id=customer.id, payment_method=payment_method,
                                             idempotency_key=f"{key}:card")
            card = CardOnFile(0, customer.id, saved.payment_method_id, saved.brand, saved.last4, saved.simulated)
        names = ", ".join(s.name for s in quote.plan.services)
        if quote.deposit.cents:
            payment = self._payments.charge(
                customer_id=card.customer_id, payment_method_id=card.payment_method_id,
                amount_cents=quote.deposit.cents, currency=quote.deposit.currency, idempotency_key=f"{key}:deposit",
                description=f"Deposit: {names}")
            return CardTaken(card, payment, "deposit", key)
        check = self._payments.authorize(
            customer_id=card.customer_id, payment_method_id=card.payment_method_id,
            amount_cents=quote.card_check.cents, currency=quote.card_check.currency,
            idempotency_key=f"{key}:card-check", description="Card check (released)")
        return CardTaken(card, self._release(check, f"{key}:card-check:release"), "card_check", key)

    def record(self, uow: UnitOfWork, taken: CardTaken, patient_id: int, appointment_id: int,
               now: datetime) -> CardOnFile:
        """Writes the card on the patient's file and the payment record, in the booking's transaction."""
        card = attrs.evolve(taken.card, patient_id=patient_id)
        uow.bookings.add_card(card, now)  # a card already on file stays one row
        uow.bookings.add_payment(PaymentRecord(
            idempotency_key=f"{taken.key}:{taken.kind}", patient_id=patient_id, kind=taken.kind,
            provider_payment_id=taken.payment.id, amount=Money(taken.payment.amount_cents, taken.payment.currency),
            status=taken.payment.status.value, simulated=taken.payment.simulated, appointment_id=appointment_id), now)
        return card

    def give_back(self, taken: CardTaken | None) -> None:
        """The time went to someone else after the card step: the deposit is refunded (a card check was released)."""
        if taken is not None and taken.kind == "deposit":
            self._payments.refund(taken.payment.id, amount_cents=taken.payment.amount_cents,
                                  idempotency_key=f"{taken.key}:deposit:refund")

    def _release(self, check: Payment, key: str) -> Payment:
        try:
            return self._payments.cancel(check.id, idempotency_key=key)
        except PaymentUnavailable:
            # written at once, in its own transaction: the hold is on the card whether or not the booking succeeds
            log.warning("card check %s not released; the worker will retry", check.id)
            now = self._clock.now()
            with self._uow() as uow:
                uow.jobs.add(release_job(check.id, key, now), now)
                uow.commit()
            return check
