"""An iCalendar (.ics) file for a booked visit, so patients can add it to their own calendar (seed 002 step 24)."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from portalcore.domain.outbox import Attachment

# SEQUENCE orders the versions of one UID: the seconds from this moment to when the file is made, so every later
# file of a visit (a move, a cancellation, a fresh download) outranks the earlier ones without a stored counter
# (and stays within the 32-bit integer RFC 5545 allows until 2088).
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def visit_ics(*, reference: str, start_at: datetime, end_at: datetime, now: datetime, summary: str,
              location: str, description: str, organizer_email: str = "", cancelled: bool = False) -> Attachment:
    """A single-event calendar in UTC. The UID is stable per booking and SEQUENCE grows with ``now``, so a file
    sent after a move replaces the entry; a ``cancelled`` one (``METHOD:CANCEL``, ``STATUS:CANCELLED``) removes it."""
    method = "CANCEL" if cancelled else "PUBLISH"
    calendar = Calendar()
    calendar.add("prodid", "-//portal//patient portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{reference}@portal")
    event.add("sequence", max(0, int((now - SEQUENCE_EPOCH).total_seconds())))
    event.add("dtstamp", now)
    if cancelled:
        event.add("status", "CANCELLED")
    event.add("dtstart", start_at)
    event.add("dtend", end_at)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    if organizer_email:
        event.add("organizer", f"mailto:{organizer_email}")
    calendar.add_component(event)
    return Attachment("appointment.ics", f"text/calendar; method={method}; charset=utf-8", calendar.to_ical())
