"""Acting for someone else (seed 004): a carer or parent reaches a patient's portal within a scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import Enum
from zoneinfo import ZoneInfo

import attrs

MAJORITY_AGE = 18


class ProxyScope(str, Enum):
    ALL = "all"  # everything the patient sees
    VISITS_FORMS = "visits_forms"  # appointments and forms only, not the medical record or payments


class Area(str, Enum):
    """What part of a patient's portal a request touches."""

    PROFILE = "profile"
    VISITS = "visits"
    FORMS = "forms"
    RECORD = "record"  # the medical record (Cures Act)
    PAYMENTS = "payments"  # wallet, membership, cards
    SECURITY = "security"  # password, second factors, proxies: never by a proxy


_SCOPE_AREAS = {
    ProxyScope.ALL: frozenset(Area) - {Area.SECURITY},
    ProxyScope.VISITS_FORMS: frozenset({Area.VISITS, Area.FORMS}),
}


@attrs.frozen
class ProxyGrant:
    account_id: int
    patient_id: int
    scope: ProxyScope
    relationship: str = ""
    expires_at: datetime | None = None
    until_majority: bool = False
    granted_by: str = ""
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str = ""
    id: int | None = None

    def active(self, now: datetime, birth_date: date | None, zone: ZoneInfo) -> bool:
        """Not revoked, not expired, and, for a grant over a minor, the patient is not yet 18."""
        if self.revoked_at is not None or (self.expires_at is not None and now >= self.expires_at):
            return False
        return not (self.until_majority and birth_date is not None and now >= majority_at(birth_date, zone))

    def ends_at(self, birth_date: date | None, zone: ZoneInfo) -> datetime | None:
        """When the access runs out by itself (UTC): after its last day or, over a minor, at their 18th
        birthday, whichever comes first; None when it has no end."""
        ends = [self.expires_at] if self.expires_at is not None else []
        if self.until_majority and birth_date is not None:
            ends.append(majority_at(birth_date, zone).astimezone(UTC))
        return min(ends, default=None)

    def allows(self, area: Area) -> bool:
        return area in _SCOPE_AREAS[self.scope]


def majority_at(birth_date: date, zone: ZoneInfo) -> datetime:
    """The instant a person born on ``birth_date`` turns 18: local midnight of that birthday (29 February
    birthdays count from 1 March in common years)."""
    year = birth_date.year + MAJORITY_AGE
    try:
        day = birth_date.replace(year=year)
    except ValueError:  # 29 February
        day = date(year, 3, 1)
    return datetime.combine(day, time.min, tzinfo=zone)


def is_minor(birth_date: date | None, now: datetime, zone: ZoneInfo) -> bool:
    return birth_date is not None and now < majority_at(birth_date, zone)
