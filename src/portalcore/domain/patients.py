"""Patients and the checks on their contact details."""

from __future__ import annotations

import unicodedata
from datetime import date

import attrs

from portalcore.domain.errors import InvalidInput

NAME_MAX = 100
GIVE_NAMES = "Please give your first and last name."
NAME_TOO_LONG = "Please shorten your name to 100 characters or fewer."


@attrs.frozen
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "US"


@attrs.frozen
class Patient:
    first_name: str
    last_name: str
    email: str = ""  # stored lower-cased; unique per clinic when present
    mobile: str = ""  # E.164, e.g. +12125550123
    date_of_birth: date | None = None
    address: Address = Address()
    language: str = "en"
    id: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively: one patient per address whatever the capitals."""
    return email.strip().lower()


OLDEST_BIRTH_DATE = date(1900, 1, 1)


def plausible_birth_date(born: date | None, today: date) -> bool:
    """A birth date a person can have: not in the future and not before 1900 (none given is fine)."""
    return born is None or OLDEST_BIRTH_DATE <= born <= today


def clean_name(text: str) -> str:
    """A person's name as typed, made safe to store and show: NFC, invisible format characters (zero-width
    spaces, direction marks) removed, runs of white space made one space. Empty when nothing readable is left:
    control characters, or no letter at all (a name of dots or zero-width spaces). Raises ``InvalidInput`` for
    a name over ``NAME_MAX`` characters."""
    kept = "".join(char for char in unicodedata.normalize("NFC", text)
                   if unicodedata.category(char) != "Cf")
    if any(unicodedata.category(char) == "Cc" and not char.isspace() for char in kept):
        return ""
    name = " ".join(kept.split())
    if len(name) > NAME_MAX:
        raise InvalidInput(NAME_TOO_LONG)
    return name if any(unicodedata.category(char).startswith("L") for char in name) else ""


def check_names(first_name: str, last_name: str) -> tuple[str, str]:
    """Both names cleaned (``clean_name``); raises ``InvalidInput`` when either has nothing readable left."""
    first, last = clean_name(first_name), clean_name(last_name)
    if not first or not last:
        raise InvalidInput(GIVE_NAMES)
    return first, last
