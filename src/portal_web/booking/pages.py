"""The booking pages before the checkout: cart, provider, times, and holding the chosen time."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.booking.browser import browser_key, with_key
from portal_web.booking.forms import HoldForm
from portal_web.booking.views import cart_page, parse_cart, parse_day, parse_instant, provider_page, times_page
from portal_web.rendering import render
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.services.booking.availability import ANY, TimeTaken

Services = Annotated[str, QueryParameter(name="services", description="Service slugs, comma separated.")]
FirstDay = Annotated[date | None, QueryParameter(name="from", description="The first day shown (YYYY-MM-DD).")]


class BookingPages(Controller):
    """Choosing what, with whom and when; every step is a plain link or form and works without JavaScript."""

    path = "/book"
    include_in_schema = False

    @get("/", name="cart", sync_to_thread=True)
    def cart(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], services: Services = "") -> Template:
        """The visit being put together: add, remove and reorder services through links."""
        return render(request, clinic, lang, cart_page(portal, parse_cart(services)))

    @get("/provider", name="provider", sync_to_thread=True)
    def provider(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                 clinic: NamedDependency[Clinic], lang: NamedDependency[str], services: Services) -> Template:
        """Who should do the visit."""
        return render(request, clinic, lang, provider_page(portal, clinic, parse_cart(services)))

    @get("/times", name="times", sync_to_thread=True)
    def times(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], services: Services, first_day: FirstDay = None,
              provider: FromQuery[str] = ANY, resume: FromQuery[str] = "") -> Template:
        """A week of open times, by day in the clinic's time zone (``resume``: see ``times_page``)."""
        return render(request, clinic, lang, times_page(portal, clinic, lang, parse_cart(services), provider,
                                                        first_day, resume=resume))

    @post("/hold", name="hold", sync_to_thread=True)
    def hold(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], data: URLEncodedBody[HoldForm]) -> Redirect | Template:
        """Keeps the chosen time and goes on to the checkout; a time taken meanwhile shows the next ones (409)."""
        cart = parse_cart(data.services)
        try:
            held = portal.booking.hold(cart.services, data.provider, parse_instant(data.start_at),
                                       data.location or None)
        except TimeTaken as taken:
            week = parse_day(data.week)
            return render(request, clinic, lang, times_page(portal, clinic, lang, cart, data.choice, week, taken,
                                                            resume=data.resume))
        key, cookie = browser_key(request, portal)
        if data.resume:  # a checkout that lost its time goes on with this one: what was typed comes along
            portal.checkout_steps.carry(data.resume, held.token, key)
        return with_key(Redirect(f"/book/checkout/{held.token}", status_code=303), cookie)
