"""Checking and normalizing emails and phone numbers with email-validator and phonenumbers."""

from __future__ import annotations

import email_validator
import phonenumbers

from portalcore.domain.errors import InvalidInput
from portalcore.domain.patients import normalize_email

# email-validator explains in English only; the sentence is ours so that it can be translated
NOT_AN_EMAIL = "'%(email)s' is not a valid email address. Please check it for typos."


def check_email(email: str) -> str:
    """The normalized address; raises ``InvalidInput`` when it cannot receive mail."""
    try:
        result = email_validator.validate_email(email.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise InvalidInput(NOT_AN_EMAIL, email=email.strip()) from None
    return normalize_email(result.normalized)


def check_mobile(number: str, region: str = "US") -> str:
    """The number in E.164 form (+12125550123); raises ``InvalidInput`` when it is not a real number."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("'%(number)s' is not a phone number.", number=number) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("'%(number)s' is not a valid phone number.", number=number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
