"""The page a reminder links to: the visit, with buttons to confirm it or cancel it (with the clinic's fee)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from portal_web.access.account_views import message
from portal_web.booking.checkout_views import visit_summary
from portal_web.i18n import N_
from portal_web.rendering import Page, render
from portal_web.sessions import client_ip
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money

CONFIRMED = N_("Thank you, your visit is confirmed")
CONFIRMED_TEXT = N_("We look forward to seeing you.")
CANCELLED = N_("Your visit is cancelled")
CANCELLED_TEXT = N_("We sent you an email about it. You are welcome to book again at any time.")
LINK_TROUBLE = N_("This link does not work")


def visit_page(portal: Portal, clinic: Clinic, lang: str, token: str, ip: str) -> Page:
    try:
        linked = portal.linked_visits.show(token, ip=ip)
    except InvalidInput as error:
        return message(LINK_TROUBLE, str(error), status=400)
    visit = linked.visit
    return Page("visit.html", {
        "summary": visit_summary(portal, clinic, lang, services=visit.services, provider=visit.provider,
                                 location=visit.location, start_at=visit.start_at, end_at=visit.end_at),
        "status": visit.status.value, "confirmed": linked.confirmed, "may_cancel": linked.may_cancel,
        "terms": linked.terms, "price": Money(visit.price_cents, clinic.currency),
        "policy": clinic.settings.cancellation.text, "token": token})


def act(change: Callable[[], object], heading: str, text: str) -> Page:
    """Does what the link's holder asked; a bad link or a visit past changing gets a readable 400."""
    try:
        change()
    except InvalidInput as error:
        return message(LINK_TROUBLE, str(error), status=400)
    return message(heading, text)


class VisitLinkPages(Controller):
    """Reached from a reminder's signed link; nothing changes on GET."""

    path = "/visit/{token:str}"
    include_in_schema = False

    @get("/", name="visit_link", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """The visit, and what the patient may do about it."""
        return render(request, clinic, lang, visit_page(portal, clinic, lang, token, client_ip(request)))

    @post("/confirm", sync_to_thread=True, status_code=200)
    def confirm(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """The patient says they are coming."""
        return render(request, clinic, lang, act(lambda: portal.linked_visits.confirm(token), CONFIRMED,
                                                 CONFIRMED_TEXT))

    @post("/cancel", sync_to_thread=True, status_code=200)
    def cancel(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """Cancels the visit under the clinic's policy."""
        return render(request, clinic, lang, act(lambda: portal.linked_visits.cancel(token), CANCELLED,
                                                 CANCELLED_TEXT))
