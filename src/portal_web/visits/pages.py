"""``/portal/visits/{id}/reschedule`` and ``/portal/visits/{id}/cancel``: a signed-in patient (or their proxy)
moves or cancels one of the patient's visits. Without a live session they lead to sign-in; nothing changes on
GET; a change answers with a redirect to ``/portal/visits/{id}/changed``, so reloading repeats nothing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.rendering import Page, render
from portal_web.schemas import RecordId
from portal_web.visits.changed import cancelled, changed, moved
from portal_web.sessions import Visitor, client_ip, session_dependencies
from portal_web.visits.views import RescheduleForm, SessionVisit, VisitChanges
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic

FirstDay = Annotated[date | None, QueryParameter(name="from", description="The first day shown (YYYY-MM-DD).")]
Done = Annotated[Literal["moved", "cancelled"] | None, QueryParameter(description="What was just changed.")]


def changes(portal: Portal, clinic: Clinic, lang: str) -> VisitChanges:
    return VisitChanges(portal, clinic, lang)


def own_visit(request: Request[Any, Any, Any], portal: Portal, visitor: Visitor, visit_id: int,
              lang: str = "") -> SessionVisit:
    return SessionVisit(portal, visitor, visit_id, client_ip(request), lang)


class VisitChangePages(Controller):
    """Change the time of a visit, or cancel it, from the list of visits."""

    path = "/portal/visits/{visit_id:int}"
    include_in_schema = False
    dependencies = session_dependencies()

    @get("/reschedule", name="reschedule_visit", sync_to_thread=True)
    def times(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], visitor: NamedDependency[Visitor], visit_id: RecordId,
              first_day: FirstDay = None) -> Template:
        """A week of times the visit may move to (same treatments, provider and place)."""
        page = changes(portal, clinic, lang).times(own_visit(request, portal, visitor, visit_id, lang), first_day)
        return render(request, clinic, lang, page)

    @post("/reschedule", sync_to_thread=True, status_code=303)
    def reschedule(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                   visit_id: RecordId, data: URLEncodedBody[RescheduleForm]) -> Template | Redirect:
        """Moves the visit to the chosen time, then shows it (a redirect); a refused time shows the reason and the
        times again."""
        outcome = changes(portal, clinic, lang).reschedule(own_visit(request, portal, visitor, visit_id, lang), data)
        if isinstance(outcome, Page):
            return render(request, clinic, lang, outcome)
        return moved(own_visit(request, portal, visitor, visit_id))

    @get("/cancel", name="cancel_visit", sync_to_thread=True)
    def cancel_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                    clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                    visit_id: RecordId) -> Template:
        """The visit and what cancelling it now costs, before the patient confirms."""
        page = changes(portal, clinic, lang).cancel_form(own_visit(request, portal, visitor, visit_id, lang))
        return render(request, clinic, lang, page)

    @post("/cancel", sync_to_thread=True, status_code=303)
    def cancel(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], visitor: NamedDependency[Visitor],
               visit_id: RecordId) -> Template | Redirect:
        """Cancels the visit under the clinic's policy (a late fee is paid from the deposit, then the card), then
        shows it (a redirect); a refusal shows the cancel page with the reason."""
        target = own_visit(request, portal, visitor, visit_id, lang)
        done = changes(portal, clinic, lang).cancel(target)
        if isinstance(done, Page):
            return render(request, clinic, lang, done)
        return cancelled(portal, target, done)

    @get("/changed", name="visit_changed", sync_to_thread=True)
    def changed(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
                lang: NamedDependency[str], visitor: NamedDependency[Visitor], visit_id: RecordId,
                done: Done = None) -> Template | Redirect:
        """The visit after the change: its new time, or that it is cancelled."""
        return changed(request, portal, clinic, lang, own_visit(request, portal, visitor, visit_id, lang), done)
