"""Cards and money, through a payment provider."""

from __future__ import annotations

from typing import Protocol

from portalcore.domain.payments import Customer, Payment, Refund, SavedCard


class PaymentGateway(Protocol):
    """Cards and money. Every call that changes something takes an idempotency key; declines raise ``PaymentDeclined``."""

    simulated: bool

    def create_customer(self, *, email: str, name: str, idempotency_key: str) -> Customer: ...
    def save_card(self, *, customer_id: str, payment_method: str, idempotency_key: str) -> SavedCard: ...
    def authorize(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        """Holds an amount on a card without taking it (manual capture)."""

    def capture(self, payment_id: str, *, idempotency_key: str) -> Payment: ...
    def cancel(self, payment_id: str, *, idempotency_key: str) -> Payment:
        """Releases a hold."""

    def charge(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        """Takes an amount from a saved card at once (deposits, cancellation fees)."""

    def refund(self, payment_id: str, *, amount_cents: int, idempotency_key: str) -> Refund: ...
