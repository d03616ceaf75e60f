"""A signed-in patient, or their carer, changes the time of a visit, cancels one and joins and leaves the
waitlist from the portal, through the test client, over SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from litestar.testing import TestClient
from sqlalchemy import text

from portalcore.bootstrap import Portal
from portalcore.domain.proxies import ProxyScope
from portalcore.domain.timed_events import JobState
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, forms, link, parse, text_of, title_of
from tests.integration import test_access
from tests.integration.test_booking import details as booking_details
from tests.integration.test_booking import local, verified_phone

OLIVIA = "olivia.martinez@example.com"
OLIVIA_MOBILE = "+12125550143"
TODAY = date(2026, 11, 16)  # the demo clock: Monday 16 November, 09:00 in New York
SESSION = "portal_session"


def signed_in(client: TestClient, portal: Portal, mailer: RecordingSender, email: str = OLIVIA) -> int:
    """Signs ``email`` in in ``client``; returns the login's account id."""
    token = test_access.sign_in(portal, mailer, email)
    client.cookies.set(SESSION, token)
    session = portal.login.session(token)
    assert session is not None
    return session.account_id


def olivia_signed_in(client: TestClient, portal: Portal, mailer: RecordingSender) -> int:
    test_access.activated(portal, mailer)
    return signed_in(client, portal, mailer)


def carer_for_olivia(client: TestClient, portal: Portal, mailer: RecordingSender, email: str,
                     scope: ProxyScope) -> None:
    """A carer with ``scope`` over Olivia, signed in in ``client`` with Olivia's record open."""
    patient = test_access.olivia(portal)
    portal.proxies.grant(patient, email=email, first_name="Sam", last_name="Carer", scope=scope)
    portal.credentials.reset_password(test_access.last_link(mailer, email, "/password/reset/"), test_access.GOOD)
    token = test_access.sign_in(portal, mailer, email)
    session = portal.login.session(token)
    assert session is not None
    portal.proxies.switch(session, patient)
    client.cookies.set(SESSION, token)


def late_visit_with_a_card(portal: Portal, sms: RecordingSender) -> int:
    """Olivia books botox online today at 15:00 (six hours away, inside the 24-hour window) with a card."""
    hold = portal.booking.hold(["neurotoxin"], "dr-amara-okafor", local(TODAY, 15))
    done = portal.checkout.confirm(hold.token, verified_phone(portal, sms, OLIVIA_MOBILE),
                                   booking_details(email=OLIVIA, mobile=OLIVIA_MOBILE), "pm_card_visa",
                                   accepted_policy=True)
    assert done.appointment.id is not None
    return done.appointment.id


def audit_of(portal: Portal, action: str) -> list[tuple[int | None, int | None, bool]]:
    with portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT account_id, patient_id, as_proxy FROM audit_event WHERE action = :a "
                                       "ORDER BY id"), {"a": action}).all()
    return [(r[0], r[1], bool(r[2])) for r in rows]


def someone_elses_visit(portal: Portal) -> int:
    with portal._engine.connect() as connection:
        return int(connection.execute(text("SELECT id FROM appointment WHERE patient_id <> :p AND status = 'booked' "
                                           "ORDER BY id"), {"p": test_access.olivia(portal)}).scalars().first())


def status_of(portal: Portal, visit_id: int) -> str:
    with portal._engine.connect() as connection:
        return str(connection.execute(text("SELECT status FROM appointment WHERE id = :v"), {"v": visit_id}).scalar())


def test_a_patient_moves_a_visit_to_an_offered_time_and_its_reminders_move_but_not_to_a_time_not_offered(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    account = olivia_signed_in(client, demo_portal, mailer)
    visits = client.get("/portal/visits").text
    change = link(visits, "Change time (Monday 23 November 2026, 11:00 AM)")
    visit_id = int(change.split("/")[3])
    assert link(visits, "Cancel visit (Monday 23 November 2026, 11:00 AM)") == f"/portal/visits/{visit_id}/cancel"
    old_start = int(local(date(2026, 11, 23), 11).timestamp())

    page = client.get(change)
    shown = text_of(page.text)
    assert page.status_code == 200 and title_of(page.text).startswith("Change the time of a visit")
    assert "Dermaplaning Facial" in shown and "With Sofia Bianchi at SoHo" in shown
    assert "Wednesday" not in shown  # Sofia is in Brooklyn on Wednesdays: the visit stays at SoHo
    assert link(page.text, "Next week") == f"{change}?from=2026-11-23"
    tuesday = next(f for f in forms(page.text, change) if "Tuesday 17 November" in f.buttons[0][2])

    # a time the clinic does not offer (22:00) is refused with the reason, and the times are shown again
    refused = client.post(change, data=tuesday.data("10:00 AM", start_at="2026-11-18T03:00:00+00:00"))
    assert refused.status_code == 422 and "That time is not open for this visit" in text_of(refused.text)
    assert forms(refused.text, change)

    moved = client.post(change, data=tuesday.data("10:00 AM"))
    assert moved.status_code == 200
    assert "The visit is now on Tuesday 17 November 2026 at 10:00 AM" in text_of(moved.text)
    pending = [job.key for job in demo_portal.jobs.for_visit(visit_id) if job.state is JobState.PENDING]
    new_start = int(local(date(2026, 11, 17), 10).timestamp())
    assert pending and all(key.startswith(f"visit:{visit_id}:{new_start}:") for key in pending)
    assert not [job for job in demo_portal.jobs.for_visit(visit_id)
                if job.key.startswith(f"visit:{visit_id}:{old_start}:") and job.state is JobState.PENDING]
    assert "Tuesday 17 November 2026, 10:00 AM" in text_of(client.get("/portal/visits").text)
    assert audit_of(demo_portal, "visit_moved") == [(account, test_access.olivia(demo_portal), False)]
    assert "Cambiar la hora de una visita" in title_of(client.get(f"{change}?lang=es").text)
    other = someone_elses_visit(demo_portal)  # another patient's visit is not found, never "not yours"
    assert client.get(f"/portal/visits/{other}/reschedule").status_code == 404
    assert client.post(f"/portal/visits/{other}/cancel", data=tuesday.data()).status_code == 404
    assert status_of(demo_portal, other) == "booked"


def test_cancelling_inside_the_window_pays_the_fee_from_the_deposit_and_says_so(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    visit_id = late_visit_with_a_card(demo_portal, sms)  # a $50 deposit was paid; the late fee is $50
    olivia_signed_in(client, demo_portal, mailer)
    visits = client.get("/portal/visits").text
    assert "To change the time of this visit, please call the clinic." in text_of(visits)  # too close to move
    cancel = link(visits, "Cancel visit (Monday 16 November 2026, 3:00 PM)")

    page = client.get(cancel)
    assert page.status_code == 200
    assert ("Cancelling now costs $50.00 under the clinic's cancellation policy. The deposit you paid covers it, so "
            "nothing more is charged.") in text_of(page.text)
    sent = client.post(cancel, data=form(page.text, cancel).data("Cancel this visit"), follow_redirects=False)
    # POST-redirect-GET: the outcome is a page of its own, so a reload repeats nothing
    assert sent.status_code == 303 and sent.headers["location"] == f"/portal/visits/{visit_id}/changed?done=cancelled"
    done = client.get(sent.headers["location"])

    assert done.status_code == 200 and title_of(done.text).startswith("Your visit is cancelled")
    assert "$50.00 of the $50.00 cancellation fee was paid from your deposit." in text_of(done.text)
    assert "charged to the card" not in text_of(done.text)
    assert status_of(demo_portal, visit_id) == "cancelled"
    reloaded = client.get(sent.headers["location"])  # the money was said once; the visit stays cancelled
    assert title_of(reloaded.text).startswith("Your visit is cancelled")
    assert "paid from your deposit" not in text_of(reloaded.text)
    again = client.post(cancel, data=form(page.text, cancel).data("Cancel this visit"))
    assert "This visit is cancelled, so it cannot be cancelled." in text_of(again.text)
    upcoming, cancelled = text_of(client.get("/portal/visits").text).split("Upcoming", 1)[1].split(" Cancelled ", 1)
    assert "3:00 PM" not in upcoming and "Deposit paid" not in upcoming
    assert "Monday 16 November 2026, 3:00 PM" in cancelled.split(" Past ")[0]
    assert "Deposit after the cancellation $50.00 kept by the clinic" in cancelled
    demo_portal.dispatcher.dispatch_due()
    [email] = [m for m in mailer.sent if "cancelled" in m.subject]
    assert "a late-cancellation fee of $50.00 applies; it is paid from your deposit" in email.text
    again = client.post(cancel, data=form(page.text, cancel).data("Cancel this visit"))
    assert again.status_code == 422 and "This visit is cancelled, so it cannot be cancelled." in text_of(again.text)
    spanish = text_of(client.get("/portal/visits?lang=es").text)
    assert "Depósito tras la cancelación" in spanish and "retenidos por la clínica" in spanish


def test_a_carer_for_visits_moves_a_visit_but_a_late_fee_needs_a_carer_with_full_access(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    visit_id = late_visit_with_a_card(demo_portal, sms)
    olivia = test_access.olivia(demo_portal)
    carer_for_olivia(client, demo_portal, mailer, "sam.carer@example.com", ProxyScope.VISITS_FORMS)
    visits = client.get("/portal/visits").text
    change = link(visits, "Change time (Monday 23 November 2026, 11:00 AM)")
    tuesday = next(f for f in forms(client.get(change).text, change) if "Tuesday 17 November" in f.buttons[0][2])
    assert client.post(change, data=tuesday.data("10:00 AM")).status_code == 200
    assert audit_of(demo_portal, "visit_moved")[0][1:] == (olivia, True)

    cancel = f"/portal/visits/{visit_id}/cancel"
    page = client.get(cancel)
    assert "your access does not cover payments" in text_of(page.text)
    assert cancel not in [f.action for f in parse(page.text).forms]  # no button to press
    refused = client.post(cancel, data=form(page.text, "/logout").data())
    assert refused.status_code == 403 and "your access does not cover payments" in text_of(refused.text)
    assert status_of(demo_portal, visit_id) == "booked"

    client.cookies.clear()
    carer_for_olivia(client, demo_portal, mailer, "pat.carer@example.com", ProxyScope.ALL)
    page = client.get(cancel)
    assert client.post(cancel, data=form(page.text, cancel).data()).status_code == 200
    assert status_of(demo_portal, visit_id) == "cancelled"
    assert audit_of(demo_portal, "visit_cancelled")[0][1:] == (olivia, True)


def test_a_patient_joins_the_waitlist_from_the_times_page_and_leaves_it(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    times = "/book/times?services=neurotoxin&provider=jessica-lin"
    assert "Join the waitlist" not in text_of(client.get(times).text)  # signed out: no waitlist of one's own
    account = olivia_signed_in(client, demo_portal, mailer)
    assert link(client.get("/portal").text, "Your waitlist") == "/portal/waitlist"
    join = link(client.get(times).text, "Join the waitlist")
    assert join == "/portal/waitlist?services=neurotoxin&provider=jessica-lin"

    page = client.get(join)
    joining = form(page.text, "/portal/waitlist")
    assert page.status_code == 200 and "You are not on the waitlist." in text_of(page.text)
    assert (joining.fields["services"], joining.fields["provider"]) == ("neurotoxin", "jessica-lin")
    assert (joining.fields["first_day"], joining.fields["last_day"]) == ("2026-11-16", "2026-11-29")
    wrong = client.post("/portal/waitlist", data=joining.data(first_day="2026-11-01"))
    assert wrong.status_code == 422 and "The first day must not be in the past." in text_of(wrong.text)
    joined = client.post("/portal/waitlist", data=joining.data(services=["neurotoxin", "lip-filler"]),
                         follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == "/portal/waitlist?notice=joined"

    listed = client.get(joined.headers["location"])
    shown = text_of(listed.text)
    assert "You are on the waitlist." in shown and "Botox / Dysport (up to 3 areas), Lip Filler (1 syringe)" in shown
    assert "Jessica Lin" in shown and "Monday 16 November to Sunday 29 November" in shown
    [entry] = demo_portal.waitlist.entries(test_access.olivia(demo_portal))
    leave = f"/portal/waitlist/{entry.id}/leave"
    left = client.post(leave, data=form(listed.text, leave).data(), follow_redirects=False)
    assert left.status_code == 303
    assert "You are not on the waitlist." in text_of(client.get("/portal/waitlist").text)
    olivia = test_access.olivia(demo_portal)
    assert audit_of(demo_portal, "waitlist_joined") == audit_of(demo_portal, "waitlist_left") == [
        (account, olivia, False)]
    assert client.get("/portal/waitlist?lang=es").status_code == 200
