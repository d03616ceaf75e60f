"""What the booking forms send (URL-encoded). Fields a person types arrive as text and are checked by the services."""

from __future__ import annotations

from msgspec import Struct

from portal_web.captcha import CaptchaFields


class HoldForm(Struct, kw_only=True):
    """A time button on the times page: the time, with whom and where, and the week to show again if taken."""

    services: str
    choice: str  # what the patient chose on the provider page: a provider slug or "any"
    provider: str  # who the time is with
    location: str = ""
    start_at: str
    week: str = ""


class DetailsForm(CaptchaFields, kw_only=True):
    """Step 1 of the checkout; later steps carry the same fields in hidden inputs (never in the URL). Step 1
    texts a code, so it carries the human check too (when the clinic has a CAPTCHA provider)."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""


class CodeForm(DetailsForm, kw_only=True):
    """Step 2: the code texted to the mobile number."""

    phone_token: str
    code: str = ""


class ConfirmForm(DetailsForm, kw_only=True):
    """Step 3: the policy and the card."""

    phone_token: str
    accept_policy: str = ""
    payment_method: str = ""
