"""The patient's calendar follows the visit, on SQLite and PostgreSQL: the email after a move carries the same
entry (UID) with a higher SEQUENCE and the new time, and the email after a cancellation a ``METHOD:CANCEL``."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.integration.test_booking import TUESDAY, book, local


def calendar_of(portal: Portal, key_part: str) -> Calendar:
    [mail] = [e.message for e in portal.outbox.entries() if key_part in e.message.idempotency_key]
    [ics] = mail.attachments
    assert ics.content_type.startswith("text/calendar")
    return Calendar.from_ical(ics.content)


def event_of(calendar: Calendar) -> dict[str, object]:
    [event] = calendar.walk("VEVENT")
    return {"method": str(calendar["METHOD"]), "uid": str(event["UID"]), "sequence": int(event.get("SEQUENCE", 0)),
            "start": event.decoded("DTSTART"), "status": str(event.get("STATUS", ""))}


def test_a_move_updates_the_calendar_entry_and_a_cancellation_removes_it(
        demo_portal: Portal, clock: FixedClock, sms: RecordingSender) -> None:
    visit = book(demo_portal, sms, ["neurotoxin"], "jessica-lin", local(TUESDAY, 17))
    booked = event_of(calendar_of(demo_portal, ":confirmation:email"))

    clock.advance(timedelta(minutes=5))
    demo_portal.visits.reschedule(visit, local(TUESDAY, 15), by_patient=False)
    moved = event_of(calendar_of(demo_portal, ":moved:"))
    assert (moved["uid"], moved["start"], moved["method"]) == (booked["uid"], local(TUESDAY, 15), "PUBLISH")
    assert moved["sequence"] > booked["sequence"]

    clock.advance(timedelta(minutes=5))
    demo_portal.visits.cancel(visit, by_patient=True)
    cancelled = event_of(calendar_of(demo_portal, ":cancelled:email"))
    assert (cancelled["uid"], cancelled["method"], cancelled["status"]) == (booked["uid"], "CANCEL", "CANCELLED")
    assert cancelled["sequence"] > moved["sequence"]
