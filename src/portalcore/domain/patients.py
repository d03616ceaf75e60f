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
