"""The page a reminder links to: the visit, with buttons to confirm it or cancel it (with the clinic's fee)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.access.account_views import message
from portal_web.booking.checkout_views import visit_summary
from portal_web.i18n import N_
from portal_web.rendering import Page, render
from portal_web.sessions import client_ip
from portal_web.visits.reference_pages import FirstDay
from portal_web.visits.views import LinkedVisit, RescheduleForm, VisitChanges
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money
from portalcore.domain.translations import in_language

Moved = Annotated[bool, QueryParameter(description="The visit was just moved.")]
CONFIRMED = N_("Thank you, your visit is confirmed")
CONFIRMED_TEXT = N_("We look forward to seeing you.")
CANCELLED = N_("Your visit is cancelled")
CANCELLED_TEXT = N_("We sent you an email about it. You are welcome to book again at any time.")
LINK_TROUBLE = N_("This link does not work")


def visit_page(portal: Portal, clinic: Clinic, lang: str, token: str, ip: str, moved: bool = False) -> Page:
    try:
        linked = portal.linked_visits.show(token, ip=ip)
    except InvalidInput as error:
        return message(LINK_TROUBLE, error, status=400)
    visit = linked.visit
    return Page("visit.html", {
        "summary": visit_summary(portal, clinic, lang, services=visit.services, provider=visit.provider,
                                 location=visit.location, start_at=visit.start_at, end_at=visit.end_at),
        "status": visit.status.value, "confirmed": linked.confirmed, "may_cancel": linked.may_cancel,
        "may_move": linked.may_move, "moved": moved,
        "terms": linked.terms, "price": Money(visit.price_cents, clinic.currency),
        "policy": in_language(clinic.settings.cancellation, "text", lang), "token": token})


def act(change: Callable[[], object], heading: str, text: str) -> Page:
    """Does what the link's holder asked; a bad link or a visit past changing gets a readable 400."""
    try:
        change()
    except InvalidInput as error:
        return message(LINK_TROUBLE, error, status=400)
    return message(heading, text)


class VisitLinkPages(Controller):
    """Reached from a reminder's signed link; nothing changes on GET."""

    path = "/visit/{token:str}"
    include_in_schema = False

    @get("/", name="visit_link", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], token: FromPath[str], moved: Moved = False) -> Template:
        """The visit, and what the patient may do about it (after a move, saying so)."""
        return render(request, clinic, lang, visit_page(portal, clinic, lang, token, client_ip(request), moved))

    @post("/confirm", sync_to_thread=True, status_code=200)
    def confirm(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """The patient says they are coming."""
        return render(request, clinic, lang, act(lambda: portal.linked_visits.confirm(token), CONFIRMED,
                                                 CONFIRMED_TEXT))

    @get("/reschedule", name="visit_link_times", sync_to_thread=True)
    def times(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], token: FromPath[str], first_day: FirstDay = None) -> Template:
        """A week of times the visit may move to, as the patient could choose them in the portal."""
        page = VisitChanges(portal, clinic, lang).times(LinkedVisit(portal, token, client_ip(request)), first_day)
        return render(request, clinic, lang, page)

    @post("/reschedule", sync_to_thread=True, status_code=303)
    def reschedule(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str],
                   data: URLEncodedBody[RescheduleForm]) -> Template | Redirect:
        """Moves the visit; back to the link's page, which shows the new time (a refusal shows the times again)."""
        outcome = VisitChanges(portal, clinic, lang).reschedule(LinkedVisit(portal, token, client_ip(request)), data)
        if isinstance(outcome, Page):
            return render(request, clinic, lang, outcome)
        return Redirect(f"/visit/{token}?moved=1", status_code=303)

    @post("/cancel", sync_to_thread=True, status_code=200)
    def cancel(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """Cancels the visit under the clinic's policy."""
        return render(request, clinic, lang, act(lambda: portal.linked_visits.cancel(token), CANCELLED,
                                                 CANCELLED_TEXT))
