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
from portalcore.domain.policies import cancel_terms, why_not_booked, why_patient_may_not_cancel
from portalcore.ports import Clock, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.records.portal_reads import VisitViews
from portalcore.services.visits.changes import Cancellation, VisitService
from portalcore.services.visits.portal_changes import BEGUN, ManagedVisit, MoveOptions, fee_now, move_refusal

ACTOR = "booking reference"  # who the patient's log says made the change
NO_BOOKING = "There is no booking with that reference."


class HeldVisits:
    """What the holder of a secret naming one visit (a booking reference, a reminder's signed link) may do with
    it: see it, move it, cancel it, as the patient would in the portal."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, visits: VisitService) -> None:
        self._uow, self._clock, self._visits = uow, clock, visits

    def visit(self, visit: Appointment) -> ManagedVisit:
        """The visit with what cancelling it now would cost (the deposit's part included) and, when it cannot be
        moved or cancelled online now, why."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            view = VisitViews(uow, clinic, visit.patient_id, now).view(visit)
            patient = uow.patients.get(visit.patient_id)
        fee = fee_now(clinic, visit, now)
        cancel_refusal = why_not_booked(visit, "cancelled") or why_patient_may_not_cancel(clinic.settings) or (
            BEGUN if visit.start_at <= now else "")
        return ManagedVisit(view, patient.full_name if patient else "", False, clinic.time_zone, fee,
                            cancel_terms(fee, view.deposit_paid, clinic.settings.deposit_on_cancel),
                            clinic.settings.cancellation.text, move_refusal(clinic, visit, now), cancel_refusal)

    def move_options(self, visit: Appointment, first_day: date, last_day: date) -> MoveOptions:
        """The visit and the times on clinic-local days ``first_day``..``last_day`` it may move to (as the
        clinic offers them online). Raises ``InvalidInput`` for a range over a month."""
        managed = self.visit(visit)
        slots = self._visits.patient_times(visit.id or 0, first_day, last_day) if managed.may_move else []
        return MoveOptions(managed, slots)

    def reschedule(self, visit: Appointment, start_at: datetime, *, actor: str, ip: str = "") -> Appointment:
        """Moves the visit to ``start_at``, one of the times ``move_options`` offers; reminders follow, the
        patient is emailed (with the updated calendar entry) and the move is audited as ``actor``. Raises
        ``InvalidInput`` (not allowed online, too close, a time not offered) and ``SlotTaken``."""
        return self._visits.reschedule(visit.id or 0, start_at, by_patient=True, audit_event=self._event(
            visit, audit.VISIT_MOVED, actor, ip, start_at=start_at.isoformat()))

    def cancel(self, visit: Appointment, *, actor: str, ip: str = "") -> Cancellation:
        """Cancels the visit under the clinic's policy (the late fee is paid from the deposit, then the card on
        file) and audits it as ``actor``. Raises ``InvalidInput`` (not booked, begun, by phone only)."""
        if visit.start_at <= self._clock.now():
            raise InvalidInput(BEGUN)
        return self._visits.cancel(visit.id or 0, by_patient=True,
                                   audit_event=self._event(visit, audit.VISIT_CANCELLED, actor, ip))

    def _event(self, visit: Appointment, action: str, actor: str, ip: str, **detail: object) -> AuditEvent:
        return AuditEvent(action=action, at=self._clock.now(), actor=actor, patient_id=visit.patient_id, ip=ip,
                          detail={"appointment_id": visit.id, **detail})


class ReferenceVisitService:
    """``HeldVisits`` for the holder of a booking reference. Each call raises ``NotFound`` for an unknown one."""

    def __init__(self, uow: UnitOfWorkFactory, held: HeldVisits) -> None:
        self._uow, self._held = uow, held

    def visit(self, reference: str) -> ManagedVisit:
        return self._held.visit(self._visit(reference))

    def move_options(self, reference: str, first_day: date, last_day: date) -> MoveOptions:
        return self._held.move_options(self._visit(reference), first_day, last_day)

    def reschedule(self, reference: str, start_at: datetime, *, ip: str = "") -> Appointment:
        return self._held.reschedule(self._visit(reference), start_at, actor=ACTOR, ip=ip)

    def cancel(self, reference: str, *, ip: str = "") -> Cancellation:
        return self._held.cancel(self._visit(reference), actor=ACTOR, ip=ip)

    def _visit(self, reference: str) -> Appointment:
        with self._uow(readonly=True) as uow:
            found = uow.appointments.by_reference(reference)
        if found is None:
            raise NotFound(NO_BOOKING)
        return found
