"""The patient's visits and the log of who viewed their record, as pages in the visitor's language.

The core checks the session's access and audits each read; a proxy outside their grant gets a 403 page that
says so. Times are shown in the clinic's time zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from portal_web.errors import describe
from portal_web.i18n import N_, date_label, time_label
from portal_web.rendering import Page
from portal_web.sessions import Visitor
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import AppointmentStatus
from portalcore.domain.errors import NotAllowed, PortalError
from portalcore.services.records.portal_reads import LogEntry, VisitView, Who

NOT_YOURS = N_("This part of the portal is not open to you")
STATUS_WORDS = {
    AppointmentStatus.BOOKED: N_("Booked"),
    AppointmentStatus.CANCELLED: N_("Cancelled"),
    AppointmentStatus.COMPLETED: N_("Completed"),
    AppointmentStatus.NO_SHOW: N_("Missed"),
}
# Sentences and labels the core writes that these pages translate (see ``portalcore.domain.audit.PLAIN_WORDS``).
CORE_WORDS = (
    N_("You do not have access to this part of that person's portal."),
    N_("Choose whose portal to open first."),
    N_("There is no such page of the log."),
    N_("front desk"),
    N_("admin"),
    N_("system"),
    N_("Signed in"),
    N_("A sign-in failed"),
    N_("A sign-in code was emailed"),
    N_("A wrong sign-in code was typed"),
    N_("Signed out"),
    N_("The password was changed"),
    N_("A password reset link was emailed"),
    N_("A change of email was asked for"),
    N_("The email was changed"),
    N_("An invitation to the portal was sent"),
    N_("The portal account was activated"),
    N_("Signed up"),
    N_("A second sign-in step was added"),
    N_("A second sign-in step was removed"),
    N_("Someone was asked to act for the patient"),
    N_("Someone was given access to the portal"),
    N_("Someone's access to the portal was ended"),
    N_("Switched to this record"),
    N_("Viewed the visits"),
    N_("Viewed who looked at the record"),
    N_("A visit was opened from a reminder link"),
    N_("A visit was moved"),
    N_("A visit was cancelled"),
    N_("Joined the waitlist"),
    N_("Left the waitlist"),
    N_("Viewed the waitlist"),
    N_("Opened the patient's details at the clinic"),
)


def visits_page(portal: Portal, visitor: Visitor, lang: str, ip: str) -> Page:
    """The upcoming and past visits of the patient the visitor acts for (403 outside a proxy's grant)."""
    try:
        visits = portal.reads.visits(visitor.session, ip=ip, language=lang)
    except PortalError as error:
        return refused(error, "/portal/visits")
    zone = ZoneInfo(visits.time_zone)
    return Page("visits.html", {
        "patient_name": visits.patient_name, "as_proxy": visits.as_proxy,
        "upcoming": [visit_card(v, zone, lang) for v in visits.upcoming],
        "past": [visit_card(v, zone, lang) for v in visits.past],
        "cancelled": [visit_card(v, zone, lang) for v in visits.cancelled]}, switch_path="/portal/visits")


def activity_page(portal: Portal, visitor: Visitor, lang: str, ip: str, page: int) -> Page:
    """One page of who viewed the record and what happened to its account, newest first."""
    try:
        log = portal.reads.access_log(visitor.session, page=page, ip=ip)
    except PortalError as error:
        return refused(error, "/portal/activity")
    zone = ZoneInfo(log.time_zone)
    return Page("activity.html", {
        "patient_name": log.patient_name, "as_proxy": log.as_proxy,
        "entries": [_entry(e, zone, lang) for e in log.entries],
        "newer": _page_href(log.page - 1) if log.page > 1 else None,
        "older": _page_href(log.page + 1) if log.has_more else None}, switch_path=_page_href(log.page))


def refused(error: PortalError, switch_path: str) -> Page:
    """The reason as a page: 403 for a proxy outside their grant, the usual status for anything else."""
    status = 403 if isinstance(error, NotAllowed) else describe(error).status
    return Page("message.html", {"heading": NOT_YOURS if status == 403 else N_("Please check your request"),
                                 "text": error, "sign_in": False, "forgot": False},
                status=status, switch_path=switch_path)


def visit_card(visit: VisitView, zone: ZoneInfo, lang: str) -> dict[str, object]:
    """One visit as ``_visit_card.html`` shows it, with what the patient may change about it."""
    return {"date": date_label(visit.start_at, zone, lang), "start": time_label(visit.start_at, zone, lang),
            "end": time_label(visit.end_at, zone, lang), "services": ", ".join(visit.services),
            "provider": visit.provider, "location": visit.location, "address": visit.location_address,
            "status": STATUS_WORDS.get(visit.status, visit.status.value),
            "cancelled": visit.status is AppointmentStatus.CANCELLED, "price": visit.price,
            "deposit_paid": visit.deposit_paid, "deposit_refunded": visit.deposit_refunded,
            "deposit_refund_pending": visit.deposit_refund_pending, "deposit_to_wallet": visit.deposit_to_wallet,
            "deposit_kept": visit.deposit_paid - visit.deposit_refunded - visit.deposit_refund_pending
            - visit.deposit_to_wallet,
            "href": f"/bookings/{visit.reference}" if visit.reference else None, "id": visit.id,
            "changeable": visit.status is AppointmentStatus.BOOKED, "may_move": visit.may_move,
            "may_cancel": visit.may_cancel}


def _entry(entry: LogEntry, zone: ZoneInfo, lang: str) -> dict[str, object]:
    return {"date": date_label(entry.at, zone, lang), "time": time_label(entry.at, zone, lang),
            "who": entry.who.value, "name": entry.name, "by_reader": entry.by_reader,
            "proxy": entry.who is Who.PROXY, "what": entry.what, "ip": entry.ip}


def _page_href(page: int) -> str:
    return "/portal/activity" if page <= 1 else f"/portal/activity?page={page}"
