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
