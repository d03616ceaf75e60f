"""Moving or cancelling a visit from the signed-in portal, as pages: the open times to move it to, the
cancellation with the fee it costs now, and the outcome.

The core decides whose visit it is (another patient's is a 404, a proxy outside their grant a 403) and what the
clinic allows; a refused change comes back as a 4xx page with the reason, and with the times again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import attrs
from litestar.response import Redirect
from msgspec import Struct

from portal_web.booking.views import WEEK, Names, clinic_today, days_of, parse_day, parse_instant
from portal_web.errors import describe
from portal_web.i18n import N_, date_label, day_label, time_label
from portal_web.records.views import refused, visit_card
from portal_web.rendering import Page
from portal_web.sessions import Visitor
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.clinic import Clinic
from portalcore.domain.clock import plausible_day
from portalcore.domain.errors import PortalError
from portalcore.domain.translations import in_language
from portalcore.services.visits.changes import Cancellation
from portalcore.services.visits.portal_changes import ManagedVisit, MoveOptions

# Sentences the core says on these pages; listed so they are in the catalog and shown translated.
CORE_MESSAGES = (
    N_("There is no such visit."),
    N_("This visit has already begun. Please call the clinic."),
    N_("Cancelling now costs a fee that is charged to the patient's card, and your access does not cover payments. "
       "Please call the clinic, or ask the patient to cancel."),
    N_("Please call the clinic to cancel this visit."),
    N_("Please call the clinic to move this visit."),
    N_("This visit is too close to move online. Please call the clinic."),
    N_("That time is not open for this visit. Please choose one of the times offered."),
    N_("That time is not valid; please choose a time again."),
    N_("This visit is cancelled, so it cannot be moved."),
    N_("This visit is cancelled, so it cannot be cancelled."),
    N_("This visit is completed, so it cannot be moved."),
    N_("This visit is completed, so it cannot be cancelled."),
    N_("This visit is no show, so it cannot be moved."),
    N_("This visit is no show, so it cannot be cancelled."),
    N_("Ask for between 1 and 31 days at a time."),
    N_("There is no booking with that reference."),
)


class RescheduleForm(Struct, kw_only=True):
    """A time button of the reschedule page (the times partial also sends the booking page's fields)."""

    start_at: str = ""
    week: str = ""  # the first day shown, to show the same week again when the time is refused


def _status(error: PortalError | None) -> int:
    return describe(error).status if error else 200


class VisitTarget(Protocol):
    """One visit as a request may change it: through the session's portal, or with the booking's reference."""

    path: str  # the visit's own pages start here: f"{path}/reschedule", f"{path}/cancel"
    back: str  # where "go back" leads

    def managed(self) -> ManagedVisit: ...
    def options(self, first: date, last: date) -> MoveOptions: ...
    def move(self, start: datetime) -> Appointment: ...
    def cancel(self) -> Cancellation: ...


@attrs.frozen
class SessionVisit:
    """One of the visits of the patient a signed-in session acts for."""

    portal: Portal
    visitor: Visitor
    visit_id: int
    ip: str
    lang: str = ""  # names and the policy in this language where the clinic translated them

    @property
    def path(self) -> str:
        return f"/portal/visits/{self.visit_id}"

    back = "/portal/visits"

    def managed(self) -> ManagedVisit:
        return self.portal.portal_visits.visit(self.visitor.session, self.visit_id, ip=self.ip, language=self.lang)

    def options(self, first: date, last: date) -> MoveOptions:
        return self.portal.portal_visits.move_options(self.visitor.session, self.visit_id, first, last, ip=self.ip)

    def move(self, start: datetime) -> Appointment:
        return self.portal.portal_visits.reschedule(self.visitor.session, self.visit_id, start, ip=self.ip)

    def cancel(self) -> Cancellation:
        return self.portal.portal_visits.cancel(self.visitor.session, self.visit_id, ip=self.ip)


@attrs.frozen
class ReferencedVisit:
    """The visit a booking reference names (from the confirmation email), for whoever holds it."""

    portal: Portal
    reference: str
    ip: str

    @property
    def path(self) -> str:
        return f"/bookings/{self.reference}"

    @property
    def back(self) -> str:
        return self.path

    def managed(self) -> ManagedVisit:
        return self.portal.reference_visits.visit(self.reference)

    def options(self, first: date, last: date) -> MoveOptions:
        return self.portal.reference_visits.move_options(self.reference, first, last)

    def move(self, start: datetime) -> Appointment:
        return self.portal.reference_visits.reschedule(self.reference, start, ip=self.ip)

    def cancel(self) -> Cancellation:
        return self.portal.reference_visits.cancel(self.reference, ip=self.ip)


@attrs.frozen
class LinkedVisit:
    """The visit a reminder's signed link names, for whoever holds the link (the patient it was sent to)."""

    portal: Portal
    token: str
    ip: str

    @property
    def path(self) -> str:
        return f"/visit/{self.token}"

    @property
    def back(self) -> str:
        return self.path

    def managed(self) -> ManagedVisit:
        return self.portal.linked_visits.visit(self.token)

    def options(self, first: date, last: date) -> MoveOptions:
        return self.portal.linked_visits.move_options(self.token, first, last)

    def move(self, start: datetime) -> Appointment:
        return self.portal.linked_visits.reschedule(self.token, start, ip=self.ip)

    def cancel(self) -> Cancellation:
        return self.portal.linked_visits.cancel(self.token)


class VisitChanges:
    """The pages of one request about one visit: the times to move it to, the cancellation, the outcome."""

    def __init__(self, portal: Portal, clinic: Clinic, lang: str) -> None:
        self.portal, self.clinic, self.lang = portal, clinic, lang
        self.zone = ZoneInfo(clinic.time_zone)

    # -- change time
    def times(self, target: VisitTarget, first_day: date | None = None, error: PortalError | None = None) -> Page:
        """A week of times the visit may move to, from ``first_day`` (default: today at the clinic)."""
        path, today = f"{target.path}/reschedule", clinic_today(self.portal, self.clinic)
        first = max(first_day if first_day and plausible_day(first_day) else today, today)
        last = first + timedelta(days=WEEK - 1)
        try:
            options = target.options(first, last)
        except PortalError as failure:
            return refused(failure, target.back)
        earlier = max(today, first - timedelta(days=WEEK))
        context = {**self._visit(options.visit, target), "action": path, "first_day": first.isoformat(),
                   "week": (day_label(first, self.lang), day_label(last, self.lang)),
                   "days": days_of(options.slots, self.zone, self.lang, Names(self.portal)),
                   "previous_href": f"{path}?from={earlier.isoformat()}" if first > today else None,
                   "next_href": f"{path}?from={(first + timedelta(days=WEEK)).isoformat()}"
                   if last < self.clinic.settings.last_bookable_day(today) else None,
                   "error": error}
        return Page("visit_reschedule.html", context, status=_status(error), switch_path=path)

    def reschedule(self, target: VisitTarget, form: RescheduleForm) -> Page | Appointment:
        """Moves the visit to the chosen time (the moved visit); a refusal shows the times again."""
        try:
            return target.move(parse_instant(form.start_at))
        except PortalError as error:
            return self.times(target, parse_day(form.week), error)

    def moved_to(self, start: datetime, back: str) -> Page:
        """The outcome of a move: when the visit is now."""
        return Page("visit_changed.html", {"moved": True, "date": date_label(start, self.zone, self.lang),
                                           "time": time_label(start, self.zone, self.lang), "back": back,
                                           "visit": None}, switch_path=back)

    # -- cancel
    def cancel_form(self, target: VisitTarget, error: PortalError | None = None) -> Page:
        """The visit, what cancelling it now costs under the clinic's policy, and the button (or why not)."""
        path = f"{target.path}/cancel"
        try:
            managed = target.managed()
        except PortalError as failure:
            return refused(failure, target.back)
        context = {**self._visit(managed, target), "action": path, "terms": managed.terms,
                   "policy": in_language(self.clinic.settings.cancellation, "text", self.lang), "error": error}
        return Page("visit_cancel.html", context, status=_status(error), switch_path=path)

    def cancel(self, target: VisitTarget) -> Page | Cancellation:
        """Cancels the visit (the cancellation); a refusal shows the cancel page with the reason."""
        try:
            return target.cancel()
        except PortalError as error:
            return self.cancel_form(target, error)

    def cancelled(self, done: Cancellation | Any, start: datetime, back: str) -> Page:
        """The outcome of a cancellation; ``done`` (its ``terms``, ``fee_charged`` and ``refunded``) is known right
        after it, not when reloaded."""
        return Page("visit_changed.html", {
            "moved": False, "date": date_label(start, self.zone, self.lang), "time": time_label(start, self.zone,
                                                                                              self.lang),
            "terms": done.terms if done else None, "fee_charged": bool(done and done.fee_charged),
            "refunded": done.refunded if done else None, "back": back, "visit": None}, switch_path=back)

    def changed(self, target: VisitTarget, done: str | None, money: Cancellation | Any = None) -> Page | Redirect:
        """What the change did, read again after the redirect (a reload shows the same): the new time, or that the
        visit is cancelled, with ``money`` (what the cancellation did with it, when just made). Without a change of
        that kind, the way back (the visits, or the booking's page)."""
        try:
            view = target.managed().view
        except PortalError as error:
            return refused(error, target.back)
        if done == "cancelled" and view.status is AppointmentStatus.CANCELLED:
            page = self.cancelled(money, view.start_at, target.back)
        elif done == "moved" and view.status is AppointmentStatus.BOOKED:
            page = self.moved_to(view.start_at, target.back)
        else:
            return Redirect(target.back, status_code=303)
        page.context["visit"] = visit_card(view, self.zone, self.lang)
        return page

    def _visit(self, managed: ManagedVisit, target: VisitTarget) -> dict[str, object]:
        return {"visit": visit_card(managed.view, self.zone, self.lang), "patient_name": managed.patient_name,
                "as_proxy": managed.as_proxy, "move_refusal": managed.move_refusal,
                "cancel_refusal": managed.cancel_refusal, "back": target.back}
