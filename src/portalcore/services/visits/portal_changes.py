"""Changing a visit from the signed-in portal: the patient, or someone acting for them, moves or cancels one of
that patient's booked visits.

Whose visits a session may touch is decided by ``ProxyService.authorize`` (the visits area, which both proxy
scopes cover); a visit of anyone else is answered as not found, so another patient's ids tell nothing. Showing a
visit is a read of the record, audited like the visits page; each change is audited in the transaction
that makes it.
A late cancellation charges the patient's card, so a proxy also needs the payments area for that.
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from portalcore.domain import audit
from portalcore.domain.access import PortalSession
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.audit import AuditEvent
from portalcore.domain.availability import Slot
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, NotAllowed, NotFound
from portalcore.domain.money import Money
from portalcore.domain.policies import (
    CancelTerms, cancel_terms, cancellation_fee, why_not_booked, why_patient_may_not_cancel, why_patient_may_not_move,
)
from portalcore.domain.proxies import Area
from portalcore.domain.translations import in_language
from portalcore.ports import Clock, UnitOfWorkFactory
from portalcore.services.access.medical_reads import MedicalReads
from portalcore.services.access.proxies import Access, ProxyService
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.records.portal_reads import VisitView, VisitViews
from portalcore.services.visits.changes import Cancellation, VisitService

NO_SUCH_VISIT = "There is no such visit."
BEGUN = "This visit has already begun. Please call the clinic."
FEE_NEEDS_PAYMENTS = ("Cancelling now costs a fee that is charged to the patient's card, and your access does not "
                      "cover payments. Please call the clinic, or ask the patient to cancel.")


@attrs.frozen
class ManagedVisit:
    """One visit of the patient the session acts for, and what the session may do about it online now."""

    view: VisitView
    patient_name: str
    as_proxy: bool
    time_zone: str
    fee: Money  # what cancelling now costs under the clinic's policy
    terms: CancelTerms  # that fee, the deposit's part in it, and what would become of the rest of the deposit
    policy: str  # the clinic's cancellation policy in its own words
    move_refusal: str  # why it cannot be moved online now ("" when it can)
    cancel_refusal: str  # why it cannot be cancelled online now ("" when it can)

    @property
    def may_move(self) -> bool:
        return not self.move_refusal

    @property
    def may_cancel(self) -> bool:
        return not self.cancel_refusal


@attrs.frozen
class MoveOptions:
    visit: ManagedVisit
    slots: list[Slot]  # where it may move to on the days asked for, soonest first


class PortalVisitService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, reads: MedicalReads, proxies: ProxyService,
                 visits: VisitService) -> None:
        self._uow, self._clock, self._reads, self._proxies, self._visits = uow, clock, reads, proxies, visits

    def visit(self, session: PortalSession, visit_id: int, *, ip: str = "", language: str = "") -> ManagedVisit:
        """One visit of the patient the session acts for, with the fee cancelling it now would cost and, when it
        cannot be moved or cancelled online, why; names and the policy in ``language`` where the clinic translated
        them. Audited as ``view_visits`` with the visit's id.
        Raises ``NotAllowed`` (outside a proxy's grant) and ``NotFound`` (no such visit of this patient)."""
        now = self._clock.now()
        with self._reads.open(session, Area.VISITS, audit.VIEW_VISITS, ip=ip, appointment_id=visit_id) as record:
            uow, access = record.uow, record.access
            visit = _own(uow.appointments.get(visit_id), access)
            clinic = require_clinic(uow.clinic.get())
            view = VisitViews(uow, clinic, access.patient_id, now, language).view(visit)
            patient = uow.patients.get(access.patient_id)
        fee = fee_now(clinic, visit, now)
        terms = cancel_terms(fee, view.deposit_paid, clinic.settings.deposit_on_cancel)
        return ManagedVisit(view, patient.full_name if patient else "", access.as_proxy, clinic.time_zone, fee,
                            terms, in_language(clinic.settings.cancellation, "text", language),
                            move_refusal(clinic, visit, now),
                            self._cancel_refusal(session, access, clinic, visit, fee, now))

    def move_options(self, session: PortalSession, visit_id: int, first_day: date, last_day: date, *,
                     ip: str = "") -> MoveOptions:
        """The visit (as ``visit``) and the times on clinic-local days ``first_day``..``last_day`` it may move to:
        the same provider, place and length, as the clinic offers them online. Raises ``NotAllowed``,
        ``NotFound``, and ``InvalidInput`` for a range of days over a month."""
        managed = self.visit(session, visit_id, ip=ip)
        slots = self._visits.patient_times(visit_id, first_day, last_day) if managed.may_move else []
        return MoveOptions(managed, slots)

    def reschedule(self, session: PortalSession, visit_id: int, start_at: datetime, *, ip: str = "") -> Appointment:
        """Moves the visit to ``start_at``, one of the times ``move_options`` offers; reminders move with it, the
        patient is emailed, and the move is audited (``visit_moved``). Raises ``NotAllowed``, ``NotFound``,
        ``InvalidInput`` (not allowed online, inside the cancellation window, a time not offered) and
        ``SlotTaken``."""
        access, _ = self._own_visit(session, visit_id)
        return self._visits.reschedule(visit_id, start_at, by_patient=True, audit_event=self._event(
            access, audit.VISIT_MOVED, ip, appointment_id=visit_id, start_at=start_at.isoformat()))

    def cancel(self, session: PortalSession, visit_id: int, *, ip: str = "") -> Cancellation:
        """Cancels the visit under the clinic's policy: a late fee is charged to the card on file. Audited
        (``visit_cancelled``). Raises ``NotAllowed`` (also a proxy without the payments area when a fee is due),
        ``NotFound`` and ``InvalidInput`` (not booked, already begun, cancelled by phone only)."""
        access, visit = self._own_visit(session, visit_id)
        now = self._clock.now()
        if visit.start_at <= now:
            raise InvalidInput(BEGUN)
        if access.as_proxy and self._visits.preview_fee(visit_id).cents and not self._covers(session, Area.PAYMENTS):
            raise NotAllowed(FEE_NEEDS_PAYMENTS)
        return self._visits.cancel(visit_id, by_patient=True, audit_event=self._event(
            access, audit.VISIT_CANCELLED, ip, appointment_id=visit_id))

    # -- parts
    def _own_visit(self, session: PortalSession, visit_id: int) -> tuple[Access, Appointment]:
        access = self._proxies.authorize(session, Area.VISITS)
        with self._uow(readonly=True) as uow:
            return access, _own(uow.appointments.get(visit_id), access)

    def _covers(self, session: PortalSession, area: Area) -> bool:
        try:
            self._proxies.authorize(session, area)
        except NotAllowed:
            return False
        return True

    def _cancel_refusal(self, session: PortalSession, access: Access, clinic: Clinic, visit: Appointment,
                        fee: Money, now: datetime) -> str:
        refusal = why_not_booked(visit, "cancelled") or why_patient_may_not_cancel(clinic.settings)
        if not refusal and visit.start_at <= now:
            refusal = BEGUN
        if not refusal and access.as_proxy and fee.cents and not self._covers(session, Area.PAYMENTS):
            refusal = FEE_NEEDS_PAYMENTS
        return refusal or ""

    def _event(self, access: Access, action: str, ip: str, **detail: object) -> AuditEvent:
        return change_event(access, action, self._clock.now(), ip, **detail)


def change_event(access: Access, action: str, at: datetime, ip: str, **detail: object) -> AuditEvent:
    """The audit entry of a change made in the portal: who (the login), for whom, as a proxy or not, from where."""
    return AuditEvent(action=action, at=at, account_id=access.account_id, actor=access.actor,
                      patient_id=access.patient_id, as_proxy=access.as_proxy, detail=detail, ip=ip)


def _own(visit: Appointment | None, access: Access) -> Appointment:
    """The visit when it is the patient's; anyone else's is not found (never "not yours")."""
    if visit is None or visit.patient_id != access.patient_id:
        raise NotFound(NO_SUCH_VISIT)
    return visit


def fee_now(clinic: Clinic, visit: Appointment, now: datetime) -> Money:
    if visit.status is not AppointmentStatus.BOOKED:
        return Money(0, clinic.currency)
    return cancellation_fee(clinic.settings.cancellation, Money(visit.price_cents, clinic.currency), visit.start_at,
                            now)


def move_refusal(clinic: Clinic, visit: Appointment, now: datetime) -> str:
    return why_not_booked(visit, "moved") or why_patient_may_not_move(clinic.settings, visit.start_at, now) or ""
