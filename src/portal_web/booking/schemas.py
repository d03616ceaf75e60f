"""What the booking endpoints of the JSON API take and send: strict msgspec structs, documented in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from portal_web.schemas import Cents, Currency, SlotRef, Slug

Instant = Annotated[datetime, Meta(tz=True, description="An instant with its UTC offset (ISO 8601), e.g. "
                                                        "2026-11-17T15:00:00Z.")]
Token = Annotated[str, Meta(min_length=1, max_length=200, description="An opaque token from an earlier answer.")]
ProviderChoice = Annotated[str, Meta(min_length=1, max_length=100,
                                     description='A provider slug, or "any" for the first available provider.')]
Services = Annotated[list[Slug], Meta(min_length=1, max_length=20,
                                      description="Service slugs, in the order they will be done.")]
Text = Annotated[str, Meta(max_length=200)]


class Slot(SlotRef, kw_only=True, forbid_unknown_fields=True):
    """A time the visit can start."""

    local_time: Annotated[str, Meta(description="The same instant in the clinic's time zone, ISO 8601.")]


class Availability(Struct, kw_only=True, forbid_unknown_fields=True):
    """Open start times, earliest first."""

    time_zone: Annotated[str, Meta(description="IANA time zone of the clinic.")]
    slots: list[Slot]


class HoldRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """Keep a time for a visit while the patient finishes booking."""

    services: Services
    provider: ProviderChoice
    start_at: Instant
    location: Slug | None = None


class HoldInfo(Struct, kw_only=True, forbid_unknown_fields=True):
    """A held time; nobody else is offered it until ``expires_at``."""

    token: Token
    expires_at: datetime
    provider: Slug
    location: Slug
    start_at: datetime
    end_at: datetime


class QuoteInfo(Struct, kw_only=True, forbid_unknown_fields=True):
    """What booking the held time will ask of the patient's card."""

    deposit_cents: Cents
    card_required: bool
    card_check_cents: Annotated[int, Meta(ge=0, description="A temporary authorization, released at once, "
                                                            "when a card is required but no deposit is due.")]
    currency: Currency
    policy_text: str


class PhoneCheckRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """Text a 6-digit code to this mobile number."""

    mobile: Annotated[str, Meta(min_length=1, max_length=40)]
    captcha_token: Annotated[str, Meta(max_length=4000, description=(
        "The token of the clinic's CAPTCHA widget; needed when the clinic has a CAPTCHA provider."))] = ""


class PhoneCheck(Struct, kw_only=True, forbid_unknown_fields=True):
    """A started phone check; the code went out by SMS."""

    token: Token
    phone: Annotated[str, Meta(description="The number in E.164 form.")]


class CodeRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """The code the patient received."""

    code: Annotated[str, Meta(min_length=1, max_length=20)]


class Verified(Struct, kw_only=True, forbid_unknown_fields=True):
    verified: bool


class BookingRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """Book a held time for a patient whose mobile number was verified."""

    hold: Token
    phone_check: Token
    first_name: Annotated[str, Meta(min_length=1, max_length=100)]
    last_name: Annotated[str, Meta(min_length=1, max_length=100)]
    email: Annotated[str, Meta(min_length=1, max_length=254)]
    mobile: Annotated[str, Meta(min_length=1, max_length=40)]
    payment_method: Annotated[str, Meta(max_length=200, description="A payment method id (Stripe pm_…), needed "
                                                                    "when the quote says card_required.")] = ""
    accept_policy: Annotated[bool, Meta(description="The patient read and accepted the cancellation policy.")]


class BookingInfo(Struct, kw_only=True, forbid_unknown_fields=True):
    """A booked visit. The payment fields are known in the answer to the booking; later reads give null."""

    reference: Annotated[str, Meta(description="The unguessable public handle of the booking.")]
    status: str
    start_at: datetime
    end_at: datetime
    provider: Slug
    location: Slug
    services: list[Slug]
    price_cents: Cents
    currency: Currency
    deposit_paid_cents: Cents | None
    card_last4: str | None
    simulated_payment: bool | None
