"""The page a waitlist offer links to: the freed time, what booking it asks (deposit, card, policy, as the online
checkout does), and a button that books it if it is still free."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from msgspec import Struct

from portal_web.access.account_views import message
from portal_web.booking.checkout_views import SIMULATED_CARDS, booked, visit_summary
from portal_web.errors import describe
from portal_web.i18n import N_
from portal_web.rendering import Page, render
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, PortalError
from portalcore.services.visits.waitlist import OfferGone

OFFER_GONE = N_("This time is no longer available")
OFFER_TROUBLE = N_("This link does not work")


class OfferForm(Struct, kw_only=True):
    """Accepting an offer: the policy, and a card on file or a new card when the clinic asks for one."""

    accept_policy: str = ""
    saved_card: str | None = None  # a card on file's payment method; "" for another card
    payment_method: str = ""


def offer_page(portal: Portal, clinic: Clinic, lang: str, token: str, form: OfferForm | None = None,
               error: PortalError | None = None) -> Page:
    try:
        terms = portal.waitlist.terms(token)
    except InvalidInput as refused:
        return message(OFFER_TROUBLE, str(refused), status=400)
    offer, form = terms.offer, form or OfferForm()
    plan = terms.quote.plan
    summary = visit_summary(portal, clinic, lang, services=offer.services, provider=offer.provider,
                            location=offer.location, start_at=offer.start_at,
                            end_at=offer.start_at + timedelta(minutes=plan.visit_minutes))
    return Page("waitlist_offer.html", {
        "summary": summary, "price": plan.price, "token": token, "open": offer.open(portal.clock.now()),
        "quote": terms.quote, "saved_cards": terms.cards, "saved_card": form.saved_card,
        "simulated": portal.payments.simulated, "cards": SIMULATED_CARDS, "payment_method": form.payment_method,
        "accepted": bool(form.accept_policy), "error": error},
        status=describe(error).status if error else 200, switch_path=f"/waitlist/offer/{token}")


class WaitlistPages(Controller):
    path = "/waitlist/offer/{token:str}"
    include_in_schema = False

    @get("/", name="waitlist_offer", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """The offered time, what it costs and what booking it asks."""
        return render(request, clinic, lang, offer_page(portal, clinic, lang, token))

    @post("/", sync_to_thread=True, status_code=303)
    def accept(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str],
               data: URLEncodedBody[OfferForm]) -> Redirect | Template:
        """Books it for the patient if nobody was quicker; then the booking's page. A refused card or a missing
        answer shows the offer again, still open, with the reason."""
        try:
            confirmation = portal.waitlist.accept(token, data.saved_card or data.payment_method,
                                                  accepted_policy=bool(data.accept_policy))
        except OfferGone as error:
            return render(request, clinic, lang, message(OFFER_GONE, error, status=409))
        except PortalError as error:
            return render(request, clinic, lang, offer_page(portal, clinic, lang, token, data, error))
        return booked(portal, confirmation)
