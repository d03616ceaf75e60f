"""Cards and money through Stripe (PaymentIntents, SetupIntents, Refunds) with one ``StripeClient`` per gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import stripe

from portalcore.domain.errors import Conflict, InvalidInput, NotFound, PaymentDeclined, PaymentUnavailable
from portalcore.domain.payments import Customer, Payment, PaymentStatus, Refund, SavedCard

T = TypeVar("T")

# Stripe's decline codes worth telling the patient; the rest (generic_decline, do_not_honor …) say nothing useful.
# Whole sentences, so each can be translated where it is shown.
DECLINED = "Your card was declined."
_DECLINE_REASONS = {
    "insufficient_funds": "Your card was declined (insufficient funds).",
    "expired_card": "Your card was declined (the card has expired).",
    "incorrect_cvc": "Your card was declined (the security code is incorrect).",
    "incorrect_number": "Your card was declined (the card number is incorrect).",
    "card_velocity_exceeded": "Your card was declined (the card's limit was reached).",
    "card_not_supported": "Your card was declined (the card does not support this purchase).",
    "currency_not_supported": "Your card was declined (the card does not support this currency).",
    "authentication_required": "Your card was declined (the bank asks you to confirm the payment yourself).",
}
# After ``confirm=True`` these mean the card did not go through without the patient present.
_NOT_THROUGH = {"requires_payment_method", "requires_action", "requires_confirmation"}


def _declined(decline_code: str | None) -> PaymentDeclined:
    """The decline a patient sees, with the reason when the bank gave a useful one."""
    return PaymentDeclined(_DECLINE_REASONS.get(decline_code or "", DECLINED))


def _check_amount(amount_cents: int, currency: str | None = None) -> None:
    # checked here as well as by Stripe so both gateways refuse the same input with the same error
    # (bool is an int subclass; True cents is a bug, not an amount)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput("The amount must be a positive whole number of cents.")
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise InvalidInput("The currency must be a three-letter code such as USD.")


def _field(obj: Any, name: str, default: Any = None) -> Any:
    # StripeObject is not a dict; a missing field raises AttributeError, so getattr's default works
    return default if obj is None else getattr(obj, name, default)


class StripePaymentGateway:
    """``PaymentGateway`` on Stripe. Off-session card payments against cards saved with SetupIntents.

    Card problems raise ``PaymentDeclined``; outages, bad keys and Stripe failures raise ``PaymentUnavailable``.
    """

    simulated = False

    def __init__(self, secret_key: str, *, api_base: str = "", max_network_retries: int = 2) -> None:
        # Our own HTTP client so close() can release its connections (tests run with ResourceWarning as error).
        self._http = stripe.new_default_http_client()
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self._http,
        )

    def close(self) -> None:
        """Releases pooled connections to Stripe."""
        self._http.close()

    def create_customer(self, *, email: str, name: str, idempotency_key: str) -> Customer:
        customer = self._call(lambda: self._client.v1.customers.create(
            {"email": email, "name": name}, {"idempotency_key": idempotency_key}))
        return Customer(id=customer.id)

    def save_card(self, *, customer_id: str, payment_method: str, idempotency_key: str) -> SavedCard:
        intent = self._call(lambda: self._client.v1.setup_intents.create(
            {
                "customer": customer_id, "payment_method": payment_method, "confirm": True,
                "usage": "off_session", "payment_method_types": ["card"],
                # expanded so brand and last4 come back without a second request
                "expand": ["payment_method"],
            },
            {"idempotency_key": idempotency_key}))
        if intent.status != "succeeded":
            error = _field(intent, "last_setup_error")
            raise _declined(_field(error, "decline_code") or _field(error, "code"))
        method = intent.payment_method
        if isinstance(method, str):
            return SavedCard(payment_method_id=method)
        card = _field(method, "card")
        return SavedCard(payment_method_id=method.id, brand=_field(card, "brand", "") or "",
                         last4=_field(card, "last4", "") or "")

    def authorize(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        return self._create_intent(customer_id, payment_method_id, amount_cents, currency, idempotency_key,
                                   description, capture_method="manual")

    def charge(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        return self._create_intent(customer_id, payment_method_id, amount_cents, currency, idempotency_key,
                                   description, capture_method="automatic")

    def capture(self, payment_id: str, *, idempotency_key: str) -> Payment:
        intent = self._call(lambda: self._client.v1.payment_intents.capture(
            payment_id, None, {"idempotency_key": idempotency_key}))
        return self._payment(intent, captured=True)

    def cancel(self, payment_id: str, *, idempotency_key: str) -> Payment:
        intent = self._call(lambda: self._client.v1.payment_intents.cancel(
            payment_id, None, {"idempotency_key": idempotency_key}))
        return self._payment(intent, captured=False)

    def refund(self, payment_id: str, *, amount_cents: int, idempotency_key: str) -> Refund:
        _check_amount(amount_cents)
        refund = self._call(lambda: self._client.v1.refunds.create(
            {"payment_intent": payment_id, "amount": amount_cents}, {"idempotency_key": idempotency_key}))
        if refund.status in {"failed", "canceled"}:
            raise PaymentUnavailable("The refund did not go through; nothing was refunded. Please try again.")
        return Refund(id=refund.id, payment_id=payment_id, amount_cents=refund.amount)

    def _create_intent(
        self, customer_id: str, payment_method_id: str, amount_cents: int, currency: str, idempotency_key: str,
        description: str, *, capture_method: str,
    ) -> Payment:
        _check_amount(amount_cents, currency)
        params: dict[str, Any] = {
            "amount": amount_cents, "currency": currency.lower(), "customer": customer_id,
            "payment_method": payment_method_id, "capture_method": capture_method,
            "confirm": True, "off_session": True,
            # saved cards only: no redirect-based methods, so no return_url is needed off-session
            "payment_method_types": ["card"],
        }
        if description:
            params["description"] = description
        intent = self._call(lambda: self._client.v1.payment_intents.create(
            params, {"idempotency_key": idempotency_key}))
        return self._payment(intent, captured=False)

    @staticmethod
    def _payment(intent: Any, *, captured: bool) -> Payment:
        status = intent.status
        if status in _NOT_THROUGH:
            error = _field(intent, "last_payment_error")
            raise _declined(_field(error, "decline_code") or _field(error, "code"))
        if status == "requires_capture":
            mapped = PaymentStatus.AUTHORIZED
        elif status == "canceled":
            mapped = PaymentStatus.CANCELLED
        elif status in {"succeeded", "processing"}:
            # processing is brief for cards and ends in succeeded (or a webhook-reported failure)
            mapped = PaymentStatus.CAPTURED if captured else PaymentStatus.SUCCEEDED
        else:
            raise PaymentUnavailable("The payment service answered with an unexpected status (%(status)s).",
                                     status=status)
        amount = intent.amount_received if captured and _field(intent, "amount_received") else intent.amount
        return Payment(id=intent.id, amount_cents=amount, currency=str(intent.currency).upper(), status=mapped)

    @staticmethod
    def _call(request: Callable[[], T]) -> T:
        """Runs one Stripe request and turns the SDK's errors into the portal's."""
        try:
            return request()
        except stripe.CardError as exc:
            raise _declined(_field(exc.error, "decline_code") or exc.code) from exc
        except stripe.IdempotencyError as exc:
            raise Conflict("This request was already sent once with different details.") from exc
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                raise NotFound("The payment service does not know that customer, card or payment.") from exc
            if exc.code == "payment_intent_unexpected_state":
                raise Conflict("This payment can no longer be changed that way.") from exc
            if exc.code == "charge_already_refunded" or (exc.code or "").startswith("amount_"):
                raise InvalidInput("That amount cannot be refunded or charged for this payment.") from exc
            raise PaymentUnavailable("The payment service refused the request; nothing was charged.") from exc
        except stripe.StripeError as exc:
            # connection failures, 5xx, rate limits and a wrong or revoked key all mean: not now, nothing happened
            raise PaymentUnavailable() from exc
