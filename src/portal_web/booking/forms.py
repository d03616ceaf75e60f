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
    resume: str = ""  # the hold of a checkout that lost its time: what was typed there comes along


class DetailsForm(CaptchaFields, kw_only=True):
    """Step 1 of the checkout; what it says is kept on the server by the hold (never in the URL or the pages).
    Step 1 texts a code, so it carries the human check too (when the clinic has a CAPTCHA provider)."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""


class CodeForm(Struct, kw_only=True):
    """Step 2: the code texted to the mobile number."""

    code: str = ""


class ConfirmForm(Struct, kw_only=True):
    """Step 3: the policy and the card."""

    accept_policy: str = ""
    payment_method: str = ""
