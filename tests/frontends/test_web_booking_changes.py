"""The booking's page ``/bookings/{reference}``, which the confirmation email promises is where the patient can
"view, reschedule or cancel" the visit: whoever holds the reference moves or cancels it there without signing
in, under the clinic's rules, through the test client over SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from litestar.testing import TestClient
from sqlalchemy import text

from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_portal_visits import OLIVIA, OLIVIA_MOBILE, TODAY, status_of
from tests.frontends.web_forms import form, forms, link, text_of, title_of
from tests.integration.test_booking import details, local, verified_phone

FRIDAY = date(2026, 11, 20)


def booked_online(portal: Portal, sms: RecordingSender, day: date, hour: int) -> tuple[str, int]:
    """Olivia books botox online with Dr. Okafor (a $50 deposit); returns the reference and the visit's id."""
    hold = portal.booking.hold(["neurotoxin"], "dr-amara-okafor", local(day, hour))
    done = portal.checkout.confirm(hold.token, verified_phone(portal, sms, OLIVIA_MOBILE),
                                   details(email=OLIVIA, mobile=OLIVIA_MOBILE), "pm_card_visa", accepted_policy=True)
    assert done.appointment.id is not None
    return done.reference, done.appointment.id


def actors_of(portal: Portal, action: str) -> list[tuple[str, int | None]]:
    with portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT actor, account_id FROM audit_event WHERE action = :a ORDER BY id"),
                                  {"a": action}).all()
    return [(r[0], r[1]) for r in rows]


def test_the_holder_of_the_reference_moves_the_visit_from_the_booking_page_as_the_email_promises(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    reference, visit_id = booked_online(demo_portal, sms, FRIDAY, 10)
    demo_portal.dispatcher.dispatch_due()
    [confirmation] = [m for m in mailer.sent if m.recipient == OLIVIA and "/bookings/" in m.text]
    assert "To view, reschedule or cancel your appointment" in confirmation.text

    booking = client.get(f"/bookings/{reference}").text
    change = link(booking, "Change time")
    assert change == f"/bookings/{reference}/reschedule" and link(booking, "Cancel visit") == \
        f"/bookings/{reference}/cancel"
    page = client.get(change)
    assert page.status_code == 200 and title_of(page.text).startswith("Change the time of a visit")
    assert link(page.text, "Back to the booking") == f"/bookings/{reference}"
    tuesday = next(f for f in forms(page.text, change) if "Tuesday 17 November" in f.buttons[0][2])

    refused = client.post(change, data=tuesday.data("10:00 AM", start_at="2026-11-18T03:00:00+00:00"))
    assert refused.status_code == 422 and "That time is not open for this visit" in text_of(refused.text)
    moved = client.post(change, data=tuesday.data("10:00 AM"), follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/bookings/{reference}/changed?done=moved"
    shown = text_of(client.get(moved.headers["location"]).text)
    assert "The visit is now on Tuesday 17 November 2026 at 10:00 AM" in shown
    assert demo_portal.reference_visits.visit(reference).view.start_at == local(date(2026, 11, 17), 10)
    assert actors_of(demo_portal, "visit_moved") == [("booking reference", None)]
    demo_portal.dispatcher.dispatch_due()
    assert [m for m in mailer.sent if m.recipient == OLIVIA and "moved" in m.subject]
    assert status_of(demo_portal, visit_id) == "booked"


def test_the_holder_of_the_reference_cancels_and_sees_what_became_of_the_deposit(
        client: TestClient, demo_portal: Portal, sms: RecordingSender) -> None:
    reference, visit_id = booked_online(demo_portal, sms, TODAY, 15)  # six hours away: inside the window
    cancel = f"/bookings/{reference}/cancel"

    page = client.get(cancel)
    assert page.status_code == 200 and title_of(page.text).startswith("Cancel a visit")
    assert ("Cancelling now costs $50.00 under the clinic's cancellation policy. The deposit you paid covers it, so "
            "nothing more is charged.") in text_of(page.text)
    too_close = client.get(f"/bookings/{reference}/reschedule")  # the same rules as in the portal
    assert too_close.status_code == 200 and "This visit is too close to move online" in text_of(too_close.text)

    done = client.post(cancel, data=form(page.text, cancel).data("Cancel this visit"), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/bookings/{reference}/changed?done=cancelled"
    shown = text_of(client.get(done.headers["location"]).text)
    assert "The visit on Monday 16 November 2026 at 3:00 PM is cancelled" in shown
    assert "$50.00 of the $50.00 cancellation fee was paid from your deposit." in shown  # carried over the redirect
    assert "Deposit after the cancellation $50.00 kept by the clinic" in shown
    assert status_of(demo_portal, visit_id) == "cancelled"
    assert actors_of(demo_portal, "visit_cancelled") == [("booking reference", None)]

    again = client.post(cancel, data=form(page.text, cancel).data("Cancel this visit"), follow_redirects=False)
    assert again.status_code == 422 and "This visit is cancelled, so it cannot be cancelled." in text_of(again.text)
    assert client.get(f"/bookings/{reference}x/cancel").status_code == 404
