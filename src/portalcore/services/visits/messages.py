"""What every message about a visit says: when (in the clinic's time and the patient's language), what, who."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from portalcore.domain.appointments import Appointment
from portalcore.domain.clinic import Clinic
from portalcore.domain.outbox import Attachment
from portalcore.domain.patients import Patient
from portalcore.domain.translations import in_language
from portalcore.ports import UnitOfWork
from portalcore.services.booking.calendar import visit_ics
from portalcore.services.delivery import MessageComposer, when_text


def patient_language(patient: Patient, clinic: Clinic) -> str:
    return patient.language or clinic.language


def local_when(start_at: datetime, clinic: Clinic, language: str) -> str:
    return when_text(start_at, clinic.time_zone, language)


def visit_when(visit: Appointment, clinic: Clinic, language: str) -> str:
    return local_when(visit.start_at, clinic, language)


def visit_context(uow: UnitOfWork, clinic: Clinic, patient: Patient, visit: Appointment) -> dict[str, Any]:
    """The names and local time a visit's emails and texts show."""
    return time_context(uow, clinic, patient, services=visit.services, provider=visit.provider,
                        location=visit.location, start_at=visit.start_at)


def time_context(uow: UnitOfWork, clinic: Clinic, patient: Patient, *, services: Sequence[str], provider: str,
                 location: str, start_at: datetime) -> dict[str, Any]:
    """The same for a time not booked yet (a waitlist offer)."""
    found = uow.catalog.provider(provider)
    place = {loc.slug: loc for loc in uow.catalog.locations()}.get(location)
    names = {s.slug: in_language(s, "name", patient_language(patient, clinic)) for s in uow.catalog.services()}
    return {"clinic_name": clinic.name, "patient_name": patient.first_name,
            "when": local_when(start_at, clinic, patient_language(patient, clinic)),
            "services": [names.get(slug, slug) for slug in services],
            "provider_name": found.name if found else provider,
            "location_name": place.name if place else location}


def queue_confirmation(uow: UnitOfWork, composer: MessageComposer, clinic: Clinic, patient: Patient,
                       visit: Appointment, *, manage_link: str, now: datetime) -> None:
    """The booking confirmation by email (with the visit as an .ics file) and SMS, queued in the booking's own
    transaction. Every booking (online, waitlist, front desk) is confirmed here, with the same outbox keys."""
    context = visit_context(uow, clinic, patient, visit) | {"manage_link": manage_link}
    language = patient_language(patient, clinic)
    if patient.email:
        uow.outbox.add(composer.email("appointment_confirmation", to=patient.email, language=language,
                                      context=context, key=f"appointment:{visit.id}:confirmation:email",
                                      attachments=(visit_calendar(uow, clinic, visit, context, now),)), now)
    if patient.mobile:
        uow.outbox.add(composer.sms("appointment_confirmation_sms", to=patient.mobile, language=language,
                                    context=context, key=f"appointment:{visit.id}:confirmation:sms"), now)


def visit_calendar(uow: UnitOfWork, clinic: Clinic, visit: Appointment, context: dict[str, Any],
                   now: datetime, *, cancelled: bool = False) -> Attachment:
    """The visit's .ics for its emails (``context`` from ``visit_context`` with a ``manage_link``): the same UID
    every time, a higher SEQUENCE for each later one, ``METHOD:CANCEL`` once it is ``cancelled``."""
    place = {loc.slug: loc for loc in uow.catalog.locations()}.get(visit.location)
    # a front-desk booking has no public reference; its id keeps the calendar entry's UID stable all the same
    return visit_ics(reference=visit.reference or f"appointment-{visit.id}", start_at=visit.start_at,
                     end_at=visit.end_at, now=now, summary=f"{', '.join(context['services'])} at {clinic.name}",
                     location=f"{place.name}, {place.address}" if place else visit.location,
                     description=f"With {context['provider_name']}. Manage your visit: {context['manage_link']}",
                     organizer_email=clinic.email, cancelled=cancelled)
