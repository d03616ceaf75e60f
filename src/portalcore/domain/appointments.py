"""Appointments and the rule that a provider is never in two places at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

import attrs

from portalcore.domain.catalog import Service
from portalcore.domain.errors import InvalidInput


class AppointmentStatus(str, Enum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    @property
    def blocks_time(self) -> bool:
        """Only a booked (or completed) visit keeps the provider busy; a cancelled one frees the slot."""
        return self in (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


@attrs.frozen
class Appointment:
    """A visit: one patient, one provider, one location, one or more services back to back.

    ``start_at``/``end_at`` are UTC; ``busy_until`` adds the services' buffers, the time nobody else can book.
    """

    patient_id: int
    provider: str  # provider slug
    location: str  # location slug
    services: tuple[str, ...]  # service slugs, in the order they are done
    start_at: datetime
    end_at: datetime
    busy_until: datetime
    status: AppointmentStatus = AppointmentStatus.BOOKED
    price_cents: int = 0
    reference: str = ""  # the unguessable public handle of an online booking
    confirmed_at: datetime | None = None  # the patient confirmed it (from a reminder)
    id: int | None = None

    def __attrs_post_init__(self) -> None:
        for value in (self.start_at, self.end_at, self.busy_until):
            if value.tzinfo is None or value.utcoffset() != timedelta(0):
                raise ValueError("appointment times are stored in UTC")
        if not self.start_at < self.end_at <= self.busy_until:
            raise ValueError("an appointment must end after it starts")

    def overlaps(self, start_at: datetime, busy_until: datetime) -> bool:
        return self.status.blocks_time and self.start_at < busy_until and start_at < self.busy_until


def plan_visit(services: list[Service], start_at: datetime) -> tuple[datetime, datetime]:
    """When a visit of ``services`` done back to back ends, and until when it keeps the provider busy.

    Each service's buffer follows it, so the end of the visit is the last service's end and the busy time
    adds the last buffer.
    """
    if not services:
        raise InvalidInput("Choose at least one service.")
    if start_at.tzinfo is None:
        raise ValueError("start_at must be time-zone aware")
    cursor = start_at
    end_at = start_at
    for service in services:
        end_at = cursor + timedelta(minutes=service.duration_minutes)
        cursor = end_at + timedelta(minutes=service.buffer_minutes)
    return end_at, cursor
