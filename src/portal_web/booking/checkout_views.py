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
from portal_web.booking.views import Names, href
from portal_web.errors import describe
from portal_web.i18n import N_, date_label, time_label
from portal_web.rendering import Page
from portalcore.bootstrap import Portal
from portalcore.domain.booking import CheckoutDraft, PatientDetails
from portalcore.domain.catalog import Service
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, NotFound, PortalError, SlotTaken
from portalcore.services.booking.checkout import Confirmation
from portalcore.services.booking.checkout_steps import RAN_OUT, CheckoutState

# The simulated gateway understands Stripe's test payment method ids.
SIMULATED_CARDS = (("pm_card_visa", N_("Visa •••• 4242 (test)")),
                   ("pm_card_chargeDeclined", N_("Card that is declined (test)")))
CODE_SENT_AGAIN = N_("We sent you a new code.")


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
    listed = []
    for slug in services:
        try:
            listed.append(portal.catalog.service(slug))
        except NotFound:  # removed from the catalog since: the booking still stands
            continue
    return VisitSummary(listed, date_label(start_at, zone, lang), time_label(start_at, zone, lang),
                        time_label(end_at, zone, lang), names.provider(provider), place.name if place else location,
                        place.address if place else "")


Answer = Page | Redirect


class Checkout:
    """The steps for one hold token; each returns the page to show or the redirect to the next step."""

    def __init__(self, portal: Portal, clinic: Clinic, lang: str, token: str, visitor: str) -> None:
        self.portal, self.clinic, self.lang, self.token, self.visitor = portal, clinic, lang, token, visitor
        self.steps = portal.checkout_steps

    # -- the pages (GET): each shows what is known so far, or leads to the step still to do
    def details(self) -> Answer:
        return self._at(lambda state: self._details(state, details_form(state.draft)))

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

    # -- the forms (POST)
    def phone(self, form: DetailsForm) -> Answer:
        """Keeps the details and texts a code to the mobile number (once: a number proven already is not asked
        again)."""
        try:
            state = self.steps.give_details(self.token, PatientDetails(
                first_name=form.first_name, last_name=form.last_name, email=form.email, mobile=form.mobile,
                language=self.lang), self.visitor)
        except PortalError as error:
            return self._at(lambda state: self._details(state, form, error))
        return self._go("/card" if state.verified else "/code")

    def resend(self) -> Answer:
        try:
            self.steps.resend(self.token, self.visitor, self.lang)
        except PortalError as error:
            return self._at(lambda state: self._code(state, error=error))
        return self._go("/code?sent=1")

    def verify(self, form: CodeForm) -> Answer:
        try:
            self.steps.verify(self.token, form.code, self.visitor)
        except PortalError as error:
            return self._at(lambda state: self._code(state, error=error))
        return self._go("/card")

    def confirm(self, form: ConfirmForm) -> Answer | Confirmation:
        """Books the visit (a repeat gets the booking already made). A refused or declined card shows the card
        step again with the hold kept; a time lost meanwhile leads back to the times with the details kept."""
        try:
            return self.steps.confirm(self.token, form.payment_method, bool(form.accept_policy), self.visitor,
                                      self.lang)
        except SlotTaken as error:
            lost: PortalError = error
        except PortalError as error:
            return self._at(lambda state: self._card(state, form, error))
        return self._at(lambda state: self._closed(lost, state.draft))

    # -- helpers
    def _at(self, show: Callable[[CheckoutState], Answer]) -> Answer:
        """The step for the checkout as it stands: a booked one leads to its booking, a lapsed one back to times."""
        try:
            state = self.steps.state(self.token, self.visitor)
        except PortalError as error:
            return self._closed(error)
        if state.booked:
            return Redirect(f"/bookings/{state.booked}", status_code=303)
        if state.hold is None:
            return self._closed(InvalidInput(RAN_OUT), state.draft)
        return show(state)

    def _go(self, step: str) -> Redirect:
        return Redirect(f"/book/checkout/{self.token}{step}", status_code=303)

    def _context(self, state: CheckoutState, form: DetailsForm, error: PortalError | None) -> dict[str, object]:
        hold = state.live()
        summary = visit_summary(self.portal, self.clinic, self.lang, services=hold.services, provider=hold.provider,
                                location=hold.location, start_at=hold.start_at, end_at=hold.end_at)
        zone = ZoneInfo(self.clinic.time_zone)
        return {"summary": summary, "token": self.token, "form": form, "error": str(error) if error else None,
                "held_until": time_label(hold.expires_at, zone, self.lang), "notice": None,
                "price": self.portal.booking.plan(hold.services).price}

    def _page(self, template: str, step: str, context: dict[str, object], error: PortalError | None) -> Page:
        return Page(template, context, status=describe(error).status if error else 200,
                    switch_path=f"/book/checkout/{self.token}{step}")

    def _details(self, state: CheckoutState, form: DetailsForm, error: PortalError | None = None) -> Page:
        return self._page("checkout_details.html", "", self._context(state, form, error), error)

    def _code(self, state: CheckoutState, error: PortalError | None = None, notice: str | None = None) -> Page:
        context = {**self._context(state, details_form(state.draft), error), "notice": notice}
        return self._page("checkout_code.html", "/code", context, error)

    def _card(self, state: CheckoutState, form: ConfirmForm | None = None, error: PortalError | None = None) -> Page:
        quote = self.portal.checkout.quote(self.token, state.draft.email)
        context = {**self._context(state, details_form(state.draft), error), "quote": quote,
                   "simulated": self.portal.payments.simulated, "cards": SIMULATED_CARDS,
                   "accepted": form is not None and bool(form.accept_policy),
                   "payment_method": form.payment_method if form else ""}
        return self._page("checkout_confirm.html", "/card", context, error)

    def _closed(self, error: PortalError, draft: CheckoutDraft | None = None) -> Page:
        """The held time is gone (ran out, taken): say why and lead back to the times, keeping what was typed."""
        services = ",".join(draft.services) if draft else ""
        again = href("/book/times", services=services, provider=draft.provider, resume=self.token) if draft else "/"
        context = {"error": str(error), "code": error.code, "again_href": again,
                   "kept": bool(draft and draft.first_name),
                   "cart_href": href("/book", services=services) if draft else None}
        return Page("checkout_closed.html", context, status=describe(error).status, switch_path="/")


def details_form(draft: CheckoutDraft) -> DetailsForm:
    return DetailsForm(first_name=draft.first_name, last_name=draft.last_name, email=draft.email,
                       mobile=draft.mobile)


def booked(portal: Portal, confirmation: Confirmation) -> Redirect:
    """On to the confirmation page, with what was paid in a signed cookie (see ``receipts``)."""
    cookie = receipt_cookie(portal.settings.secret_key, confirmation.reference, receipt_of(confirmation),
                            secure=portal.settings.base_url.lower().startswith("https://"))
    return Redirect(f"/bookings/{confirmation.reference}", status_code=303, cookies=[cookie])
