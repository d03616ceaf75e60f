"""A reminder's link, through the web pages: the patient sees the visit, confirms it or cancels it with the
clinic's fee; a forged or expired link opens nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import AppointmentStatus
from tests.emails import emailed_path
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, forms, link, text_of

VISIT_START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York, a week after "now"
ANA = "ana.visit@example.com"


def reminded(portal: Portal, clock: FixedClock, mailer: RecordingSender,
             start: datetime = VISIT_START) -> tuple[int, str]:
    """Books a visit and lets the two-day reminder go out; returns the visit id and the path of its link."""
    patient = portal.patients.add(first_name="Ana", last_name="Ruiz", email=ANA, mobile="+12125550123")
    assert patient.id is not None
    visit = portal.schedule.book(patient_id=patient.id, provider="dr-amara-okafor", location="soho",
                                 services=["neurotoxin"], start_at=start)
    assert visit.id is not None
    clock.at = start - timedelta(days=2)
    portal.timed.run_due()
    portal.dispatcher.dispatch_due()
    return visit.id, emailed_path(mailer, ANA, "/visit/")


def test_the_reminder_link_shows_the_visit_and_confirms_it(
        client: TestClient, demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    visit_id, path = reminded(demo_portal, clock, mailer)
    page = client.get(path)
    assert page.status_code == 200
    assert "10:00" in text_of(page.text) and "Botox / Dysport" in text_of(page.text)
    done = client.post(f"{path}/confirm", data=form(page.text, f"{path}/confirm").data())
    assert done.status_code == 200 and "your visit is confirmed" in text_of(done.text)
    assert demo_portal.schedule.day(VISIT_START.date())[0].appointment.confirmed_at is not None
    again = client.get(path)
    assert "You have confirmed this visit" in text_of(again.text)
    assert demo_portal.schedule.day(VISIT_START.date())[0].appointment.id == visit_id


def test_cancelling_from_the_reminder_inside_the_window_states_and_records_the_fee(
        client: TestClient, demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    _, path = reminded(demo_portal, clock, mailer)
    clock.at = VISIT_START - timedelta(hours=3)  # inside the demo clinic's 24-hour window
    page = client.get(path)
    assert "Cancelling now costs $50.00" in text_of(page.text)
    done = client.post(f"{path}/cancel", data=form(page.text, f"{path}/cancel").data())
    assert done.status_code == 200 and "Your visit is cancelled" in text_of(done.text)
    assert demo_portal.schedule.day(VISIT_START.date())[0].appointment.status is AppointmentStatus.CANCELLED
    assert "This visit was cancelled" in text_of(client.get(path).text)


def test_the_reminder_link_moves_the_visit_to_a_time_the_clinic_offers(
        client: TestClient, demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    visit_id, path = reminded(demo_portal, clock, mailer)  # now Saturday 21 November, the visit Monday 10:00
    page = client.get(path)
    assert link(page.text, "Change time") == f"{path}/reschedule"
    times = client.get(f"{path}/reschedule")
    assert times.status_code == 200 and "Change the time of a visit" in text_of(times.text)
    tuesday = next(f for f in forms(times.text, f"{path}/reschedule") if "Tuesday 24 November" in f.buttons[0][2])

    moved = client.post(f"{path}/reschedule", data=tuesday.data("11:00 AM"), follow_redirects=False)

    assert moved.status_code == 303 and moved.headers["location"] == f"{path}?moved=1"
    shown = text_of(client.get(moved.headers["location"]).text)
    assert "Your visit is moved" in shown and "Tuesday 24 November 2026" in shown
    [row] = [r for r in demo_portal.schedule.day(date(2026, 11, 24)) if r.appointment.id == visit_id]
    assert row.local_start.hour == 11
    with demo_portal._engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_event WHERE action = 'visit_moved'")).scalars().all() \
            == ["reminder link"]


@pytest.mark.parametrize("mangle", [lambda p: p[:-3] + "abc", lambda p: p.replace("/visit/", "/visit/9")])
def test_a_forged_link_opens_nothing(client: TestClient, demo_portal: Portal, clock: FixedClock,
                                     mailer: RecordingSender, mangle: object) -> None:
    _, path = reminded(demo_portal, clock, mailer)
    assert callable(mangle)
    page = client.get(mangle(path))
    assert page.status_code == 400 and "not valid" in text_of(page.text) and "Ruiz" not in page.text


def test_the_link_stops_working_a_day_after_the_visit(
        client: TestClient, demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    _, path = reminded(demo_portal, clock, mailer)
    clock.at = VISIT_START + timedelta(days=2)
    page = client.get(path)
    assert page.status_code == 400 and "expired" in text_of(page.text)


def test_opening_the_link_is_in_the_patients_access_log(
        client: TestClient, demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    _, path = reminded(demo_portal, clock, mailer)
    client.get(path)
    patient = demo_portal.patients.by_email(ANA)
    assert patient is not None and patient.id is not None
    with demo_portal._engine.connect() as connection:
        actions = connection.execute(text("SELECT action, actor FROM audit_event WHERE patient_id = :p"),
                                     {"p": patient.id}).all()
    assert ("view_visit_link", "reminder link") in [tuple(row) for row in actions]
