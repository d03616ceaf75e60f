"""Setting up a clinic from a description (the demo fixture, or a clinic's own TOML file).

Loading is idempotent: everything is matched by slug (patients by email), so loading the same description
twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from portalcore.domain.appointments import Appointment, AppointmentStatus, plan_visit
from portalcore.domain.catalog import TRANSLATED, FormKind, FormTemplate, Service, ServiceCategory
from portalcore.domain.clinic import Clinic, ClinicSettings, Location
from portalcore.domain.clock import local_to_utc
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money
from portalcore.domain.patients import Patient
from portalcore.domain.providers import Break, Provider, WorkingHours
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.clinic.settings import changed, parse_settings, read_value

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@attrs.frozen
class SetupReport:
    clinic: str
    locations: int
    providers: int
    services: int
    patients_added: int
    appointments_added: int


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InvalidInput(f"{where}: missing {key!r}")
    return data[key]


def _weekday(value: Any, where: str) -> int:
    if isinstance(value, str) and value.lower()[:3] in WEEKDAYS:
        return WEEKDAYS.index(value.lower()[:3])
    raise InvalidInput(f"{where}: weekday {value!r} is not one of {', '.join(WEEKDAYS)}")


def _time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not a time like 09:30") from None


def read_translations(raw: Mapping[str, Any], kind: str, where: str) -> dict[str, dict[str, str]]:
    """The ``translations`` of an entry (``translations.es.name = "…"``), by language then field; raises
    ``InvalidInput`` for a field that cannot be translated or a text that is not text."""
    table = raw.get("translations", {})
    fields = TRANSLATED[kind]
    if not isinstance(table, Mapping) or not all(isinstance(texts, Mapping) for texts in table.values()):
        raise InvalidInput(f"{where}: translations go by language, like translations.es.{fields[0]} = \"…\"")
    for language, texts in table.items():
        for field, text in texts.items():
            if field not in fields:
                raise InvalidInput(f"{where}: translations.{language}.{field}: only {', '.join(fields)} "
                                   "can be translated")
            if not isinstance(text, str):
                raise InvalidInput(f"{where}: translations.{language}.{field} must be text")
    return {str(language): dict(texts) for language, texts in table.items()}


def parse_clinic(data: Mapping[str, Any]) -> Clinic:
    raw = _get(data, "clinic", "clinic file")
    currency = raw.get("currency", "USD")
    try:
        ZoneInfo(_get(raw, "time_zone", "[clinic]"))
    except ZoneInfoNotFoundError:
        raise InvalidInput(f"[clinic]: unknown time zone {raw['time_zone']!r}") from None
    return Clinic(slug=_get(raw, "slug", "[clinic]"), name=_get(raw, "name", "[clinic]"), time_zone=raw["time_zone"],
                  currency=currency, language=raw.get("language", "en"), email=raw.get("email", ""),
                  phone=raw.get("phone", ""), settings=parse_settings(raw.get("settings", {}), currency))


def parse_provider(raw: Mapping[str, Any], index: int) -> Provider:
    where = f"providers[{index}]"
    try:
        hours = tuple(WorkingHours(_weekday(h["weekday"], where), _time(h["start"], where), _time(h["end"], where),
                                   h["location"]) for h in raw.get("hours", []))
        breaks = tuple(Break(_weekday(b["weekday"], where), _time(b["start"], where), _time(b["end"], where))
                       for b in raw.get("breaks", []))
    except KeyError as missing:
        raise InvalidInput(f"{where}: a working period needs {missing}") from None
    except ValueError as error:
        raise InvalidInput(f"{where}: {error}") from None
    return Provider(slug=_get(raw, "slug", where), name=_get(raw, "name", where), title=raw.get("title", ""),
                    email=raw.get("email", ""), hours=hours, breaks=breaks,
                    translations=read_translations(raw, "provider", where))


def parse_service(raw: Mapping[str, Any], index: int, currency: str) -> Service:
    where = f"services[{index}]"
    try:
        return Service(slug=_get(raw, "slug", where), name=_get(raw, "name", where),
                       category=_get(raw, "category", where),
                       duration_minutes=int(_get(raw, "duration_minutes", where)),
                       price=Money(int(_get(raw, "price_cents", where)), currency),
                       deposit=Money(int(raw.get("deposit_cents", 0)), currency),
                       buffer_minutes=int(raw.get("buffer_minutes", 0)), description=raw.get("description", ""),
                       online=bool(raw.get("online", True)), providers=tuple(raw.get("providers", ())),
                       forms=tuple(raw.get("forms", ())), requires_prior=raw.get("requires_prior", ""),
                       translations=read_translations(raw, "service", where))
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"{where}: {error}") from None


class SetupService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def import_clinic(self, data: Mapping[str, Any]) -> SetupReport:
        """Creates or updates the clinic, its catalogue and sample records from ``data`` in one transaction.

        Raises ``InvalidInput`` naming the first bad entry; then nothing is written.
        """
        clinic = parse_clinic(data)
        zone = ZoneInfo(clinic.time_zone)
        with self._uow() as uow:
            uow.clinic.save(clinic)
            for i, raw in enumerate(data.get("locations", [])):
                uow.catalog.save_location(Location(slug=_get(raw, "slug", f"locations[{i}]"),
                                                   name=_get(raw, "name", f"locations[{i}]"),
                                                   address=raw.get("address", ""), phone=raw.get("phone", "")))
            providers = [parse_provider(raw, i) for i, raw in enumerate(data.get("providers", []))]
            known = {loc.slug for loc in uow.catalog.locations()}
            for provider in providers:
                for period in provider.hours:
                    if period.location not in known:
                        raise InvalidInput(f"provider {provider.slug}: unknown location {period.location!r}")
                uow.catalog.save_provider(provider)
            for i, raw in enumerate(data.get("categories", [])):
                where = f"categories[{i}]"
                uow.catalog.save_category(ServiceCategory(slug=_get(raw, "slug", where), name=_get(raw, "name", where),
                                                          position=i,
                                                          translations=read_translations(raw, "category", where)))
            for i, raw in enumerate(data.get("forms", [])):
                where = f"forms[{i}]"
                try:
                    kind = FormKind(_get(raw, "kind", where))
                except ValueError:
                    raise InvalidInput(f"{where}: kind must be one of {', '.join(k.value for k in FormKind)}") from None
                uow.catalog.save_form(FormTemplate(slug=_get(raw, "slug", where), kind=kind,
                                                   title=_get(raw, "title", where), body=raw.get("body", ""),
                                                   translations=read_translations(raw, "form", where)))
            services = [parse_service(raw, i, clinic.currency) for i, raw in enumerate(data.get("services", []))]
            for service in services:
                try:
                    uow.catalog.save_service(service)
                except LookupError as error:
                    raise InvalidInput(str(error.args[0])) from None
            added_patients, added_visits = self._sample_records(uow, data, zone)
            uow.commit()
        return SetupReport(clinic=clinic.name, locations=len(data.get("locations", [])), providers=len(providers),
                           services=len(services), patients_added=added_patients, appointments_added=added_visits)

    def update_settings(self, settings: ClinicSettings) -> Clinic:
        """Replaces the clinic's settings (the admin's switches); raises ``NotFound`` before setup."""
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            saved = uow.clinic.save(attrs.evolve(clinic, settings=settings))
            uow.commit()
        return saved

    def change_settings(self, changes: Mapping[str, str]) -> Clinic:
        """Changes some of the clinic's settings, named and written as in a clinic file
        (``min_notice_minutes`` = ``60``, ``cancellation.fee_cents`` = ``2500``), all or none. Visits already
        booked keep the reminders planned for them. Raises ``InvalidInput`` (unknown name, wrong kind of value,
        a value the clinic file would refuse) or ``NotFound`` before setup."""
        if not changes:
            raise InvalidInput("Name at least one setting to change, like min_notice_minutes=60.")
        typed = {name: read_value(name, text) for name, text in changes.items()}
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            settings = changed(clinic.settings, typed, clinic.currency)
            saved = uow.clinic.save(attrs.evolve(clinic, settings=settings))
            uow.commit()
        return saved

    def _sample_records(self, uow: UnitOfWork, data: Mapping[str, Any], zone: ZoneInfo) -> tuple[int, int]:
        """Sample patients, and visits placed relative to today so a demo always has past and upcoming ones.

        A patient's visits are only added when the patient is new, so a second load adds nothing.
        """
        today = self._clock.now().astimezone(zone).date()
        added_patients = added_visits = 0
        for i, raw in enumerate(data.get("patients", [])):
            where = f"patients[{i}]"
            email = _get(raw, "email", where)
            if uow.patients.by_email(email) is not None:
                continue
            born = raw.get("date_of_birth")
            patient = uow.patients.add(Patient(
                first_name=_get(raw, "first_name", where), last_name=_get(raw, "last_name", where), email=email,
                mobile=raw.get("mobile", ""), language=raw.get("language", "en"),
                date_of_birth=born if isinstance(born, date) or born is None else date.fromisoformat(born)))
            added_patients += 1
            for j, visit in enumerate(raw.get("visits", [])):
                added_visits += self._sample_visit(uow, patient, visit, today, zone, f"{where}.visits[{j}]")
        return added_patients, added_visits

    def _sample_visit(self, uow: UnitOfWork, patient: Patient, visit: Mapping[str, Any], today: date,
                      zone: ZoneInfo, where: str) -> int:
        assert patient.id is not None
        services = []
        for slug in _get(visit, "services", where):
            service = uow.catalog.service(slug)
            if service is None:
                raise InvalidInput(f"{where}: unknown service {slug!r}")
            services.append(service)
        day = today + timedelta(days=int(_get(visit, "in_days", where)))
        start_at = local_to_utc(day, _time(_get(visit, "at", where), where), zone)
        end_at, busy_until = plan_visit(services, start_at)
        status = "completed" if day < today else "booked"
        uow.appointments.add(Appointment(
            patient_id=patient.id, provider=_get(visit, "provider", where), location=_get(visit, "location", where),
            services=tuple(s.slug for s in services), start_at=start_at, end_at=end_at, busy_until=busy_until,
            status=AppointmentStatus(status), price_cents=sum(s.price.cents for s in services)))
        return 1
