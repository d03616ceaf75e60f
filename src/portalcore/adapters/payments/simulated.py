"""The offline demo payment gateway: behaves like Stripe's test mode and writes what it did to ``simulated_payment``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portalcore.adapters.sql.tables import SimulatedPaymentRow as Row
from portalcore.domain.errors import Conflict, InvalidInput, NotFound, PaymentDeclined
from portalcore.domain.payments import Customer, Payment, PaymentStatus, Refund, SavedCard
from portalcore.ports import Clock

# Stripe's test payment methods, so a demo clinic can rehearse declines with the tokens its staff will meet in test mode.
_TEST_CARDS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_mastercard": ("mastercard", "4444"),
    "pm_card_amex": ("amex", "0005"),
    "pm_card_discover": ("discover", "1117"),
    "pm_card_chargeDeclined": ("visa", "0002"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995"),
    "pm_card_visa_chargeDeclined": ("visa", "0341"),
}
# As in Stripe: these cards cannot even be saved …
_DECLINE_ON_SAVE = {"pm_card_chargeDeclined": "generic_decline",
                    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds"}
# … while this one saves fine and fails only when money is asked for.
_DECLINE_ON_CHARGE = {**_DECLINE_ON_SAVE, "pm_card_visa_chargeDeclined": "generic_decline"}
_REASONS = {"insufficient_funds": "Your card was declined (insufficient funds)."}  # whole sentences, translated
# A declined attempt is recorded with its decline code in front of the description, so a replay says the same.
_DECLINE_PREFIX = re.compile(r"^\[(\w+)\] ")


@dataclass(frozen=True)
class SimulatedOperation:
    """One thing the simulated gateway did, as shown to staff: a customer, card, hold, capture, cancel, charge or refund."""

    id: str
    kind: str
    idempotency_key: str
    customer_id: str
    payment_id: str
    amount_cents: int
    currency: str
    status: str
    description: str
    created_at: datetime


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _declined(code: str) -> PaymentDeclined:
    return PaymentDeclined(_REASONS.get(code, "Your card was declined."))


def _check_amount(amount_cents: int, currency: str | None = None) -> None:
    # bool is an int subclass; True cents is a bug, not an amount
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput("The amount must be a positive whole number of cents.")
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise InvalidInput("The currency must be a three-letter code such as USD.")


class SimulatedPaymentGateway:
    """``PaymentGateway`` that moves no money: the default for demos and offline use.

    Every call is one short transaction that writes a ``simulated_payment`` row; the idempotency key is unique there,
    so repeating a call with the same key returns the first result and writes nothing.
    """

    simulated = True

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def create_customer(self, *, email: str, name: str, idempotency_key: str) -> Customer:
        def write(session: Session) -> Row:
            return self._add(session, Row(id=_new_id("sim_cus"), kind="customer", idempotency_key=idempotency_key,
                                          status="active", description=f"{name} <{email}>"[:400]))

        return Customer(id=self._once(idempotency_key, "customer", write).id, simulated=True)

    def save_card(self, *, customer_id: str, payment_method: str, idempotency_key: str) -> SavedCard:
        def write(session: Session) -> Row:
            self._customer(session, customer_id)
            if payment_method in _DECLINE_ON_SAVE:
                raise _declined(_DECLINE_ON_SAVE[payment_method])
            # the token is kept so later charges on this card behave as that test card does
            return self._add(session, Row(id=_new_id("sim_pm"), kind="card", idempotency_key=idempotency_key,
                                          customer_id=customer_id, status="saved", description=payment_method[:400]))

        row = self._once(idempotency_key, "card", write)
        brand, last4 = _TEST_CARDS.get(row.description, ("visa", "4242"))
        return SavedCard(payment_method_id=row.id, brand=brand, last4=last4, simulated=True)

    def authorize(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        return self._pay(customer_id, payment_method_id, amount_cents, currency, idempotency_key, description, True)

    def charge(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        return self._pay(customer_id, payment_method_id, amount_cents, currency, idempotency_key, description, False)

    def capture(self, payment_id: str, *, idempotency_key: str) -> Payment:
        return self._transition(payment_id, idempotency_key, "capture", PaymentStatus.CAPTURED)

    def cancel(self, payment_id: str, *, idempotency_key: str) -> Payment:
        return self._transition(payment_id, idempotency_key, "cancel", PaymentStatus.CANCELLED)

    def refund(self, payment_id: str, *, amount_cents: int, idempotency_key: str) -> Refund:
        _check_amount(amount_cents)

        def write(session: Session) -> Row:
            payment = session.exec(select(Row).where(Row.id == payment_id).with_for_update()).first()
            if payment is None or payment.kind != "payment":
                raise NotFound("There is no such payment.")
            if payment.status not in {PaymentStatus.CAPTURED.value, PaymentStatus.SUCCEEDED.value}:
                raise Conflict("Only money taken can be refunded; this payment is %(status)s.", status=payment.status)
            refund = self._add(session, Row(
                id=_new_id("sim_re"), kind="refund", idempotency_key=idempotency_key, customer_id=payment.customer_id,
                payment_id=payment_id, amount_cents=amount_cents, currency=payment.currency, status="succeeded"))
            # summed after our own insert, which holds the write lock, so two refunds cannot both squeeze in
            refunded = session.exec(select(func.sum(Row.amount_cents)).where(
                Row.kind == "refund", Row.payment_id == payment_id)).one()
            if refunded > payment.amount_cents:
                raise InvalidInput("That is more than is left to refund on this payment.")
            return refund

        row = self._once(idempotency_key, "refund", write, payment_id=payment_id)
        return Refund(id=row.id, payment_id=row.payment_id, amount_cents=row.amount_cents, simulated=True)

    def history(self, customer_id: str | None = None) -> list[SimulatedOperation]:
        """Everything recorded, oldest first, optionally for one customer only."""
        query = select(Row)
        if customer_id is not None:
            query = query.where(or_(Row.customer_id == customer_id, Row.id == customer_id))
        with Session(self.engine) as session:
            rows = session.exec(query.order_by(Row.created_at, Row.id)).all()
            return [SimulatedOperation(
                id=r.id, kind=r.kind, idempotency_key=r.idempotency_key, customer_id=r.customer_id,
                payment_id=r.payment_id, amount_cents=r.amount_cents, currency=r.currency, status=r.status,
                description=r.description, created_at=r.created_at) for r in rows]

    def _pay(
        self, customer_id: str, payment_method_id: str, amount_cents: int, currency: str, idempotency_key: str,
        description: str, hold: bool,
    ) -> Payment:
        _check_amount(amount_cents, currency)

        def write(session: Session) -> Row:
            self._customer(session, customer_id)
            token = self._card_token(session, customer_id, payment_method_id)
            code = _DECLINE_ON_CHARGE.get(token)
            # a declined attempt is kept (as Stripe keeps the failed PaymentIntent) so a replay declines again
            status = "declined" if code else (PaymentStatus.AUTHORIZED if hold else PaymentStatus.SUCCEEDED).value
            text = f"[{code}] {description}" if code else description
            return self._add(session, Row(
                id=_new_id("sim_pi"), kind="payment", idempotency_key=idempotency_key, customer_id=customer_id,
                amount_cents=amount_cents, currency=currency.upper(), status=status, description=text[:400]))

        row = self._once(idempotency_key, "payment", write)
        if row.status == "declined":
            match = _DECLINE_PREFIX.match(row.description)
            raise _declined(match.group(1) if match else "generic_decline")
        # the answer to the original call: a hold captured or cancelled since was still a hold then
        original = PaymentStatus.SUCCEEDED if row.status == PaymentStatus.SUCCEEDED.value else PaymentStatus.AUTHORIZED
        return Payment(id=row.id, amount_cents=row.amount_cents, currency=row.currency, status=original, simulated=True)

    def _transition(self, payment_id: str, idempotency_key: str, kind: str, after: PaymentStatus) -> Payment:
        def write(session: Session) -> Row:
            # the log row goes in first: a racing call with the same key fails here and replays instead
            log = self._add(session, Row(id=_new_id(f"sim_{kind[:3]}"), kind=kind, idempotency_key=idempotency_key,
                                         payment_id=payment_id, status=after.value))
            payment = session.get(Row, payment_id)
            if payment is None or payment.kind != "payment":
                raise NotFound("There is no such payment.")
            before = payment.status
            # conditional update, so two different keys cannot both capture (or capture and cancel) one hold
            changed = session.exec(update(Row).where(
                Row.id == payment_id, Row.status == PaymentStatus.AUTHORIZED.value).values(status=after.value))
            if changed.rowcount != 1:
                raise Conflict("This payment is %(before)s; only a hold can be %(after)s.", before=before, after=after.value)
            log.customer_id, log.amount_cents, log.currency = payment.customer_id, payment.amount_cents, payment.currency
            return log

        row = self._once(idempotency_key, kind, write, payment_id=payment_id)
        return Payment(id=payment_id, amount_cents=row.amount_cents, currency=row.currency, status=after,
                       simulated=True)

    def _once(self, key: str, kind: str, write: Callable[[Session], Row], payment_id: str = "") -> Row:
        """The row ``key`` stands for: the one written earlier, or the one ``write`` adds in a new transaction."""
        existing = self._by_key(key, kind, payment_id)
        if existing is not None:
            return existing
        # expire_on_commit=False: the row is read after the session closes
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                row = write(session)
                session.commit()
                return row
            except IntegrityError:
                # another call with the same key committed between our check and our insert
                session.rollback()
                existing = self._by_key(key, kind, payment_id)
                if existing is None:
                    raise
                return existing

    def _by_key(self, key: str, kind: str, payment_id: str) -> Row | None:
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.exec(select(Row).where(Row.idempotency_key == key)).first()
        if row is not None and (row.kind != kind or (payment_id and row.payment_id != payment_id)):
            raise Conflict("This idempotency key was already used for a different request.")
        return row

    def _add(self, session: Session, row: Row) -> Row:
        row.created_at = self.clock.now()
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def _customer(session: Session, customer_id: str) -> None:
        row = session.get(Row, customer_id)
        if row is None or row.kind != "customer":
            raise NotFound("There is no such customer.")

    @staticmethod
    def _card_token(session: Session, customer_id: str, payment_method_id: str) -> str:
        # a saved card (sim_pm_…) stands for its test token; a raw token is used as given, as Stripe test mode allows
        if not payment_method_id.startswith("sim_pm_"):
            return payment_method_id
        row = session.get(Row, payment_method_id)
        if row is None or row.kind != "card" or row.customer_id != customer_id:
            raise NotFound("That card is not saved for this customer.")
        return row.description
