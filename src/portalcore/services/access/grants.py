"""Which proxy grants of a login are live right now, and who is signed in: shared by the proxy checks
(``ProxyService``) and the greeting and header of every page (``LoginService.account``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.access import Account, PortalSession
from portalcore.domain.patients import Patient
from portalcore.domain.proxies import ProxyGrant
from portalcore.ports import UnitOfWork
from portalcore.services.access.kit import load_account


@attrs.frozen
class SignedInAccount:
    """Who is signed in (greeted by their own name) and, when the session acts for someone else, whom."""

    account: Account
    acting_for: int | None  # the patient whose portal the session shows; None until a carer chooses
    acting_for_name: str  # that patient's name when it is not the account's own record, else ""
    choices: int  # how many records this login may open: its own and those of live grants

    @property
    def first_name(self) -> str:
        return self.account.first_name

    @property
    def as_self(self) -> bool:
        """Acting for their own record: only then may they manage their security settings and proxies."""
        return self.account.patient_id is not None and self.acting_for == self.account.patient_id

    @property
    def may_switch(self) -> bool:
        """Another record to open, or a way back from someone else's (also after that access ended)."""
        return self.choices > 1 or (self.choices == 1 and not self.as_self)


def signed_in_account(uow: UnitOfWork, session: PortalSession, now: datetime) -> SignedInAccount:
    """The login behind ``session`` and the patient it acts for; raises ``NotFound`` for a removed login."""
    account = load_account(uow, session.account_id)
    choices = len(live_grants(uow, session.account_id, now)) + (account.patient_id is not None)
    other = None
    if session.acting_for is not None and session.acting_for != account.patient_id:
        other = uow.patients.get(session.acting_for)
    return SignedInAccount(account, session.acting_for, other.full_name if other else "", choices)


def live_grants(uow: UnitOfWork, account_id: int, now: datetime) -> list[tuple[ProxyGrant, Patient]]:
    """The grants of ``account_id`` that give access now (not revoked, not expired, the minor not yet 18),
    each with the patient it is over, oldest first."""
    zone = clinic_zone(uow)
    found = []
    for grant in uow.access.grants_of_account(account_id):
        patient = uow.patients.get(grant.patient_id)
        if patient is not None and grant.active(now, patient.date_of_birth, zone):
            found.append((grant, patient))
    return found


def clinic_zone(uow: UnitOfWork) -> ZoneInfo:
    """The clinic's time zone: birthdays and end dates are local days."""
    clinic = uow.clinic.get()
    return ZoneInfo(clinic.time_zone if clinic else "UTC")
