"""The checkout pages of a held time, and the confirmation page of a booking with its calendar file."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.booking.checkout_views import Checkout, booked
from portal_web.booking.confirmation import calendar_file, confirmation_page
from portal_web.booking.forms import CodeForm, ConfirmForm, DetailsForm
from portal_web.booking.receipts import read_receipt
from portal_web.booking.views import cart_href
from portal_web.rendering import Page, render
from portal_web.sessions import client_ip, find_visitor
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import PortalError


def own_record(request: Request[Any, Any, Any], portal: Portal) -> int | None:
    """The patient signed in to the portal in this browser (their own record, not one they act for), if any: a
    booking with their email goes onto their profile whatever mobile they prove (issue 12)."""
    visitor = find_visitor(request, portal)
    return visitor.account.account.patient_id if visitor is not None else None


class CheckoutPages(Controller):
    """Step 1 is a GET; each later step is a POST answered with the next step's page (or the same with an error)."""

    path = "/book/checkout/{token:str}"
    include_in_schema = False

    @get("/", name="checkout", sync_to_thread=True)
    def details(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """Step 1: who is coming."""
        return render(request, clinic, lang, Checkout(portal, clinic, lang, token).details())

    @post("/phone", sync_to_thread=True, status_code=200)
    def phone(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], token: FromPath[str], data: URLEncodedBody[DetailsForm]) -> Template:
        """Step 2: the details are checked and a code is texted to the mobile number."""
        return render(request, clinic, lang, Checkout(portal, clinic, lang, token).phone(data, client_ip(request)))

    @post("/resend", sync_to_thread=True, status_code=200)
    def resend(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], token: FromPath[str], data: URLEncodedBody[CodeForm]) -> Template:
        """Step 2 again, with a fresh code."""
        return render(request, clinic, lang, Checkout(portal, clinic, lang, token).resend(data, client_ip(request)))

    @post("/verify", sync_to_thread=True, status_code=200)
    def verify(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], token: FromPath[str], data: URLEncodedBody[CodeForm]) -> Template:
        """Step 3 once the code is right: the price, the policy and the card."""
        checkout = Checkout(portal, clinic, lang, token, own_record(request, portal))
        return render(request, clinic, lang, checkout.verify(data))

    @post("/confirm", sync_to_thread=True, status_code=200)
    def confirm(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str],
                data: URLEncodedBody[ConfirmForm]) -> Redirect | Template:
        """Books the visit and shows its confirmation page."""
        result = Checkout(portal, clinic, lang, token, own_record(request, portal)).confirm(data)
        if isinstance(result, Page):
            return render(request, clinic, lang, result)
        return booked(portal, result)

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
