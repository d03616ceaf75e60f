"""What a reminder's link lets its holder do (confirm, move, cancel), for that one visit only."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from portalcore.domain import audit
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.audit import AuditEvent
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money
from portalcore.domain.policies import CancelTerms, cancel_terms
from portalcore.ports import Clock, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.visits.changes import Cancellation, VisitService
from portalcore.services.visits.portal_changes import ManagedVisit, MoveOptions, move_refusal
from portalcore.services.visits.reference_changes import HeldVisits
from portalcore.services.visits.signed_links import BAD_LINK, VisitLinks


LINK_ACTOR = "reminder link"


@attrs.frozen
class LinkedVisit:
    visit: Appointment
    cancellation_fee: Money  # what cancelling now would cost
    terms: CancelTerms  # that fee, the deposit's part in it, and what would become of the rest of the deposit
    may_cancel: bool
    confirmed: bool
    may_move: bool = False  # booked, and the clinic lets patients move it online now


class LinkedVisitService:
    """What a reminder's link lets its holder do: see that one visit, confirm it, move it or cancel it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, links: VisitLinks, visits: VisitService,
                 held: HeldVisits) -> None:
        self._uow, self._clock, self._links, self._visits, self._held = uow, clock, links, visits, held

    def show(self, token: str, *, ip: str = "") -> LinkedVisit:
        """The visit a link names (the read is audited). Raises ``InvalidInput`` for a bad or expired link."""
        visit_id = self._links.read(token, self._clock.now())
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            visit = uow.appointments.get(visit_id)
            if visit is None:
                raise InvalidInput(BAD_LINK)
            uow.access.record(AuditEvent(action=audit.VIEW_VISIT_LINK, at=self._clock.now(), actor=LINK_ACTOR,
                                         patient_id=visit.patient_id, ip=ip, detail={"appointment_id": visit_id}))
            uow.commit()
        booked = visit.status is AppointmentStatus.BOOKED
        nothing = Money(0, clinic.currency)
        terms = self._visits.preview_cancel(visit_id) if booked else cancel_terms(nothing, nothing, "keep")
        return LinkedVisit(visit=visit, cancellation_fee=terms.fee, terms=terms,
                           may_cancel=booked and clinic.settings.patients_may_cancel,
                           confirmed=visit.confirmed_at is not None,
                           may_move=not move_refusal(clinic, visit, self._clock.now()))

    def confirm(self, token: str) -> Appointment:
        """Marks the visit confirmed by the patient (twice is harmless). Raises ``InvalidInput``."""
        visit_id = self._links.read(token, self._clock.now())
        with self._uow() as uow:
            visit = uow.appointments.get(visit_id)
            if visit is None or visit.status is not AppointmentStatus.BOOKED:
                raise InvalidInput("This visit is no longer booked, so there is nothing to confirm.")
            uow.appointments.confirm(visit_id, self._clock.now())
            uow.commit()
        return attrs.evolve(visit, confirmed_at=visit.confirmed_at or self._clock.now())

    def cancel(self, token: str) -> Cancellation:
        """Cancels the visit as the patient would from the portal, with the clinic's fee. Raises
        ``InvalidInput`` (bad link, not booked, the clinic takes cancellations by phone only)."""
        return self._held.cancel(self._linked(token), actor=LINK_ACTOR)

    def move_options(self, token: str, first_day: date, last_day: date) -> MoveOptions:
        """The visit and the times it may move to, as in the portal. Raises ``InvalidInput`` (a bad link, a range
        of days over a month)."""
        return self._held.move_options(self._linked(token), first_day, last_day)

    def visit(self, token: str) -> ManagedVisit:
        """The visit with what cancelling it now would cost; raises ``InvalidInput`` for a bad link."""
        return self._held.visit(self._linked(token))

    def reschedule(self, token: str, start_at: datetime, *, ip: str = "") -> Appointment:
        """Moves the visit to one of the times ``move_options`` offers, as the patient would in the portal; audited
        as the reminder link. Raises ``InvalidInput`` and ``SlotTaken``."""
        return self._held.reschedule(self._linked(token), start_at, actor=LINK_ACTOR, ip=ip)

    def _linked(self, token: str) -> Appointment:
        visit_id = self._links.read(token, self._clock.now())
        with self._uow(readonly=True) as uow:
            visit = uow.appointments.get(visit_id)
        if visit is None:
            raise InvalidInput(BAD_LINK)
        return visit
