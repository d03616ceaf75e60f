"""The page a waitlist offer links to: the freed time, and a button that books it if it is still free."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal_web.account_views import message
from portal_web.checkout_views import visit_summary
from portal_web.i18n import N_
from portal_web.rendering import Page, render
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput
from portalcore.services.waitlist import OfferGone

OFFER_GONE = N_("This time is no longer available")
OFFER_TROUBLE = N_("This link does not work")


def offer_page(portal: Portal, clinic: Clinic, lang: str, token: str) -> Page:
    try:
        offer = portal.waitlist.offer(token)
    except InvalidInput as error:
        return message(OFFER_TROUBLE, str(error), status=400)
    plan = portal.booking.plan(offer.services)
    summary = visit_summary(portal, clinic, lang, services=offer.services, provider=offer.provider,
                            location=offer.location, start_at=offer.start_at,
                            end_at=offer.start_at + timedelta(minutes=plan.visit_minutes))
    return Page("waitlist_offer.html", {"summary": summary, "price": plan.price, "token": token,
                                        "open": offer.open(portal.clock.now())})


class WaitlistPages(Controller):
    path = "/waitlist/offer/{token:str}"
    include_in_schema = False

    @get("/", name="waitlist_offer", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """The offered time and what it costs."""
        return render(request, clinic, lang, offer_page(portal, clinic, lang, token))

    @post("/", sync_to_thread=True, status_code=303)
    def accept(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Redirect | Template:
        """Books it for the patient if nobody was quicker; then the booking's page."""
        try:
            visit = portal.waitlist.accept(token)
        except OfferGone as error:
            return render(request, clinic, lang, message(OFFER_GONE, str(error), status=409))
        except InvalidInput as error:
            return render(request, clinic, lang, message(OFFER_TROUBLE, str(error), status=400))
        return Redirect(f"/bookings/{visit.reference}", status_code=303)
