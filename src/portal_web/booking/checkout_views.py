"""The checkout of a held time in three steps: details → code from the SMS → policy and card → booked.

Each step re-renders with the error and what the patient typed when a service refuses the input; personal
details travel between steps in hidden form fields, never in a URL.
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
from portalcore.domain.booking import Hold, PatientDetails
from portalcore.domain.catalog import Service
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, NotFound, PortalError
from portalcore.services.booking.checkout import Confirmation
from portalcore.services.contact import check_email

# The simulated gateway understands Stripe's test payment method ids.
SIMULATED_CARDS = (("pm_card_visa", N_("Visa •••• 4242 (test)")),
                   ("pm_card_chargeDeclined", N_("Card that is declined (test)")))
NAMES_MISSING = N_("Please give your first and last name.")
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


class Checkout:
    """The steps for one hold token; each returns the page to show (``confirm`` the booking when it worked)."""

    def __init__(self, portal: Portal, clinic: Clinic, lang: str, token: str) -> None:
        self.portal, self.clinic, self.lang, self.token = portal, clinic, lang, token

    def details(self, form: DetailsForm | None = None, error: PortalError | None = None) -> Page:
        return self._step(lambda hold: self._details(hold, form or DetailsForm(), error))

    def phone(self, form: DetailsForm) -> Page:
        """Checks the details and texts a code to the mobile number."""
        def start(hold: Hold) -> Page:
            try:
                if not form.first_name.strip() or not form.last_name.strip():
                    raise InvalidInput(NAMES_MISSING)
                email = check_email(form.email)
                phone_token, mobile = self.portal.phone.start(form.mobile, self.lang)
            except PortalError as error:
                return self._details(hold, form, error)
            entered = DetailsForm(first_name=form.first_name.strip(), last_name=form.last_name.strip(),
                                  email=email, mobile=mobile)
            return self._code(hold, entered, phone_token)
        return self._step(start)

    def resend(self, form: CodeForm) -> Page:
        def again(hold: Hold) -> Page:
            try:
                self.portal.phone.resend(form.phone_token, self.lang)
            except PortalError as error:
                return self._code(hold, form, form.phone_token, error=error)
            return self._code(hold, form, form.phone_token, notice=CODE_SENT_AGAIN)
        return self._step(again)

    def verify(self, form: CodeForm) -> Page:
        def check(hold: Hold) -> Page:
            try:
                self.portal.phone.verify(form.phone_token, form.code)
            except PortalError as error:
                return self._code(hold, form, form.phone_token, error=error)
            return self._confirmation(hold, form, form.phone_token)
        return self._step(check)

    def confirm(self, form: ConfirmForm) -> Page | Confirmation:
        """Books the visit; a refused card or a lost time closes the checkout with a way back to the times."""
        try:
            hold = self.portal.booking.held(self.token)
        except PortalError as error:
            return self._closed(error)
        details = PatientDetails(first_name=form.first_name, last_name=form.last_name, email=form.email,
                                 mobile=form.mobile, language=self.lang)
        try:
            return self.portal.checkout.confirm(self.token, form.phone_token, details, form.payment_method,
                                                accepted_policy=bool(form.accept_policy))
        except InvalidInput as error:  # refused before anything happened: step 3 again, with what was chosen
            refused: PortalError = error
        except PortalError as error:  # declined, payments down or time taken: the service released the hold
            return self._closed(error, hold)
        return self._step(lambda live: self._confirmation(live, form, form.phone_token, refused))

    # -- pages
    def _step(self, show: Callable[[Hold], Page]) -> Page:
        try:
            hold = self.portal.booking.held(self.token)
        except PortalError as error:
            return self._closed(error)
        return show(hold)

    def _context(self, hold: Hold, form: DetailsForm, error: PortalError | None) -> dict[str, object]:
        summary = visit_summary(self.portal, self.clinic, self.lang, services=hold.services, provider=hold.provider,
                                location=hold.location, start_at=hold.start_at, end_at=hold.end_at)
        zone = ZoneInfo(self.clinic.time_zone)
        return {"summary": summary, "token": self.token, "form": form, "error": error,
                "held_until": time_label(hold.expires_at, zone, self.lang), "notice": None,
                "price": self.portal.booking.plan(hold.services).price}

    def _page(self, template: str, context: dict[str, object], error: PortalError | None) -> Page:
        return Page(template, context, status=describe(error).status if error else 200,
                    switch_path=f"/book/checkout/{self.token}")

    def _details(self, hold: Hold, form: DetailsForm, error: PortalError | None = None) -> Page:
        return self._page("checkout_details.html", self._context(hold, form, error), error)

    def _code(self, hold: Hold, form: DetailsForm, phone_token: str, error: PortalError | None = None,
              notice: str | None = None) -> Page:
        context = {**self._context(hold, form, error), "phone_token": phone_token, "notice": notice}
        return self._page("checkout_code.html", context, error)

    def _confirmation(self, hold: Hold, form: DetailsForm, phone_token: str,
                      error: PortalError | None = None) -> Page:
        quote = self.portal.checkout.quote(self.token, form.email)
        context = {**self._context(hold, form, error), "phone_token": phone_token, "quote": quote,
                   "simulated": self.portal.payments.simulated, "cards": SIMULATED_CARDS,
                   "accepted": isinstance(form, ConfirmForm) and bool(form.accept_policy),
                   "payment_method": form.payment_method if isinstance(form, ConfirmForm) else ""}
        return self._page("checkout_confirm.html", context, error)

    def _closed(self, error: PortalError, hold: Hold | None = None) -> Page:
        """The checkout cannot go on (time ran out, card refused, time taken): say why and lead back."""
        again = href("/book/times", services=",".join(hold.services), provider=hold.provider) if hold else "/"
        context = {"error": error, "code": error.code, "again_href": again,
                   "cart_href": href("/book", services=",".join(hold.services)) if hold else None}
        return Page("checkout_closed.html", context, status=describe(error).status, switch_path="/")


def booked(portal: Portal, confirmation: Confirmation) -> Redirect:
    """On to the confirmation page, with what was paid in a signed cookie (see ``receipts``)."""
    cookie = receipt_cookie(portal.settings.secret_key, confirmation.reference, receipt_of(confirmation),
                            secure=portal.settings.base_url.lower().startswith("https://"))
    return Redirect(f"/bookings/{confirmation.reference}", status_code=303, cookies=[cookie])
