"""The day's schedule and staff bookings."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.appointments import Appointment, AppointmentStatus, plan_visit
from portalcore.domain.clock import exact_local_to_utc, local_day_bounds
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.booking.new_visit import settle_new_visit
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.delivery import MessageComposer


@attrs.frozen
class ScheduleRow:
    """One line of the front desk's day: the visit with names resolved and times in clinic local time."""

    appointment: Appointment
    patient_name: str
    provider_name: str
    location_name: str
    service_names: tuple[str, ...]
    local_start: datetime
    local_end: datetime


class ScheduleService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, composer: MessageComposer, base_url: str) -> None:
        self._uow, self._clock, self._composer, self._base_url = uow, clock, composer, base_url

    def today(self) -> date:
        """Today's date at the clinic (not on the server's clock)."""
        with self._uow(readonly=True) as uow:
            zone = ZoneInfo(require_clinic(uow.clinic.get()).time_zone)
        return self._clock.now().astimezone(zone).date()

    def clinic_time(self, text: str) -> datetime:
        """A date and time typed as ``YYYY-MM-DD HH:MM`` on the clinic's clock, as UTC. Raises ``InvalidInput``
        for another shape, or for a time the clocks skip or pass twice that day (never a guess)."""
        found = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})\s*", text)
        try:
            if found is None:
                raise ValueError(text)
            day, at = date.fromisoformat(found[1]), time(int(found[2]), int(found[3]))
        except ValueError:
            raise InvalidInput("%(text)s is not a date and time; use YYYY-MM-DD HH:MM on the clinic's clock, e.g. "
                               "2026-11-20 14:30.", text=repr(text.strip())) from None
        with self._uow(readonly=True) as uow:
            zone = ZoneInfo(require_clinic(uow.clinic.get()).time_zone)
        return exact_local_to_utc(day, at, zone)

    def day(self, day: date, location: str | None = None) -> list[ScheduleRow]:
        """Every visit that starts on ``day`` (clinic local), in start order, cancelled ones included."""
        with self._uow(readonly=True) as uow:
            zone = ZoneInfo(require_clinic(uow.clinic.get()).time_zone)
            start, end = local_day_bounds(day, zone)
            visits = [a for a in uow.appointments.between(start, end) if start <= a.start_at < end
                      and (location is None or a.location == location)]
            names = _Names(uow)
            return [names.row(a, zone) for a in visits]

    def book(self, *, patient_id: int, provider: str, location: str, services: list[str],
             start_at: datetime) -> Appointment:
        """Books a visit for a patient and queues the confirmation email in the same transaction.

        Raises ``NotFound`` for an unknown patient, provider, location or service, ``InvalidInput`` when the
        provider does not offer a service, and ``SlotTaken`` when the provider is busy then.
        """
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound("Patient %(id)s does not exist.", id=patient_id)
            chosen = []
            for slug in services:
                service = uow.catalog.service(slug)
                if service is None:
                    raise NotFound("There is no service '%(slug)s'.", slug=slug)
                if provider not in service.providers:
                    raise InvalidInput("%(service)s is not offered by provider '%(provider)s'.", service=service.name,
                                       provider=provider)
                chosen.append(service)
            end_at, busy_until = plan_visit(chosen, start_at)
            stored = uow.appointments.add(Appointment(
                patient_id=patient_id, provider=provider, location=location, services=tuple(services),
                start_at=start_at, end_at=end_at, busy_until=busy_until,
                price_cents=sum(s.price.cents for s in chosen)))
            settle_new_visit(uow, self._composer, clinic, patient, stored, manage_link=f"{self._base_url}/",
                             now=self._clock.now())
            uow.commit()
        return stored

    def set_status(self, appointment_id: int, status: AppointmentStatus) -> None:
        """Marks a visit completed, no-show or cancelled (staff action; fees come with the booking rules)."""
        with self._uow() as uow:
            uow.appointments.set_status(appointment_id, status)
            uow.commit()


class _Names:
    """Display names for visits, loaded once per unit of work rather than once per row."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._providers = {p.slug: p.name for p in uow.catalog.providers()}
        self._locations = {loc.slug: loc.name for loc in uow.catalog.locations()}
        self._services = {s.slug: s.name for s in uow.catalog.services()}
        self._patients: dict[int, str] = {}

    def row(self, appointment: Appointment, zone: ZoneInfo) -> ScheduleRow:
        if appointment.patient_id not in self._patients:
            patient = self._uow.patients.get(appointment.patient_id)
            self._patients[appointment.patient_id] = patient.full_name if patient else "?"
        return ScheduleRow(
            appointment=appointment, patient_name=self._patients[appointment.patient_id],
            provider_name=self._providers.get(appointment.provider, appointment.provider),
            location_name=self._locations.get(appointment.location, appointment.location),
            service_names=tuple(self._services.get(s, s) for s in appointment.services),
            local_start=appointment.start_at.astimezone(zone), local_end=appointment.end_at.astimezone(zone))
