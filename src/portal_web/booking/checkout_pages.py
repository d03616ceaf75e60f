"""The checkout pages of a held time, and the confirmation page of a booking with its calendar file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.booking.browser import browser_key, with_key
from portal_web.booking.checkout_views import Answer, Checkout, booked
from portal_web.booking.confirmation import calendar_file, confirmation_page
from portal_web.booking.forms import CodeForm, ConfirmForm, DetailsForm
from portal_web.booking.receipts import read_receipt
from portal_web.booking.refusals import cleared, read_refusal
from portal_web.booking.views import cart_href
from portal_web.rendering import render
from portal_web.sessions import client_ip, find_visitor, is_secure
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import PortalError
from portalcore.services.booking.checkout import Confirmation


def step(request: Request[Any, Any, Any], portal: Portal, clinic: Clinic, lang: str, token: str,
         take: Callable[[Checkout], Answer | Confirmation]) -> Redirect | Template:
    """Runs one step for this browser (its key made on the first visit) and answers with the page or redirect."""
    key, cookie = browser_key(request, portal)
    path, secret, secure = f"/book/checkout/{token}", portal.settings.secret_key, is_secure(portal.settings.base_url)
    refusal = read_refusal(secret, path, request.cookies) if request.method == "GET" else None
    result = take(Checkout(portal, clinic, lang, token, key, refusal, signed_in=own_record(request, portal),
                           ip=client_ip(request)))
    if isinstance(result, Confirmation):
        return with_key(booked(portal, result), cookie)
    response = result if isinstance(result, Redirect) else render(request, clinic, lang, result)
    if refusal is not None:  # shown once
        response.cookies.append(cleared(path, secure))
    return with_key(response, cookie)


def own_record(request: Request[Any, Any, Any], portal: Portal) -> int | None:
    """The patient signed in to the portal in this browser (their own record, not one they act for), if any: a
    booking with their email goes onto their profile whatever mobile they prove (issue 12)."""
    visitor = find_visitor(request, portal)
    return visitor.account.account.patient_id if visitor is not None else None


class CheckoutPages(Controller):
    """Each step is a page a GET shows again (the Back button works); each form answers with a redirect: to the
    next step, or to its own page, which then shows why it was refused (with the refusal's 4xx status)."""

    path = "/book/checkout/{token:str}"
    include_in_schema = False

    @get("/", name="checkout", sync_to_thread=True)
    def details(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                token: FromPath[str]) -> Redirect | Template:
        """Step 1: who is coming."""
        return step(request, portal, clinic, lang, token, lambda checkout: checkout.details())

    @get("/code", name="checkout_code", sync_to_thread=True)
    def code(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], token: FromPath[str], sent: FromQuery[str] = "") -> Redirect | Template:
        """Step 2: the code texted to the mobile number."""
        return step(request, portal, clinic, lang, token, lambda checkout: checkout.code(sent=bool(sent)))

    @get("/card", name="checkout_card", sync_to_thread=True)
    def card(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], token: FromPath[str]) -> Redirect | Template:
        """Step 3: the price, the policy and the card."""
        return step(request, portal, clinic, lang, token, lambda checkout: checkout.card())

    @post("/phone", sync_to_thread=True, status_code=303)
    def phone(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], token: FromPath[str],
              data: URLEncodedBody[DetailsForm]) -> Redirect | Template:
        """Keeps the details and texts a code to the mobile number; on to step 2 (or 3, once it is proven)."""
        return step(request, portal, clinic, lang, token, lambda checkout: checkout.phone(data))

    @post("/resend", sync_to_thread=True, status_code=303)
    def resend(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], token: FromPath[str]) -> Redirect | Template:
        """Step 2 again, with a fresh code."""
        return step(request, portal, clinic, lang, token, lambda checkout: checkout.resend())

    @post("/verify", sync_to_thread=True, status_code=303)
    def verify(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], token: FromPath[str], data: URLEncodedBody[CodeForm]) -> Redirect | Template:
        """Checks the code; on to step 3."""
        return step(request, portal, clinic, lang, token, lambda checkout: checkout.verify(data))

    @post("/confirm", sync_to_thread=True, status_code=303)
    def confirm(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str],
                data: URLEncodedBody[ConfirmForm]) -> Redirect | Template:
        """Books the visit (once: a repeat leads to the same booking) and goes to its confirmation page."""
        return step(request, portal, clinic, lang, token, lambda checkout: checkout.confirm(data))

    @post("/release", sync_to_thread=True, status_code=303)
    def release(self, portal: NamedDependency[Portal], token: FromPath[str]) -> Redirect:
        """Gives the held time back and returns to the cart."""
        try:
            services = portal.booking.held(token).services
        except PortalError:
            services = ()
        portal.booking.release(token)
        return Redirect(cart_href(services), status_code=303)


class ConfirmationPages(Controller):
    """A booked visit, by its unguessable reference."""

    path = "/bookings/{reference:str}"
    include_in_schema = False

    @get("/", name="booking", sync_to_thread=True)
    def booking(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], reference: FromPath[str]) -> Template:
        """When, where, with whom, what was paid, and the calendar file."""
        receipt = read_receipt(portal.settings.secret_key, reference, request.cookies)
        return render(request, clinic, lang, confirmation_page(portal, clinic, lang, reference, receipt))

    @get("/calendar.ics", name="booking_calendar", sync_to_thread=True)
    def calendar(self, portal: NamedDependency[Portal], clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                 reference: FromPath[str]) -> Response[bytes]:
        """The visit as an iCalendar file for the patient's own calendar."""
        attachment = calendar_file(portal, clinic, reference, lang)
        return Response(attachment.content, media_type=attachment.content_type,
                        headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"'})
