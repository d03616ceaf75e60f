"""Finding and adding patients (front desk and admin)."""

from __future__ import annotations

from datetime import date

from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.patients import Patient, normalize_email
from portalcore.ports import UnitOfWorkFactory
from portalcore.services.contact import check_email, check_mobile


class PatientService:
    def __init__(self, uow: UnitOfWorkFactory, default_region: str = "US") -> None:
        self._uow = uow
        self._region = default_region

    def add(self, *, first_name: str, last_name: str, email: str = "", mobile: str = "",
            date_of_birth: date | None = None, language: str = "en") -> Patient:
        """Creates a patient profile; raises ``InvalidInput`` for a bad name, email or phone and
        ``Conflict`` when the email already belongs to a patient."""
        first_name, last_name = first_name.strip(), last_name.strip()
        if not first_name or not last_name:
            raise InvalidInput("A patient needs a first and a last name.")
        patient = Patient(first_name=first_name, last_name=last_name,
                          email=check_email(email) if email.strip() else "",
                          mobile=check_mobile(mobile, self._region) if mobile.strip() else "",
                          date_of_birth=date_of_birth, language=language)
        with self._uow() as uow:
            stored = uow.patients.add(patient)
            uow.commit()
        return stored

    def get(self, patient_id: int) -> Patient:
        """One patient; raises ``NotFound``."""
        with self._uow(readonly=True) as uow:
            found = uow.patients.get(patient_id)
        if found is None:
            raise NotFound(f"Patient {patient_id} does not exist.")
        return found

    def find(self, text: str, limit: int = 50) -> list[Patient]:
        """Patients whose name, email or phone contain every word of ``text``."""
        with self._uow(readonly=True) as uow:
            return uow.patients.search(text, limit)

    def by_email(self, email: str) -> Patient | None:
        with self._uow(readonly=True) as uow:
            return uow.patients.by_email(normalize_email(email))
