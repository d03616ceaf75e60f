"""Patients and the checks on their contact details."""

from __future__ import annotations

from datetime import date

import attrs


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
