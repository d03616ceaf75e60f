"""Changing a visit with its booking reference: the confirmation email sends the patient to ``/bookings/{ref}``
to view, reschedule or cancel the visit, without signing in. Whoever holds the unguessable reference may move or
cancel that one visit under the same rules as the patient in the portal (times the clinic offers online, not
inside the cancellation window, the late fee paid from the deposit and then the card on file); each change is
audited with the reference's holder as the actor.
"""

from __future__ import annotations

from datetime import date, datetime

from portalcore.domain import audit
from portalcore.domain.appointments import Appointment
from portalcore.domain.audit import AuditEvent
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.policies import cancel_terms, why_patient_may_not_cancel
from portalcore.ports import Clock, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.records.portal_reads import VisitViews
from portalcore.services.visits.changes import Cancellation, VisitService
from portalcore.services.visits.portal_changes import (BEGUN, ManagedVisit, MoveOptions, fee_now, move_refusal,
                                                       not_booked)

ACTOR = "booking reference"  # who the patient's log says made the change
NO_BOOKING = "There is no booking with that reference."


class ReferenceVisitService:
    """What the holder of a booking reference may do with that visit: see it, move it, cancel it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, visits: VisitService) -> None:
        self._uow, self._clock, self._visits = uow, clock, visits

    def visit(self, reference: str) -> ManagedVisit:
        """The visit with what cancelling it now would cost (the deposit's part included) and, when it cannot be
        moved or cancelled online now, why. Raises ``NotFound`` for an unknown reference."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            visit = _by_reference(uow.appointments.by_reference(reference))
            clinic = require_clinic(uow.clinic.get())
            view = VisitViews(uow, clinic, visit.patient_id, now).view(visit)
            patient = uow.patients.get(visit.patient_id)
        fee = fee_now(clinic, visit, now)
        cancel_refusal = not_booked(visit, "cancelled") or why_patient_may_not_cancel(clinic.settings) or (
            BEGUN if visit.start_at <= now else "")
        return ManagedVisit(view, patient.full_name if patient else "", False, clinic.time_zone, fee,
                            cancel_terms(fee, view.deposit_paid, clinic.settings.deposit_on_cancel),
                            clinic.settings.cancellation.text, move_refusal(clinic, visit, now), cancel_refusal)

    def move_options(self, reference: str, first_day: date, last_day: date) -> MoveOptions:
        """The visit and the times on clinic-local days ``first_day``..``last_day`` it may move to (as the
        clinic offers them online). Raises ``NotFound``, and ``InvalidInput`` for a range over a month."""
        managed = self.visit(reference)
        slots = self._visits.patient_times(managed.view.id, first_day, last_day) if managed.may_move else []
        return MoveOptions(managed, slots)

    def reschedule(self, reference: str, start_at: datetime, *, ip: str = "") -> Appointment:
        """Moves the visit to ``start_at``, one of the times ``move_options`` offers; reminders follow, the
        patient is emailed (with the updated calendar entry) and the move is audited. Raises ``NotFound``,
        ``InvalidInput`` (not allowed online, too close, a time not offered) and ``SlotTaken``."""
        visit = self._visit(reference)
        return self._visits.reschedule(visit.id or 0, start_at, by_patient=True, audit_event=self._event(
            visit, audit.VISIT_MOVED, ip, start_at=start_at.isoformat()))

    def cancel(self, reference: str, *, ip: str = "") -> Cancellation:
        """Cancels the visit under the clinic's policy (the late fee is paid from the deposit, then the card on
        file) and audits it. Raises ``NotFound`` and ``InvalidInput`` (not booked, begun, by phone only)."""
        visit = self._visit(reference)
        if visit.start_at <= self._clock.now():
            raise InvalidInput(BEGUN)
        return self._visits.cancel(visit.id or 0, by_patient=True,
                                   audit_event=self._event(visit, audit.VISIT_CANCELLED, ip))

    def _visit(self, reference: str) -> Appointment:
        with self._uow(readonly=True) as uow:
            return _by_reference(uow.appointments.by_reference(reference))

    def _event(self, visit: Appointment, action: str, ip: str, **detail: object) -> AuditEvent:
        return AuditEvent(action=action, at=self._clock.now(), actor=ACTOR, patient_id=visit.patient_id, ip=ip,
                          detail={"appointment_id": visit.id, **detail})


def _by_reference(visit: Appointment | None) -> Appointment:
    if visit is None:
        raise NotFound(NO_BOOKING)
    return visit
