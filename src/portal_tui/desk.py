"""What the front desk asks of the portal, one method per thing they do: each reads or changes through a
service and returns what a screen shows (or a ``Done`` saying what changed and what to load again).

The app runs these in worker threads and hands the results to its screens; nothing here touches a widget, so
the screens stay free of portal calls and this stays free of Textual.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs

from portal_tui.add_patient import NewPatient
from portal_tui.grant_access import NewGrant
from portal_tui.move_visit import OpenTimes
from portal_tui.patient import PatientCard
from portal_tui.schedule import DaySchedule, clock_time, long_date
from portal_tui.search import PatientMatches
from portal_tui.waitlist import NewWaitlistEntry, PatientWaitlist
from portalcore.bootstrap import Portal
from portalcore.domain.proxies import ProxyScope
from portalcore.services.access.kit import Actor
from portalcore.services.patients.directory import read_date
from portalcore.services.visits.schedule import ScheduleRow

SCHEDULE, PATIENT, WAITLIST = "schedule", "patient", "waitlist"


@attrs.frozen
class Done:
    """A change went through: what to tell the front desk, and what to load again to show it (the patient's
    card or waitlist, or the day's schedule)."""

    patient_id: int
    message: str
    reload: str = PATIENT


def channels(by_email: bool, by_sms: bool) -> str:
    return " and ".join(name for name, chosen in (("email", by_email), ("SMS", by_sms)) if chosen)


class FrontDesk:
    """The front desk's calls to the portal, made as the front desk."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.actor = Actor.front_desk()

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.portal.catalog.clinic().time_zone)

    def day(self, day: date | None) -> DaySchedule:
        """One clinic day (the clinic's own today when ``day`` is None)."""
        clinic = self.portal.catalog.clinic()
        day = day or self.portal.schedule.today()
        return DaySchedule(clinic.name, day, tuple(self.portal.schedule.day(day)))

    def open_times(self, visit: ScheduleRow, day: date) -> OpenTimes:
        """The times on ``day`` the visit's provider is free for it at its place (the core says when not booked)."""
        slots = self.portal.visits.open_times(visit.appointment.id or 0, day)
        return OpenTimes(visit, day, tuple(slot.start_at for slot in slots), self._zone())

    def move_visit(self, visit: ScheduleRow, start: datetime) -> Done:
        """Moves the visit as the front desk may (any free time); its reminders follow and the patient is emailed."""
        moved = self.portal.visits.reschedule(visit.appointment.id or 0, start, by_patient=False)
        local_start = moved.start_at.astimezone(visit.local_start.tzinfo)
        return Done(moved.patient_id, f"Moved {visit.patient_name}'s visit to {long_date(local_start.date())}, "
                                      f"{clock_time(local_start)}; the patient is emailed.", reload=SCHEDULE)

    def find_patients(self, text: str) -> PatientMatches:
        return PatientMatches(text, tuple(self.portal.patients.find(text)))

    def patient_card(self, patient_id: int) -> PatientCard:
        """What the patient panel shows: contact, portal status and proxies (the patient's log lists the view)."""
        profile = self.portal.patients.profile(patient_id, actor=self.actor)
        return PatientCard(profile.patient, profile.portal, profile.proxies, self._zone())

    def add_patient(self, form: NewPatient) -> Done:
        """Adds the patient, and sends portal access when a toggle is on, in one step of the core."""
        born = read_date(form.date_of_birth) if form.date_of_birth.strip() else None
        patient = self.portal.patients.add(first_name=form.first_name, last_name=form.last_name, email=form.email,
                                           mobile=form.mobile, date_of_birth=born,
                                           invite_by_email=form.invite_by_email, invite_by_sms=form.invite_by_sms,
                                           actor=self.actor)
        sent = channels(form.invite_by_email, form.invite_by_sms)
        return Done(patient.id or 0, f"Added {patient.full_name}" + (f"; portal access sent by {sent}." if sent
                                                                      else "."))

    def send_access(self, patient_id: int, by_email: bool, by_sms: bool) -> Done:
        """Sends portal access; the earlier link, if any, stops working."""
        self.portal.invitations.invite(patient_id, by_email=by_email, by_sms=by_sms, actor=self.actor)
        return Done(patient_id, f"Portal access sent by {channels(by_email, by_sms)}.")

    def grant_access(self, grant: NewGrant) -> Done:
        """Lets a carer or parent act for the patient; they are emailed (with a set-password link if new)."""
        last_day = read_date(grant.last_day) if grant.last_day.strip() else None
        scope = ProxyScope.VISITS_FORMS if grant.visits_and_forms_only else ProxyScope.ALL
        self.portal.proxies.grant(grant.patient_id, email=grant.email, first_name=grant.first_name,
                                  last_name=grant.last_name, scope=scope, relationship=grant.relationship,
                                  expires_on=last_day, actor=self.actor)
        return Done(grant.patient_id, f"{grant.email.strip()} may now act for this patient; they were emailed.")

    def waitlist(self, patient_id: int) -> PatientWaitlist:
        """The patient's waitlist entries, with the services and providers the front desk may choose from."""
        services = {s.slug: s.name for listing in self.portal.catalog.online_catalog() for s in listing.services}
        entries = tuple(self.portal.waitlist.entries(patient_id, actor=self.actor))
        return PatientWaitlist(self.portal.patients.get(patient_id), entries,
                               services, {p.slug: p.name for p in self.portal.catalog.providers()})

    def join_waitlist(self, new: NewWaitlistEntry) -> Done:
        """Puts the patient on the waitlist; a freed time that fits is offered to them by email and SMS."""
        self.portal.waitlist.join(new.patient_id, new.services, new.provider, read_date(new.first_day),
                                  read_date(new.last_day))
        return Done(new.patient_id, "Added to the waitlist.", reload=WAITLIST)

    def leave_waitlist(self, patient_id: int, entry_id: int) -> Done:
        self.portal.waitlist.leave(entry_id, patient_id=patient_id)
        return Done(patient_id, "Taken off the waitlist.", reload=WAITLIST)
