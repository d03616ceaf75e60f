"""Patients and appointments in SQL. The overlap rule is enforced by the database itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portalcore.adapters.sql.tables import (
    AppointmentRow, AppointmentServiceRow, LocationRow, PatientFormRow, PatientRow, ProviderRow, ServiceRow,
)
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.errors import Conflict, NotFound, SlotTaken
from portalcore.domain.patients import Address, Patient, normalize_email

BLOCKING = [s.value for s in AppointmentStatus if s.blocks_time]


def _patient(row: PatientRow) -> Patient:
    return Patient(first_name=row.first_name, last_name=row.last_name, email=row.email or "", mobile=row.mobile,
                   date_of_birth=row.date_of_birth, address=Address(**row.address), language=row.language, id=row.id)


def is_overlap_violation(error: IntegrityError) -> bool:
    """True when the database refused a row because the provider is already busy then."""
    text = str(error.orig)
    return "appointment_no_overlap" in text or "slot_taken" in text


class SqlPatientRepository:
    def __init__(self, session: Session, now: Any) -> None:
        self.session = session
        self._now = now

    def get(self, patient_id: int) -> Patient | None:
        row = self.session.get(PatientRow, patient_id)
        return _patient(row) if row else None

    def by_email(self, email: str) -> Patient | None:
        email = normalize_email(email)
        if not email:
            return None
        row = self.session.exec(select(PatientRow).where(PatientRow.email == email)).first()
        return _patient(row) if row else None

    def search(self, text: str, limit: int = 50) -> list[Patient]:
        query = select(PatientRow)
        for word in text.lower().split():
            like = f"%{word}%"
            query = query.where(or_(func.lower(PatientRow.first_name).like(like),
                                    func.lower(PatientRow.last_name).like(like),
                                    PatientRow.email.like(like), PatientRow.mobile.like(like)))
        rows = self.session.exec(query.order_by(PatientRow.last_name, PatientRow.first_name).limit(limit)).all()
        return [_patient(r) for r in rows]

    def add(self, patient: Patient) -> Patient:
        email = normalize_email(patient.email) or None
        row = PatientRow(first_name=patient.first_name, last_name=patient.last_name, email=email,
                         mobile=patient.mobile, date_of_birth=patient.date_of_birth,
                         address=_address(patient.address), language=patient.language, created_at=self._now())
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            raise Conflict(f"A patient with the email {email} already exists.") from None
        return _patient(row)

    def count(self) -> int:
        return self.session.exec(select(func.count()).select_from(PatientRow)).one()

    def duplicate_candidates(self) -> list[Patient]:
        shared_birth_date = (select(PatientRow.date_of_birth).where(PatientRow.date_of_birth.is_not(None))
                             .group_by(PatientRow.date_of_birth).having(func.count() > 1))
        shared_mobile = (select(PatientRow.mobile).where(PatientRow.mobile != "")
                         .group_by(PatientRow.mobile).having(func.count() > 1))
        rows = self.session.exec(select(PatientRow).where(or_(
            PatientRow.date_of_birth.in_(shared_birth_date), PatientRow.mobile.in_(shared_mobile)))
            .order_by(PatientRow.id)).all()
        return [_patient(r) for r in rows]

    def change_email(self, patient_id: int, email: str) -> None:
        row = self.session.get(PatientRow, patient_id)
        if row is None:
            raise NotFound(f"Patient {patient_id} does not exist.")
        row.email = normalize_email(email) or None
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            raise Conflict(f"A patient with the email {email} already exists.") from None


def _address(address: Address) -> dict[str, str]:
    return {k: getattr(address, k) for k in ("line1", "line2", "city", "region", "postal_code", "country")}


class SqlAppointmentRepository:
    def __init__(self, session: Session, now: Any) -> None:
        self.session = session
        self._now = now

    def add(self, appointment: Appointment) -> Appointment:
        provider = self._id(ProviderRow, appointment.provider, "provider")
        location = self._id(LocationRow, appointment.location, "location")
        services = [self._id(ServiceRow, slug, "service") for slug in appointment.services]
        # Checked here for a readable answer; the constraint (PostgreSQL) or trigger (SQLite) is the guarantee.
        clash = self.session.exec(select(AppointmentRow.id).where(
            AppointmentRow.provider_id == provider, AppointmentRow.status.in_(BLOCKING),
            AppointmentRow.start_at < appointment.busy_until, AppointmentRow.busy_until > appointment.start_at,
        ).limit(1)).first()
        if clash is not None:
            raise SlotTaken("That time was just taken. Please choose another time.")
        row = AppointmentRow(patient_id=appointment.patient_id, provider_id=provider, location_id=location,
                             start_at=appointment.start_at, end_at=appointment.end_at,
                             busy_until=appointment.busy_until, status=appointment.status.value,
                             price_cents=appointment.price_cents, reference=appointment.reference or None,
                             created_at=self._now())
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
                for position, service_id in enumerate(services):
                    self.session.add(AppointmentServiceRow(appointment_id=row.id, position=position,
                                                           service_id=service_id))
                self.session.flush()
        except IntegrityError as error:
            if is_overlap_violation(error):
                raise SlotTaken("That time was just taken. Please choose another time.") from None
            raise
        stored = self.get(row.id)
        assert stored is not None, "the row was inserted in this transaction"
        return stored

    def get(self, appointment_id: int) -> Appointment | None:
        found = self._load(AppointmentRow.id == appointment_id)
        return found[0] if found else None

    def by_reference(self, reference: str) -> Appointment | None:
        found = self._load(AppointmentRow.reference == reference) if reference else []
        return found[0] if found else None

    def between(self, start: datetime, end: datetime, provider: str | None = None) -> list[Appointment]:
        condition = and_(AppointmentRow.start_at < end, AppointmentRow.busy_until > start)
        if provider is not None:
            condition = and_(condition, ProviderRow.slug == provider)
        return self._load(condition)

    def for_patient(self, patient_id: int) -> list[Appointment]:
        return self._load(AppointmentRow.patient_id == patient_id)

    def set_status(self, appointment_id: int, status: AppointmentStatus) -> None:
        result = self.session.exec(update(AppointmentRow).where(AppointmentRow.id == appointment_id)
                                   .values(status=status.value))
        if result.rowcount == 0:
            raise NotFound(f"Appointment {appointment_id} does not exist.")

    def move(self, appointment_id: int, start_at: datetime, end_at: datetime, busy_until: datetime) -> None:
        clash = self.session.exec(select(AppointmentRow.id).where(
            AppointmentRow.id != appointment_id, AppointmentRow.status.in_(BLOCKING),
            AppointmentRow.provider_id == select(AppointmentRow.provider_id)
            .where(AppointmentRow.id == appointment_id).scalar_subquery(),
            AppointmentRow.start_at < busy_until, AppointmentRow.busy_until > start_at).limit(1)).first()
        if clash is not None:
            raise SlotTaken("That time was just taken. Please choose another time.")
        try:
            with self.session.begin_nested():
                result = self.session.exec(update(AppointmentRow).where(AppointmentRow.id == appointment_id).values(
                    start_at=start_at, end_at=end_at, busy_until=busy_until, confirmed_at=None))
        except IntegrityError as error:
            if is_overlap_violation(error):
                raise SlotTaken("That time was just taken. Please choose another time.") from None
            raise
        if result.rowcount == 0:
            raise NotFound(f"Appointment {appointment_id} does not exist.")

    def confirm(self, appointment_id: int, at: datetime) -> None:
        self.session.exec(update(AppointmentRow).where(AppointmentRow.id == appointment_id,
                                                       AppointmentRow.confirmed_at.is_(None)).values(confirmed_at=at))

    def reassign(self, appointment_id: int, patient_id: int) -> None:
        self.session.exec(update(AppointmentRow).where(AppointmentRow.id == appointment_id)
                          .values(patient_id=patient_id))
        self.session.exec(update(PatientFormRow).where(PatientFormRow.appointment_id == appointment_id)
                          .values(patient_id=patient_id))

    def _load(self, condition: Any) -> list[Appointment]:
        rows = self.session.exec(
            select(AppointmentRow, ProviderRow.slug, LocationRow.slug)
            .join(ProviderRow, ProviderRow.id == AppointmentRow.provider_id)
            .join(LocationRow, LocationRow.id == AppointmentRow.location_id)
            .where(condition).order_by(AppointmentRow.start_at, AppointmentRow.id)).all()
        ids = [row.id for row, _, _ in rows]
        services: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            for aid, slug in self.session.exec(
                select(AppointmentServiceRow.appointment_id, ServiceRow.slug)
                .join(ServiceRow, ServiceRow.id == AppointmentServiceRow.service_id)
                .where(AppointmentServiceRow.appointment_id.in_(ids)).order_by(AppointmentServiceRow.position)):
                services[aid].append(slug)
        return [
            Appointment(patient_id=r.patient_id, provider=provider, location=location,
                        services=tuple(services[r.id]), start_at=r.start_at.astimezone(UTC),
                        end_at=r.end_at, busy_until=r.busy_until, status=AppointmentStatus(r.status),
                        price_cents=r.price_cents, reference=r.reference or "", confirmed_at=r.confirmed_at,
                        id=r.id)
            for r, provider, location in rows
        ]

    def _id(self, table: Any, slug: str, what: str) -> int:
        found = self.session.exec(select(table.id).where(table.slug == slug)).first()
        if found is None:
            raise NotFound(f"Unknown {what} {slug!r}.")
        return found
