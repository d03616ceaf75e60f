"""What a payment provider tells us back. Amounts are cents."""

from __future__ import annotations

from enum import Enum

import attrs


class PaymentStatus(str, Enum):
    AUTHORIZED = "authorized"  # held on the card, not yet taken
    CAPTURED = "captured"
    CANCELLED = "cancelled"  # hold released
    REFUNDED = "refunded"
    SUCCEEDED = "succeeded"  # charged at once


@attrs.frozen
class Customer:
    id: str
    simulated: bool = False


@attrs.frozen
class SavedCard:
    """A card kept on the customer for later fees (a SetupIntent's payment method)."""

    payment_method_id: str
    brand: str = ""
    last4: str = ""
    simulated: bool = False


@attrs.frozen
class Payment:
    id: str
    amount_cents: int
    currency: str
    status: PaymentStatus
    simulated: bool = False


@attrs.frozen
class Refund:
    id: str
    payment_id: str
    amount_cents: int
    simulated: bool = False
