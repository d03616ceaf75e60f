"""The page a "visit booked with your email" message links to: the visit, and a button that adds it to the record.

Nothing changes on GET (mail scanners follow links); the button posts, and the answer leads back to the page,
which then says the visit is on the record.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal_web.access.account_views import message
from portal_web.booking.checkout_views import visit_summary
from portal_web.i18n import N_
from portal_web.rendering import Page, render
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money

ADDED = N_("The visit is on your record")
ADDED_TEXT = N_("You will find it among your visits, with its forms, when you sign in to the portal.")
LINK_TROUBLE = N_("This link does not work")


def claim_page(portal: Portal, clinic: Clinic, lang: str, token: str) -> Page:
    try:
        claimed = portal.visit_claims.preview(token)
    except InvalidInput as error:
        return message(LINK_TROUBLE, str(error), status=400)
    if claimed.done:
        return message(ADDED, ADDED_TEXT)
    visit = claimed.appointment
    return Page("visit_claim.html", {
        "summary": visit_summary(portal, clinic, lang, services=visit.services, provider=visit.provider,
                                 location=visit.location, start_at=visit.start_at, end_at=visit.end_at),
        "price": Money(visit.price_cents, clinic.currency), "token": token})


class VisitClaimPages(Controller):
    """Reached from the email sent to a profile when its address was used to book from another mobile."""

    path = "/visit-claims/{token:str}"
    include_in_schema = False

    @get("/", name="visit_claim", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """The visit, and the button that adds it to the record."""
        return render(request, clinic, lang, claim_page(portal, clinic, lang, token))

    @post("/", sync_to_thread=True, status_code=303)
    def accept(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str],
               token: FromPath[str]) -> Redirect | Template:
        """Adds the visit to the record (again: nothing changes), then back to the page."""
        try:
            portal.visit_claims.accept(token)
        except InvalidInput as error:
            return render(request, clinic, lang, message(LINK_TROUBLE, str(error), status=400))
        return Redirect(f"/visit-claims/{token}", status_code=303)
