"""The checkout of a held time in three steps: details → code from the SMS → policy and card → booked.

Every step is a page of its own that a GET shows again with what is known so far (the Back button works); each
form answers with a redirect to the next page (POST-redirect-GET), or shows its page again with the error and
what was typed when a service refuses it. What the patient told us is kept on the server by the hold's token
(``CheckoutSteps``), never in hidden fields; a repeated confirm leads to the booking already made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import attrs
from litestar.response import Redirect

from portal_web.booking.forms import CodeForm, ConfirmForm, DetailsForm
from portal_web.booking.receipts import receipt_cookie, receipt_of
from portal_web.booking.refusals import Refusal, refusal_cookie, refusal_of
from portal_web.booking.views import Names, href
from portal_web.captcha import refusal, widget
from portal_web.i18n import N_, date_label, time_label
from portal_web.rendering import Page
from portal_web.sessions import is_secure
from portalcore.bootstrap import Portal
from portalcore.domain.booking import CheckoutDraft, PatientDetails
from portalcore.domain.catalog import Service
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, PortalError
from portalcore.services.booking.checkout import Confirmation
from portalcore.services.booking.checkout_steps import RAN_OUT, CheckoutState

# The simulated gateway understands Stripe's test payment method ids.
SIMULATED_CARDS = (("pm_card_visa", N_("Visa •••• 4242 (test)")),
                   ("pm_card_chargeDeclined", N_("Card that is declined (test)")))
CODE_SENT_AGAIN = N_("We sent you a new code.")
DETAILS = ("first_name", "last_name", "email", "mobile")


@attrs.frozen
class VisitSummary:
    services: list[Service]
    date: str
    start: str
    end: str
    provider_name: str
    location_name: str
    location_address: str


def visit_summary(portal: Portal, clinic: Clinic, lang: str, *, services: Sequence[str], provider: str,
                  location: str, start_at: datetime, end_at: datetime) -> VisitSummary:
    """The facts of a visit in the patient's language and the clinic's time zone."""
    zone, names = ZoneInfo(clinic.time_zone), Names(portal)
    place = names.locations.get(location)
    return VisitSummary(portal.catalog.services(services), date_label(start_at, zone, lang), time_label(start_at, zone, lang),
                        time_label(end_at, zone, lang), names.provider(provider), place.name if place else location,
                        place.address if place else "")


Answer = Page | Redirect


class Checkout:
    """The steps for one hold token; each returns the page to show or the redirect to the next step.

    ``refusal`` is why the last form was refused (see ``refusals``): the page of its step shows it once."""

    def __init__(self, portal: Portal, clinic: Clinic, lang: str, token: str, visitor: str,
                 refusal: Refusal | None = None, *, signed_in: int | None = None, ip: str = "") -> None:
        self.portal, self.clinic, self.lang, self.token, self.visitor = portal, clinic, lang, token, visitor
        self.steps, self.refusal, self.path = portal.checkout_steps, refusal, f"/book/checkout/{token}"
        self.signed_in = signed_in  # the patient whose portal session made the request (their own record)
        self.ip = ip

    # -- the pages (GET): each shows what is known so far, or leads to the step still to do
    def details(self) -> Answer:
        def show(state: CheckoutState) -> Answer:
            typed = self._refused("")
            form = DetailsForm(**{k: v for k, v in typed.typed.items() if k in DETAILS}) if typed else None
            return self._details(state, form or details_form(state.draft))
        return self._at(show)

    def code(self, sent: bool = False) -> Answer:
        def show(state: CheckoutState) -> Answer:
            if not state.draft.phone_token:
                return self._go("")
            return self._code(state, notice=CODE_SENT_AGAIN if sent else None)
        return self._at(show)

    def card(self) -> Answer:
        def show(state: CheckoutState) -> Answer:
            if not state.verified:
                return self._go("/code" if state.draft.phone_token else "")
            return self._card(state)
        return self._at(show)

    # -- the forms (POST): on to the next step, or back to this one with why (a redirect either way)
    def phone(self, form: DetailsForm) -> Redirect:
        """Keeps the details and texts a code to the mobile number (once: a number proven already is not asked
        again). A clinic with a CAPTCHA provider asks for its check first: this step texts."""
        try:
            refused = refusal(self.portal, form, self.ip)
            if refused:
                raise refused
            state = self.steps.give_details(self.token, PatientDetails(
                first_name=form.first_name, last_name=form.last_name, email=form.email, mobile=form.mobile,
                language=self.lang), self.visitor, ip=self.ip)
        except PortalError as error:
            return self._refuse("", error, {k: getattr(form, k) for k in DETAILS})
        return self._go("/card" if state.verified else "/code")

    def resend(self) -> Redirect:
        try:
            self.steps.resend(self.token, self.visitor, self.lang, ip=self.ip)
        except PortalError as error:
            return self._refuse("/code", error)
        return self._go("/code?sent=1")

    def verify(self, form: CodeForm) -> Redirect:
        try:
            self.steps.verify(self.token, form.code, self.visitor)
        except PortalError as error:
            return self._refuse("/code", error)
        return self._go("/card")

    def confirm(self, form: ConfirmForm) -> Redirect | Confirmation:
        """Books the visit (a repeat gets the booking already made). A refused or declined card leads to the card
        step again with the hold kept; a time lost meanwhile leads back to the times with the details kept."""
        try:
            return self.steps.confirm(self.token, form.payment_method, bool(form.accept_policy), self.visitor,
                                      self.lang, signed_in_patient=self.signed_in)
        except PortalError as error:
            return self._refuse("/card", error, {"accept_policy": form.accept_policy,
                                                  "payment_method": form.payment_method})

    # -- helpers
    def _at(self, show: Callable[[CheckoutState], Answer]) -> Answer:
        """The step for the checkout as it stands: a booked one leads to its booking, a lapsed one back to times."""
        try:
            state = self.steps.state(self.token, self.visitor)
        except PortalError as error:
            return self._closed(refusal_of("", error, lang=self.lang))
        if state.booked:
            return Redirect(f"/bookings/{state.booked}", status_code=303)
        if state.hold is None:  # ran out, or taken meanwhile (then the refusal says so)
            lost = self.refusal if self.refusal and self.refusal.code == "slot_taken" else None
            return self._closed(lost or refusal_of("", InvalidInput(RAN_OUT), lang=self.lang), state.draft)
        return show(state)

    def _go(self, step: str) -> Redirect:
        return Redirect(f"{self.path}{step}", status_code=303)

    def _refuse(self, step: str, error: PortalError, typed: dict[str, str] | None = None) -> Redirect:
        cookie = refusal_cookie(self.portal.settings.secret_key, self.path, refusal_of(step, error, typed, self.lang),
                                secure=is_secure(self.portal.settings.base_url))
        return Redirect(f"{self.path}{step}", status_code=303, cookies=[cookie])

    def _refused(self, step: str) -> Refusal | None:
        return self.refusal if self.refusal is not None and self.refusal.step == step else None

    def _context(self, state: CheckoutState, form: DetailsForm, step: str) -> dict[str, object]:
        hold, refused = state.live(), self._refused(step)
        summary = visit_summary(self.portal, self.clinic, self.lang, services=hold.services, provider=hold.provider,
                                location=hold.location, start_at=hold.start_at, end_at=hold.end_at)
        zone = ZoneInfo(self.clinic.time_zone)
        return {"summary": summary, "token": self.token, "form": form, "error": refused.message if refused else None,
                "held_until": time_label(hold.expires_at, zone, self.lang), "notice": None,
                "price": self.portal.booking.plan(hold.services).price}

    def _page(self, template: str, step: str, context: dict[str, object]) -> Page:
        refused = self._refused(step)
        return Page(template, context, status=refused.status if refused else 200, switch_path=f"{self.path}{step}")

    def _details(self, state: CheckoutState, form: DetailsForm) -> Page:
        return self._page("checkout_details.html", "", {**self._context(state, form, ""),
                                                        "captcha": widget(self.portal)})

    def _code(self, state: CheckoutState, notice: str | None = None) -> Page:
        context = {**self._context(state, details_form(state.draft), "/code"), "notice": notice}
        return self._page("checkout_code.html", "/code", context)

    def _card(self, state: CheckoutState) -> Page:
        quote = self.portal.checkout.quote(self.token, state.draft.email, state.draft.phone_token, self.signed_in)
        typed = self._refused("/card")
        context = {**self._context(state, details_form(state.draft), "/card"), "quote": quote,
                   "simulated": self.portal.payments.simulated, "cards": SIMULATED_CARDS,
                   "accepted": bool(typed and typed.typed.get("accept_policy")),
                   "payment_method": typed.typed.get("payment_method", "") if typed else ""}
        return self._page("checkout_confirm.html", "/card", context)

    def _closed(self, why: Refusal, draft: CheckoutDraft | None = None) -> Page:
        """The held time is gone (ran out, taken): say why and lead back to the times, keeping what was typed."""
        services = ",".join(draft.services) if draft else ""
        again = href("/book/times", services=services, provider=draft.provider, resume=self.token) if draft else "/"
        context = {"error": why.message, "code": why.code, "again_href": again,
                   "kept": bool(draft and draft.first_name),
                   "cart_href": href("/book", services=services) if draft else None}
        return Page("checkout_closed.html", context, status=why.status, switch_path="/")


def details_form(draft: CheckoutDraft) -> DetailsForm:
    return DetailsForm(first_name=draft.first_name, last_name=draft.last_name, email=draft.email,
                       mobile=draft.mobile)


def booked(portal: Portal, confirmation: Confirmation) -> Redirect:
    """On to the confirmation page, with what was paid in a signed cookie (see ``receipts``)."""
    cookie = receipt_cookie(portal.settings.secret_key, confirmation.reference, receipt_of(confirmation),
                            secure=is_secure(portal.settings.base_url))
    return Redirect(f"/bookings/{confirmation.reference}", status_code=303, cookies=[cookie])
