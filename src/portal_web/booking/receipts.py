"""What was paid for a booking, shown on the confirmation page right after booking.

The core does not yet offer a way to read a booking's payment records back by reference, so the answer of
``checkout.confirm`` travels to the confirmation page in a flash cookie (``portal_web/flash.py``) scoped to that
booking's path (never in the URL), kept for an hour. Replace this with a core read once it exists.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from litestar.datastructures import Cookie

from portal_web.flash import flash_cookie, read_flash
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


def receipt_cookie(secret: str, reference: str, receipt: Receipt, secure: bool) -> Cookie:
    """The receipt for ``reference``, signed so it cannot be edited in the browser."""
    facts = {"cents": receipt.deposit_paid.cents, "currency": receipt.deposit_paid.currency,
             "brand": receipt.card_brand, "last4": receipt.card_last4, "simulated": receipt.simulated}
    return flash_cookie(secret, COOKIE, f"/bookings/{reference}", facts, secure=secure, max_age=MAX_AGE)


def read_receipt(secret: str, reference: str, cookies: Mapping[str, str]) -> Receipt | None:
    """The receipt in the cookie when it is for ``reference`` and untouched, else None."""
    facts = read_flash(secret, COOKIE, f"/bookings/{reference}", cookies)
    try:
        return Receipt(Money(int(facts["cents"]), str(facts["currency"])), str(facts["brand"]),
                       str(facts["last4"]), bool(facts["simulated"])) if facts else None
    except (KeyError, TypeError, ValueError):
        return None
