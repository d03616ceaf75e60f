"""The signed-in patient's waitlist as a page: what they wait for, a button to leave each entry, and the form to
join for a visit of services booked online, with a provider or any, over a range of days (the next two weeks
unless changed). The core checks whose entries they are and audits the read and every change."""

from __future__ import annotations

from datetime import date, timedelta

from litestar.response import Redirect
from msgspec import Struct, structs

from portal_web.booking.views import clinic_today
from portal_web.errors import describe
from portal_web.i18n import N_, day_label
from portal_web.records.views import refused
from portal_web.rendering import Page
from portal_web.sessions import Visitor
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, PortalError
from portalcore.domain.waitlist import ANY_PROVIDER

PATH = "/portal/waitlist"
DEFAULT_DAYS = 14
BAD_DAY = N_("Please give the first and last day as dates (year-month-day).")
NO_SERVICES = N_("Choose at least one treatment to wait for.")
NOTICES = {"joined": N_("You are on the waitlist. We will tell you as soon as a time opens up."),
           "left": N_("You are off the waitlist for that visit.")}
# Sentences the core says on this page; listed so they are in the catalog and shown translated.
CORE_MESSAGES = (
    N_("There is no such waitlist entry."),
    N_("That provider does not offer every service in this visit."),
    N_("The first day must not be in the past."),
    N_("The last day must not be before the first day."),
    N_("Wait for at most three months at a time."),
    N_("Choose at least one service to wait for."),
)


class JoinForm(Struct, kw_only=True):
    """The join form: one or more service checkboxes (one arrives as text, several as a list)."""

    services: str | list[str] = ""
    provider: str = ANY_PROVIDER
    first_day: str = ""
    last_day: str = ""

    @property
    def slugs(self) -> list[str]:
        chosen = [self.services] if isinstance(self.services, str) else self.services
        return [slug.strip() for value in chosen for slug in value.split(",") if slug.strip()]


class PortalWaitlist:
    """The waitlist pages of one signed-in request."""

    def __init__(self, portal: Portal, clinic: Clinic, lang: str, ip: str) -> None:
        self.portal, self.clinic, self.lang, self.ip = portal, clinic, lang, ip

    def page(self, visitor: Visitor, notice: str | None = None, form: JoinForm | None = None,
             error: PortalError | None = None) -> Page:
        try:
            waitlist = self.portal.portal_waitlist.entries(visitor.session, ip=self.ip, language=self.lang)
        except PortalError as failure:
            return refused(failure, PATH)
        today = clinic_today(self.portal, self.clinic)
        form = form or JoinForm()
        if not (form.first_day or form.last_day):
            form = structs.replace(form, first_day=today.isoformat(),
                                   last_day=(today + timedelta(days=DEFAULT_DAYS - 1)).isoformat())
        entries = [{"id": e.id, "services": ", ".join(e.services), "provider": e.provider,
                    "first": day_label(e.first_day, self.lang), "last": day_label(e.last_day, self.lang)}
                   for e in waitlist.entries]
        context = {"patient_name": waitlist.patient_name, "as_proxy": waitlist.as_proxy, "entries": entries,
                   "notice": NOTICES.get(notice or ""), "error": error,
                   "catalog": self.portal.catalog.online_catalog(), "providers": self.portal.catalog.providers(),
                   "chosen": set(form.slugs), "form": form, "any": ANY_PROVIDER, "min_day": today.isoformat()}
        return Page("portal_waitlist.html", context, status=describe(error).status if error else 200,
                    switch_path=PATH)

    def join(self, visitor: Visitor, form: JoinForm) -> Page | Redirect:
        try:
            if not form.slugs:
                raise InvalidInput(NO_SERVICES)
            self.portal.portal_waitlist.join(visitor.session, form.slugs, form.provider or ANY_PROVIDER,
                                             _day(form.first_day), _day(form.last_day), ip=self.ip)
        except PortalError as error:
            return self.page(visitor, form=form, error=error)
        return Redirect(f"{PATH}?notice=joined", status_code=303)

    def leave(self, visitor: Visitor, entry_id: int) -> Page | Redirect:
        try:
            self.portal.portal_waitlist.leave(visitor.session, entry_id, ip=self.ip)
        except PortalError as error:
            return refused(error, PATH)
        return Redirect(f"{PATH}?notice=left", status_code=303)


def prefilled(services: str, provider: str) -> JoinForm | None:
    """The join form as the booking times page links to it (the cart's services and provider), else None."""
    if not services:
        return None
    return JoinForm(services=services, provider=provider or ANY_PROVIDER)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(BAD_DAY) from None
