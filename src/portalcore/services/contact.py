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
