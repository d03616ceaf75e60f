"""Finding and adding patients (front desk and admin), with portal access sent in the same step."""

from __future__ import annotations

import re
from datetime import date

import attrs

from portalcore.domain.duplicates import DuplicateGroup, likely_duplicates
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.patients import Patient, check_names, normalize_email, plausible_birth_date
from portalcore.domain.proxies import ProxyGrant
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.access.grants import clinic_zone
from portalcore.domain import audit
from portalcore.services.access.invitations import InvitationService, PortalStatus
from portalcore.services.access.kit import Actor
from portalcore.services.access.medical_reads import MedicalReads
from portalcore.services.contact import check_email, check_mobile

@attrs.frozen
class ProxyEntry:
    """One person who was given access to a patient's portal, as the front desk lists them."""

    grant: ProxyGrant
    name: str
    email: str
    active: bool  # not revoked, not expired, not ended by the patient's 18th birthday


@attrs.frozen
class PatientProfile:
    """What the clinic's staff see when they open a patient: contact details, portal access and proxies."""

    patient: Patient
    portal: PortalStatus
    proxies: tuple[ProxyEntry, ...]


class PatientService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock, invitations: InvitationService, reads: MedicalReads,
                 default_region: str = "US") -> None:
        self._uow, self._clock, self._invitations, self._reads = uow, clock, invitations, reads
        self._region = default_region

    def add(self, *, first_name: str, last_name: str, email: str = "", mobile: str = "",
            date_of_birth: date | None = None, language: str = "en", invite_by_email: bool = False,
            invite_by_sms: bool = False, actor: Actor = Actor.front_desk()) -> Patient:
        """Creates a patient profile and, when asked, sends portal access: by email a link to set a password,
        by SMS a text saying so (or carrying the link when there is no email). The profile and the invitation
        are written in one transaction, so a refused invitation leaves no profile behind. Raises
        ``InvalidInput`` for a bad name, email, phone or birth date or an invitation the contact details
        cannot carry, and ``Conflict`` when the email already belongs to a patient."""
        first_name, last_name = check_names(first_name, last_name)
        if not plausible_birth_date(date_of_birth, self._clock.now().date()):
            raise InvalidInput(f"{date_of_birth.isoformat()} cannot be a date of birth.")
        patient = Patient(first_name=first_name, last_name=last_name,
                          email=check_email(email) if email.strip() else "",
                          mobile=check_mobile(mobile, self._region) if mobile.strip() else "",
                          date_of_birth=date_of_birth, language=language)
        keys: list[str] = []
        with self._uow() as uow:
            stored = uow.patients.add(patient)
            if invite_by_email or invite_by_sms:
                keys = self._invitations.queue_invite(uow, stored, by_email=invite_by_email, by_sms=invite_by_sms,
                                                      actor=actor)
            uow.commit()
        self._invitations.deliver(keys)
        return stored

    def get(self, patient_id: int) -> Patient:
        """One patient; raises ``NotFound``."""
        with self._uow(readonly=True) as uow:
            return _patient(uow, patient_id)

    def profile(self, patient_id: int, *, actor: Actor) -> PatientProfile:
        """Opens a patient for the clinic's staff: contact details, portal status and proxies. The read is
        audited as ``actor`` (the front desk, an admin), so the patient's "who viewed my record" page lists it.
        Raises ``NotFound``."""
        with self._reads.open_for_staff(patient_id, audit.VIEW_PROFILE, actor) as uow:
            patient = _patient(uow, patient_id)
            return PatientProfile(patient, self._invitations.status_in(uow, patient_id),
                                  tuple(self._proxy_entries(uow, patient)))

    def find(self, text: str, limit: int = 50) -> list[Patient]:
        """Patients whose name, email or phone contain every word of ``text``."""
        with self._uow(readonly=True) as uow:
            return uow.patients.search(text, limit)

    def by_email(self, email: str) -> Patient | None:
        with self._uow(readonly=True) as uow:
            return uow.patients.by_email(normalize_email(email))

    def duplicates(self) -> list[DuplicateGroup]:
        """Profiles that are likely one person (same name and birth date, or same mobile), for the front desk
        to review; a sign-up with a new email address is the usual cause."""
        with self._uow(readonly=True) as uow:
            return likely_duplicates(uow.patients.duplicate_candidates())

    def proxies(self, patient_id: int, *, actor: Actor | None = None) -> list[ProxyEntry]:
        """Everyone given access to the patient's portal, revoked and ended grants included, oldest first. A
        read by the clinic's staff names them as ``actor`` and is audited like opening the patient.
        Raises ``NotFound``."""
        if actor is not None:
            with self._reads.open_for_staff(patient_id, audit.VIEW_PROFILE, actor, part="proxies") as uow:
                return self._proxy_entries(uow, _patient(uow, patient_id))
        with self._uow(readonly=True) as uow:
            return self._proxy_entries(uow, _patient(uow, patient_id))

    def _proxy_entries(self, uow: UnitOfWork, patient: Patient) -> list[ProxyEntry]:
        now, zone = self._clock.now(), clinic_zone(uow)
        entries = []
        for grant in uow.access.grants_for_patient(patient.id or 0):
            account = uow.access.account(grant.account_id)
            name = f"{account.first_name} {account.last_name}".strip() if account else ""
            entries.append(ProxyEntry(grant, name, account.email if account else "",
                                      grant.active(now, patient.date_of_birth, zone)))
        return entries


def read_date(text: str) -> date:
    """A date typed by a person as YYYY-MM-DD (what every frontend asks for); raises ``InvalidInput`` saying so."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # 2026-02-30 has the right shape but is no day
    raise InvalidInput(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 1990-04-12.")


def _patient(uow: UnitOfWork, patient_id: int) -> Patient:
    found = uow.patients.get(patient_id)
    if found is None:
        raise NotFound(f"Patient {patient_id} does not exist.")
    return found
