"""``/bookings/{reference}/reschedule`` and ``/cancel``: the confirmation email sends the patient to their
booking's page "to view, reschedule or cancel" it; whoever holds the reference may move or cancel that visit
under the clinic's rules, without signing in. Nothing changes on GET; a change answers with a redirect to
``/bookings/{reference}/changed``, so reloading repeats nothing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.rendering import Page, render
from portal_web.sessions import client_ip
from portal_web.visits.changed import cancelled, changed, moved
from portal_web.visits.views import ReferencedVisit, RescheduleForm, VisitChanges
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic

FirstDay = Annotated[date | None, QueryParameter(name="from", description="The first day shown (YYYY-MM-DD).")]
Done = Annotated[Literal["moved", "cancelled"] | None, QueryParameter(description="What was just changed.")]


def held(request: Request[Any, Any, Any], portal: Portal, reference: str) -> ReferencedVisit:
    return ReferencedVisit(portal, reference, client_ip(request))


class ReferenceChangePages(Controller):
    """Change the time of a booked visit, or cancel it, with its booking reference."""

    path = "/bookings/{reference:str}"
    include_in_schema = False

    @get("/reschedule", name="reschedule_booking", sync_to_thread=True)
    def times(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], reference: FromPath[str], first_day: FirstDay = None) -> Template:
        """A week of times the visit may move to (same treatments, provider and place)."""
        page = VisitChanges(portal, clinic, lang).times(held(request, portal, reference), first_day)
        return render(request, clinic, lang, page)

    @post("/reschedule", sync_to_thread=True, status_code=303)
    def reschedule(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str], reference: FromPath[str],
                   data: URLEncodedBody[RescheduleForm]) -> Template | Redirect:
        """Moves the visit to the chosen time; a refused time shows the reason and the times again."""
        outcome = VisitChanges(portal, clinic, lang).reschedule(held(request, portal, reference), data)
        if isinstance(outcome, Page):
            return render(request, clinic, lang, outcome)
        return moved(held(request, portal, reference))

    @get("/cancel", name="cancel_booking", sync_to_thread=True)
    def cancel_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                    clinic: NamedDependency[Clinic], lang: NamedDependency[str], reference: FromPath[str]) -> Template:
        """The visit, what cancelling it now costs and what becomes of the deposit, before the patient confirms."""
        return render(request, clinic, lang, VisitChanges(portal, clinic, lang).cancel_form(
            held(request, portal, reference)))

    @post("/cancel", sync_to_thread=True, status_code=303)
    def cancel(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], reference: FromPath[str]) -> Template | Redirect:
        """Cancels the visit under the clinic's policy; a refusal shows the cancel page with the reason."""
        target = held(request, portal, reference)
        outcome = VisitChanges(portal, clinic, lang).cancel(target)
        if isinstance(outcome, Page):
            return render(request, clinic, lang, outcome)
        return cancelled(portal, target, outcome)

    @get("/changed", name="booking_changed", sync_to_thread=True)
    def changed(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], reference: FromPath[str],
                done: Done = None) -> Template | Redirect:
        """The visit after the change: its new time, or that it is cancelled (with what became of the deposit)."""
        return changed(request, portal, clinic, lang, held(request, portal, reference), done)
