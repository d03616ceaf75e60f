"""What was paid for a booking, shown on the confirmation page right after booking.

The core does not yet offer a way to read a booking's payment records back by reference, so the answer of
``checkout.confirm`` travels to the confirmation page in a short-lived, signed, HttpOnly cookie scoped to that
booking's path (never in the URL). Replace this with a core read once it exists.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

import attrs
from litestar.datastructures import Cookie

from portalcore.domain.money import Money
from portalcore.services.booking.checkout import Confirmation

COOKIE = "receipt"
MAX_AGE = 3600


@attrs.frozen
class Receipt:
    deposit_paid: Money
    card_brand: str
    card_last4: str
    simulated: bool


def receipt_of(confirmation: Confirmation) -> Receipt:
    card = confirmation.card
    return Receipt(confirmation.deposit_paid, card.brand if card else "", card.last4 if card else "",
                   confirmation.simulated_payment)


def _signature(secret: str, reference: str, payload: str) -> str:
    key = hashlib.sha256(f"portal_web.receipt:{secret}".encode()).digest()
    return hmac.new(key, f"{reference}|{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def receipt_cookie(secret: str, reference: str, receipt: Receipt, secure: bool) -> Cookie:
    """The receipt for ``reference``, signed so it cannot be edited in the browser."""
    payload = "|".join([str(receipt.deposit_paid.cents), receipt.deposit_paid.currency, receipt.card_brand,
                        receipt.card_last4, "1" if receipt.simulated else "0"])
    value = f"{payload}|{_signature(secret, reference, payload)}"
    return Cookie(key=COOKIE, value=value, path=f"/bookings/{reference}", max_age=MAX_AGE, secure=secure,
                  httponly=True, samesite="lax")


def read_receipt(secret: str, reference: str, cookies: Mapping[str, str]) -> Receipt | None:
    """The receipt in the cookie when it is for ``reference`` and untouched, else None."""
    payload, _, signature = cookies.get(COOKIE, "").rpartition("|")
    if not payload or not hmac.compare_digest(signature, _signature(secret, reference, payload)):
        return None
    cents, currency, brand, last4, simulated = (payload.split("|") + [""] * 5)[:5]
    if not cents.isdigit():
        return None
    return Receipt(Money(int(cents), currency), brand, last4, simulated == "1")
