"""The waitlist: patients who want a visit sooner than the calendar offers, and the offers a freed time makes.

When a booked time frees up, the patients waiting for that kind of visit, with that provider (or any) and on
that day, are offered it in the order they joined; the first to accept books it and the rest are told it is
gone. Pure rules; times come in as arguments.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum

import attrs

from portalcore.domain.errors import InvalidInput

ANY_PROVIDER = "any"
MAX_RANGE = timedelta(days=92)
OFFERS_PER_FREED_TIME = 5


class EntryState(str, Enum):
    WAITING = "waiting"
    BOOKED = "booked"
    LEFT = "left"


class OfferState(str, Enum):
    OPEN = "open"
    TAKEN = "taken"  # this patient booked it
    GONE = "gone"  # someone else was quicker, or it ran out


@attrs.frozen
class WaitlistEntry:
    patient_id: int
    services: tuple[str, ...]
    provider: str  # a provider slug or "any"
    first_day: date  # clinic-local days, both included
    last_day: date
    state: EntryState = EntryState.WAITING
    created_at: datetime | None = None
    id: int | None = None

    def __attrs_post_init__(self) -> None:
        if not self.services:
            raise InvalidInput("Choose at least one service to wait for.")
        if self.last_day < self.first_day:
            raise InvalidInput("The last day must not be before the first day.")
        if self.last_day - self.first_day > MAX_RANGE:
            raise InvalidInput("Wait for at most three months at a time.")

    def wants(self, provider: str, day: date) -> bool:
        """Whether a time with ``provider`` on local ``day`` is one this patient waits for."""
        return (self.state is EntryState.WAITING and self.first_day <= day <= self.last_day
                and self.provider in (ANY_PROVIDER, provider))


@attrs.frozen
class WaitlistOffer:
    entry_id: int
    patient_id: int
    token_hash: str
    provider: str
    location: str
    services: tuple[str, ...]
    start_at: datetime
    expires_at: datetime
    state: OfferState = OfferState.OPEN
    id: int | None = None

    def open(self, now: datetime) -> bool:
        return self.state is OfferState.OPEN and now < self.expires_at
