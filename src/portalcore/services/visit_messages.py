"""What every message about a visit says: when (in the clinic's time and the patient's language), what, who."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from portalcore.domain.appointments import Appointment
from portalcore.domain.clinic import Clinic
from portalcore.domain.patients import Patient
from portalcore.ports import UnitOfWork

WHEN_FORMAT = "EEEE d MMMM y, h:mm a"


def patient_language(patient: Patient, clinic: Clinic) -> str:
    return patient.language or clinic.language


def visit_when(visit: Appointment, clinic: Clinic, language: str) -> str:
    zone = ZoneInfo(clinic.time_zone)
    return format_datetime(visit.start_at.astimezone(zone), WHEN_FORMAT, tzinfo=zone, locale=language)


def visit_context(uow: UnitOfWork, clinic: Clinic, patient: Patient, visit: Appointment) -> dict[str, Any]:
    """The names and local time a visit's emails and texts show."""
    provider = uow.catalog.provider(visit.provider)
    location = {loc.slug: loc for loc in uow.catalog.locations()}.get(visit.location)
    services = {s.slug: s.name for s in uow.catalog.services()}
    return {"clinic_name": clinic.name, "patient_name": patient.first_name,
            "when": visit_when(visit, clinic, patient_language(patient, clinic)),
            "services": [services.get(slug, slug) for slug in visit.services],
            "provider_name": provider.name if provider else visit.provider,
            "location_name": location.name if location else visit.location}
