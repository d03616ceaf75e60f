"""An iCalendar (.ics) file for a booked visit, so patients can add it to their own calendar (seed 002 step 24)."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from portalcore.domain.outbox import Attachment


def visit_ics(*, reference: str, start_at: datetime, end_at: datetime, now: datetime, summary: str,
              location: str, description: str, organizer_email: str = "") -> Attachment:
    """A single-event calendar in UTC; the UID is stable per booking so a later update replaces it."""
    calendar = Calendar()
    calendar.add("prodid", "-//portal//patient portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{reference}@portal")
    event.add("dtstamp", now)
    event.add("dtstart", start_at)
    event.add("dtend", end_at)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    if organizer_email:
        event.add("organizer", f"mailto:{organizer_email}")
    calendar.add_component(event)
    return Attachment("appointment.ics", "text/calendar; method=PUBLISH; charset=utf-8", calendar.to_ical())
