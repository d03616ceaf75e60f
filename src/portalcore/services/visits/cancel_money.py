"""The money of a cancellation: the late fee (paid from the visit's deposit first, the rest charged to the card on
file) and what becomes of the rest of the deposit (kept, refunded, or moved to the patient's wallet).

The payment provider is called outside any transaction; what it did is written afterwards, with the
cancellation, so every row names what the patient was told.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency

from portalcore.domain.appointments import Appointment
from portalcore.domain.booking import CardOnFile, PaymentRecord
from portalcore.domain.errors import Conflict, InvalidInput, PaymentDeclined, PaymentUnavailable
from portalcore.domain.money import Money
from portalcore.domain.payments import Payment
from portalcore.domain.policies import CancelTerms
from portalcore.domain.timed_events import refund_job
from portalcore.ports import PaymentGateway, UnitOfWork

PAID = frozenset({"succeeded", "captured"})  # a deposit that took money (an authorization alone did not)


def visit_deposits(uow: UnitOfWork, visit: Appointment) -> list[PaymentRecord]:
    """The deposits paid for ``visit``, oldest first."""
    return [p for p in uow.bookings.patient_payments(visit.patient_id)
            if p.kind == "deposit" and p.appointment_id == visit.id and p.status in PAID]


def deposit_total(deposits: list[PaymentRecord], currency: str) -> Money:
    return Money(sum(p.amount.cents for p in deposits), currency)


class CancelMoney:
    """Settles one cancellation's money with the payment provider, then records it."""

    def __init__(self, payments: PaymentGateway, visit: Appointment, terms: CancelTerms) -> None:
        self._payments, self._visit, self.terms = payments, visit, terms
        self._key = f"appointment:{visit.id}"
        self.fee_payment: Payment | None = None
        self.fee_status = "owed"
        self.refunded = Money(0, terms.fee.currency)
        self.pending: list[tuple[str, int]] = []  # (the deposit's payment id, cents) still to refund

    @property
    def fee_charged(self) -> bool:
        return self.fee_payment is not None

    def charge_fee(self, cards: list[CardOnFile]) -> None:
        """Charges the part of the fee the deposit does not cover to the first card on file; a decline or an
        unreachable provider leaves it owed."""
        if not self.terms.to_charge.cents or not cards:
            return
        try:
            self.fee_payment = self._payments.charge(
                customer_id=cards[0].customer_id, payment_method_id=cards[0].payment_method_id,
                amount_cents=self.terms.to_charge.cents, currency=self.terms.to_charge.currency,
                idempotency_key=f"{self._key}:cancellation-fee", description="Late cancellation fee")
            self.fee_status = self.fee_payment.status.value
        except (PaymentDeclined, PaymentUnavailable):
            self.fee_status = "declined"

    def refund_deposit(self, deposits: list[PaymentRecord]) -> None:
        """Under the "refund" rule, gives back what the fee left of the deposit to the cards it was paid with; a
        refund the provider cannot make now is recorded as pending for the clinic to finish."""
        if self.terms.deposit_rule != "refund":
            return
        left = self.terms.deposit_left.cents
        for deposit in deposits:
            amount = min(left, deposit.amount.cents)
            if amount <= 0:
                break
            left -= amount
            try:
                self._payments.refund(deposit.provider_payment_id, amount_cents=amount,
                                      idempotency_key=self.refund_key(deposit.provider_payment_id))
            except (PaymentUnavailable, PaymentDeclined, Conflict, InvalidInput):
                self.pending.append((deposit.provider_payment_id, amount))  # the worker finishes it (record)
                continue
            self.refunded += Money(amount, self.refunded.currency)

    def refund_key(self, payment_id: str) -> str:
        return f"{self._key}:deposit-refund:{payment_id}"

    def record(self, uow: UnitOfWork, now: datetime) -> None:
        """Writes what was charged, refunded or credited, in the cancellation's transaction."""
        visit, terms, currency = self._visit, self.terms, self.terms.fee.currency

        def add(kind: str, amount: Money, status: str, provider_id: str = "", simulated: bool = False) -> None:
            uow.bookings.add_payment(PaymentRecord(
                idempotency_key=f"{self._key}:{kind}", patient_id=visit.patient_id, kind=kind,
                provider_payment_id=provider_id, amount=amount, status=status, simulated=simulated,
                appointment_id=visit.id), now)

        if terms.to_charge.cents:
            payment = self.fee_payment
            add("cancellation_fee", terms.to_charge, self.fee_status, payment.id if payment else "",
                bool(payment and payment.simulated))
        if terms.deposit_rule == "refund" and terms.deposit_left.cents:
            if self.refunded.cents:
                add("deposit_refund", self.refunded, "refunded", simulated=self._payments.simulated)
            for payment_id, cents in self.pending:  # each finished by a timed job with the same key
                amount = Money(cents, currency)
                uow.bookings.add_payment(PaymentRecord(
                    idempotency_key=f"{self._key}:refund_pending:{payment_id}", patient_id=visit.patient_id,
                    kind="refund_pending", provider_payment_id=payment_id, amount=amount, status="pending",
                    simulated=self._payments.simulated, appointment_id=visit.id), now)
                uow.jobs.add(refund_job(payment_id, cents, currency, self.refund_key(payment_id), visit.id or 0,
                                        visit.patient_id, now), now)
        elif terms.deposit_rule == "wallet" and terms.deposit_left.cents:
            add("wallet_credit", Money(terms.deposit_left.cents, currency), "credit")


def money_context(money: CancelMoney, language: str) -> dict[str, Any]:
    """The amounts of the cancellation email, formatted for the patient's language ("" for none)."""
    def shown(amount: Money) -> str:
        return format_currency(Decimal(amount.cents) / 100, amount.currency, locale=language) if amount.cents else ""

    terms = money.terms
    return {"fee": shown(terms.fee), "fee_charged": money.fee_charged, "deposit": shown(terms.deposit),
            "deposit_to_fee": shown(terms.deposit_to_fee), "to_charge": shown(terms.to_charge),
            "deposit_left": shown(terms.deposit_left), "deposit_rule": terms.deposit_rule,
            "refunded": shown(money.refunded), "refund_pending": shown(terms.deposit_left - money.refunded)
            if terms.deposit_rule == "refund" else ""}
