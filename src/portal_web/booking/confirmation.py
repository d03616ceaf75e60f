"""The confirmation page of a booked visit and its calendar file."""

from __future__ import annotations

from portal_web.booking.checkout_views import VisitSummary, visit_summary
from portal_web.booking.receipts import Receipt
from portal_web.i18n import N_, gettext
from portal_web.rendering import Page
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.clinic import Clinic
from portalcore.domain.money import Money
from portalcore.domain.outbox import Attachment
from portalcore.domain.translations import in_language
from portalcore.services.booking.calendar import visit_ics


def _summary(portal: Portal, clinic: Clinic, lang: str, visit: Appointment) -> VisitSummary:
    return visit_summary(portal, clinic, lang, services=visit.services, provider=visit.provider,
                         location=visit.location, start_at=visit.start_at, end_at=visit.end_at)


def confirmation_page(portal: Portal, clinic: Clinic, lang: str, reference: str, receipt: Receipt | None) -> Page:
    """What was booked; what was paid is known right after booking (``receipt``). Raises ``NotFound``."""
    visit = portal.checkout.booking(reference)
    return Page("booking.html", {
        "reference": reference, "summary": _summary(portal, clinic, lang, visit), "receipt": receipt,
        "price": Money(visit.price_cents, clinic.currency), "cancelled": visit.status is AppointmentStatus.CANCELLED,
        "calendar_href": f"/bookings/{reference}/calendar.ics"})


def calendar_file(portal: Portal, clinic: Clinic, reference: str, lang: str = "en") -> Attachment:
    """The visit as an .ics file, made by the core's calendar service. Raises ``NotFound``."""
    visit = portal.checkout.booking(reference)
    summary = _summary(portal, clinic, lang, visit)
    names = ", ".join(in_language(service, "name", lang) for service in summary.services)
    where = ", ".join(part for part in (summary.location_name, summary.location_address) if part)
    link = f"{portal.settings.base_url}/bookings/{reference}"
    return visit_ics(reference=reference, start_at=visit.start_at, end_at=visit.end_at, now=portal.clock.now(),
                     summary=gettext(lang, N_("%(services)s at %(clinic)s"), services=names, clinic=clinic.name),
                     location=where, organizer_email=clinic.email,
                     description=gettext(lang, N_("With %(provider)s. Manage your visit: %(link)s"),
                                         provider=summary.provider_name, link=link))
