"""Likely duplicate patient profiles, for the front desk to review (nothing is merged automatically).

Two profiles are likely the same person when they share a normalized name and a date of birth, or a mobile
number. A self sign-up with a new email address creates a new profile; this is how the front desk finds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import Enum

import attrs

from portalcore.domain.patients import Patient


class DuplicateReason(str, Enum):
    NAME_AND_BIRTH_DATE = "name_and_birth_date"
    MOBILE = "mobile"


@attrs.frozen
class DuplicateGroup:
    """Profiles that look like one person, oldest first, and what they share."""

    reason: DuplicateReason
    shared: str  # "lucia fernandez 1985-02-19" or "+19175550167"
    patients: tuple[Patient, ...]


def name_key(first_name: str, last_name: str) -> str:
    """The name as the front desk would compare it: accents, case, punctuation and spacing do not count
    ("Lucía  Fernández" and "lucia fernandez" match; so do "Mary-Jane" and "Mary Jane")."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def likely_duplicates(patients: Iterable[Patient]) -> list[DuplicateGroup]:
    """Groups of two or more profiles with the same normalized name and date of birth, then groups sharing a
    mobile number; a pair can appear under both reasons. Profiles without a birth date or a mobile are only
    compared on what they have."""
    by_name: dict[str, list[Patient]] = {}
    by_mobile: dict[str, list[Patient]] = {}
    for patient in sorted(patients, key=lambda p: p.id or 0):
        if patient.date_of_birth is not None:
            key = f"{name_key(patient.first_name, patient.last_name)} {patient.date_of_birth.isoformat()}"
            by_name.setdefault(key, []).append(patient)
        if patient.mobile:
            by_mobile.setdefault(patient.mobile, []).append(patient)
    return ([DuplicateGroup(DuplicateReason.NAME_AND_BIRTH_DATE, key, tuple(group))
             for key, group in sorted(by_name.items()) if len(group) > 1]
            + [DuplicateGroup(DuplicateReason.MOBILE, key, tuple(group))
               for key, group in sorted(by_mobile.items()) if len(group) > 1])
