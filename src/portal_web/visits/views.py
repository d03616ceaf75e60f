"""Moving or cancelling a visit from the signed-in portal, as pages: the open times to move it to, the
cancellation with the fee it costs now, and the outcome.

The core decides whose visit it is (another patient's is a 404, a proxy outside their grant a 403) and what the
clinic allows; a refused change comes back as a 4xx page with the reason, and with the times again.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from msgspec import Struct

from portal_web.booking.views import WEEK, Names, clinic_today, days_of, parse_day, parse_instant
from portal_web.errors import describe
from portal_web.i18n import N_, date_label, day_label, time_label
from portal_web.records.views import refused, visit_card
from portal_web.rendering import Page
from portal_web.sessions import Visitor
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import PortalError
from portalcore.services.visits.portal_changes import ManagedVisit

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
)


class RescheduleForm(Struct, kw_only=True):
    """A time button of the reschedule page (the times partial also sends the booking page's fields)."""

    start_at: str = ""
    week: str = ""  # the first day shown, to show the same week again when the time is refused


def _status(error: PortalError | None) -> int:
    return describe(error).status if error else 200


class VisitChanges:
    """The pages of one signed-in request about one of the patient's visits."""

    def __init__(self, portal: Portal, clinic: Clinic, lang: str, ip: str) -> None:
        self.portal, self.clinic, self.lang, self.ip = portal, clinic, lang, ip
        self.zone = ZoneInfo(clinic.time_zone)

    # -- change time
    def times(self, visitor: Visitor, visit_id: int, first_day: date | None = None,
              error: PortalError | None = None) -> Page:
        """A week of times the visit may move to, from ``first_day`` (default: today at the clinic)."""
        path, today = f"/portal/visits/{visit_id}/reschedule", clinic_today(self.portal, self.clinic)
        first = max(first_day or today, today)
        last = first + timedelta(days=WEEK - 1)
        try:
            options = self.portal.portal_visits.move_options(visitor.session, visit_id, first, last, ip=self.ip)
        except PortalError as failure:
            return refused(failure, "/portal/visits")
        earlier = max(today, first - timedelta(days=WEEK))
        context = {**self._visit(options.visit), "action": path, "first_day": first.isoformat(),
                   "week": (day_label(first, self.lang), day_label(last, self.lang)),
                   "days": days_of(options.slots, self.zone, self.lang, Names(self.portal)),
                   "previous_href": f"{path}?from={earlier.isoformat()}" if first > today else None,
                   "next_href": f"{path}?from={(first + timedelta(days=WEEK)).isoformat()}",
                   "error": str(error) if error else None}
        return Page("visit_reschedule.html", context, status=_status(error), switch_path=path)

    def reschedule(self, visitor: Visitor, visit_id: int, form: RescheduleForm) -> Page:
        """Moves the visit to the chosen time and says when it is now; a refusal shows the times again."""
        try:
            moved = self.portal.portal_visits.reschedule(visitor.session, visit_id, parse_instant(form.start_at),
                                                         ip=self.ip)
        except PortalError as error:
            return self.times(visitor, visit_id, parse_day(form.week), error)
        return Page("visit_changed.html", {"moved": True, "date": date_label(moved.start_at, self.zone, self.lang),
                                           "time": time_label(moved.start_at, self.zone, self.lang)},
                    switch_path="/portal/visits")

    # -- cancel
    def cancel_form(self, visitor: Visitor, visit_id: int, error: PortalError | None = None) -> Page:
        """The visit, what cancelling it now costs under the clinic's policy, and the button (or why not)."""
        path = f"/portal/visits/{visit_id}/cancel"
        try:
            managed = self.portal.portal_visits.visit(visitor.session, visit_id, ip=self.ip)
        except PortalError as failure:
            return refused(failure, "/portal/visits")
        context = {**self._visit(managed), "action": path, "terms": managed.terms, "policy": managed.policy,
                   "error": str(error) if error else None}
        return Page("visit_cancel.html", context, status=_status(error), switch_path=path)

    def cancel(self, visitor: Visitor, visit_id: int) -> Page:
        try:
            done = self.portal.portal_visits.cancel(visitor.session, visit_id, ip=self.ip)
        except PortalError as error:
            return self.cancel_form(visitor, visit_id, error)
        start = done.appointment.start_at
        return Page("visit_changed.html", {"moved": False, "date": date_label(start, self.zone, self.lang),
                                           "time": time_label(start, self.zone, self.lang), "terms": done.terms,
                                           "fee_charged": done.fee_charged, "refunded": done.refunded},
                    switch_path="/portal/visits")

    def _visit(self, managed: ManagedVisit) -> dict[str, object]:
        return {"visit": visit_card(managed.view, self.zone, self.lang), "patient_name": managed.patient_name,
                "as_proxy": managed.as_proxy, "move_refusal": managed.move_refusal,
                "cancel_refusal": managed.cancel_refusal}
