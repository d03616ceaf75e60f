"""Checking and normalizing emails and phone numbers with email-validator and phonenumbers."""

from __future__ import annotations

import email_validator
import phonenumbers

from portalcore.domain.errors import InvalidInput
from portalcore.domain.patients import normalize_email


def check_email(email: str) -> str:
    """The normalized address; raises ``InvalidInput`` with the reason when it cannot receive mail."""
    try:
        result = email_validator.validate_email(email.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise InvalidInput(f"{email.strip()!r} is not a valid email address: {error}") from None
    return normalize_email(result.normalized)


def check_mobile(number: str, region: str = "US") -> str:
    """The number in E.164 form (+12125550123); raises ``InvalidInput`` when it is not a real number."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{number!r} is not a phone number.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(f"{number!r} is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# What a text can reach: a toll-free or premium-rate number (SMS pumping), a landline or a pager cannot prove that
# someone holds a mobile phone. Where the numbering plan does not tell mobiles apart (the US), it says
# FIXED_LINE_OR_MOBILE.
TEXTABLE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
NOT_A_MOBILE = "Please give a mobile number that can receive text messages."


def check_texting_number(number: str, region: str = "US") -> str:
    """Like ``check_mobile``, and the number must be a mobile (or a number that may be one); raises
    ``InvalidInput`` for toll-free, premium-rate, shared-cost, landline and other numbers."""
    checked = check_mobile(number, region)
    if phonenumbers.number_type(phonenumbers.parse(checked)) not in TEXTABLE:
        raise InvalidInput(NOT_A_MOBILE)
    return checked
