"""Timed jobs with an injected clock on SQLite and PostgreSQL: reminders at the right local times, aftercare
after the visit, moving or cancelling a visit moves or cancels its jobs, a restarted worker misses nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.errors import InvalidInput
from portalcore.domain.outbox import Channel
from portalcore.domain.timed_events import JobState
from portalcore.settings import Settings
from tests.fakes.memory import RecordingSender

MONDAY_AFTER_SPRING_FORWARD = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # 10:00 EDT in New York
MONDAY_AFTER_FALL_BACK = datetime(2027, 11, 8, 15, 0, tzinfo=UTC)  # 10:00 EST


def book(portal: Portal, start: datetime, services: tuple[str, ...] = ("neurotoxin",), *,
         email: str = "ana@example.com") -> Appointment:
    patient = portal.patients.add(first_name="Ana", last_name="Ruiz", email=email, mobile="+12125550123")
    assert patient.id is not None
    return portal.schedule.book(patient_id=patient.id, provider="dr-amara-okafor", location="soho",
                                services=list(services), start_at=start)


def run_at(portal: Portal, clock: FixedClock, moment: datetime) -> None:
    clock.at = moment
    portal.timed.run_due()
    portal.dispatcher.dispatch_due()


def reminders(sender: RecordingSender) -> list[str]:
    return [m.subject or m.text for m in sender.sent if "remind" in (m.subject or m.text).lower()]


@pytest.mark.parametrize(("start", "local_due"), [
    (MONDAY_AFTER_SPRING_FORWARD, datetime(2027, 3, 13, 15, 0, tzinfo=UTC)),  # Saturday 10:00 EST
    (MONDAY_AFTER_FALL_BACK, datetime(2027, 11, 6, 14, 0, tzinfo=UTC)),  # Saturday 10:00 EDT
])
def test_the_two_day_reminder_arrives_at_the_visits_local_hour_across_a_dst_change(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender, sms: RecordingSender,
        start: datetime, local_due: datetime) -> None:
    book(demo_portal, start)
    mailer.sent.clear()
    run_at(demo_portal, clock, local_due - timedelta(minutes=1))
    assert reminders(mailer) == []
    run_at(demo_portal, clock, local_due)
    assert len(reminders(mailer)) == 1
    assert "10:00" in reminders(mailer)[0]  # the visit's own local time, in the subject
    texts = [m for m in sms.sent if "reminder" in m.text]
    assert len(texts) == 1 and "/visit/" in texts[0].text
    run_at(demo_portal, clock, start - timedelta(hours=2))  # the two-hour reminder
    assert len(reminders(mailer)) == 2
    run_at(demo_portal, clock, start - timedelta(minutes=30))  # nothing more, however often the worker runs
    assert len(reminders(mailer)) == 2


def test_aftercare_instructions_are_emailed_when_the_visit_ends_plus_the_clinics_delay(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    clinic = demo_portal.catalog.clinic()
    demo_portal.setup.update_settings(attrs.evolve(clinic.settings, post_instructions_delay_minutes=60))
    visit = book(demo_portal, MONDAY_AFTER_FALL_BACK)
    run_at(demo_portal, clock, visit.end_at + timedelta(minutes=59))
    assert not [m for m in mailer.sent if "Aftercare" in m.subject]
    run_at(demo_portal, clock, visit.end_at + timedelta(minutes=60))
    aftercare = [m for m in mailer.sent if "Aftercare" in m.subject]
    assert len(aftercare) == 1 and "After your injectable treatment" in aftercare[0].text


def test_a_front_desk_booking_sends_the_pre_treatment_instructions_like_an_online_one(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    book(demo_portal, MONDAY_AFTER_FALL_BACK)  # neurotoxin: pre- and post-injectable instructions
    demo_portal.dispatcher.dispatch_due()
    preparing = [m for m in mailer.sent if m.subject.startswith("Preparing for your visit")]
    assert len(preparing) == 1 and "Before your injectable treatment" in preparing[0].text
    assert "After your injectable treatment" not in preparing[0].text  # aftercare comes after the visit


def test_a_service_without_aftercare_sends_none(demo_portal: Portal, clock: FixedClock,
                                                mailer: RecordingSender) -> None:
    visit = book(demo_portal, MONDAY_AFTER_FALL_BACK, ("consultation",))
    run_at(demo_portal, clock, visit.end_at + timedelta(hours=3))
    assert not [m for m in mailer.sent if "Aftercare" in m.subject]


def test_rescheduling_moves_the_reminders_and_the_old_times_send_nothing(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    visit = book(demo_portal, MONDAY_AFTER_FALL_BACK)
    assert visit.id is not None
    new_start = MONDAY_AFTER_FALL_BACK + timedelta(days=7, hours=4)  # the next Monday, 14:00
    moved = demo_portal.visits.reschedule(visit.id, new_start, by_patient=False)
    assert moved.start_at == new_start
    demo_portal.dispatcher.dispatch_due()
    assert [m.subject for m in mailer.sent if "moved" in m.subject]
    run_at(demo_portal, clock, MONDAY_AFTER_FALL_BACK - timedelta(hours=2))  # the old two-hour reminder time
    assert reminders(mailer) == []
    run_at(demo_portal, clock, new_start - timedelta(hours=2))
    assert len(reminders(mailer)) == 2  # the new two-day one came on the way (at its time) and the two-hour one
    assert all("2:00 PM" in subject for subject in reminders(mailer))
    states = {job.key.split(":")[-1]: job.state for job in demo_portal.jobs.for_visit(visit.id)
              if job.key.startswith(f"visit:{visit.id}:{int(MONDAY_AFTER_FALL_BACK.timestamp())}")}
    assert set(states.values()) == {JobState.CANCELLED}


def test_a_patient_cannot_move_a_visit_to_a_time_the_clinic_does_not_offer(
        demo_portal: Portal, clock: FixedClock) -> None:
    clock.at = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
    visit = book(demo_portal, datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # Monday 10:00 EST, two weeks out
    assert visit.id is not None
    with pytest.raises(InvalidInput, match="not open"):
        demo_portal.visits.reschedule(visit.id, datetime(2026, 12, 1, 3, 0, tzinfo=UTC), by_patient=True)  # 22:00
    moved = demo_portal.visits.reschedule(visit.id, datetime(2026, 11, 30, 15, 30, tzinfo=UTC), by_patient=True)
    assert moved.start_at == datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # half an hour later overlaps itself: fine


def test_cancelling_a_visit_cancels_its_reminders(demo_portal: Portal, clock: FixedClock,
                                                  mailer: RecordingSender) -> None:
    visit = book(demo_portal, MONDAY_AFTER_FALL_BACK)
    assert visit.id is not None
    demo_portal.visits.cancel(visit.id, by_patient=False)
    run_at(demo_portal, clock, MONDAY_AFTER_FALL_BACK - timedelta(hours=1))
    assert reminders(mailer) == []
    assert {job.state for job in demo_portal.jobs.for_visit(visit.id)} == {JobState.CANCELLED}


def test_review_requests_go_out_only_when_the_clinic_asks_and_never_after_a_no_show(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    clinic = demo_portal.catalog.clinic()
    demo_portal.setup.update_settings(attrs.evolve(clinic.settings, review_request_hours=3))
    came = book(demo_portal, MONDAY_AFTER_FALL_BACK)
    missed = book(demo_portal, MONDAY_AFTER_FALL_BACK + timedelta(hours=2), email="bo@example.com")
    assert came.id is not None and missed.id is not None
    demo_portal.schedule.set_status(came.id, AppointmentStatus.COMPLETED)
    demo_portal.schedule.set_status(missed.id, AppointmentStatus.NO_SHOW)
    run_at(demo_portal, clock, MONDAY_AFTER_FALL_BACK + timedelta(hours=8))
    asked = [m.recipient for m in mailer.sent if m.subject.startswith("How was your visit")]
    assert asked == ["ana@example.com"]


def test_a_restarted_worker_runs_what_fell_due_while_it_was_down_once(
        settings: Settings, demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    visit = book(demo_portal, MONDAY_AFTER_FALL_BACK)
    assert visit.id is not None
    demo_portal.close()  # the worker stops before anything is due
    clock.at = MONDAY_AFTER_FALL_BACK - timedelta(hours=1)  # both reminders fell due while it was down
    restarted = build_portal(settings, clock=clock, mailer=mailer, sms=RecordingSender())
    try:
        restarted.timed.run_due()
        restarted.timed.run_due()
        restarted.dispatcher.dispatch_due()
        assert len(reminders(mailer)) == 2
        assert {job.state for job in restarted.jobs.for_visit(visit.id)} == {JobState.DONE, JobState.PENDING}
    finally:
        restarted.close()


def test_two_workers_racing_run_every_job_exactly_once(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    for day in range(6):
        book(demo_portal, MONDAY_AFTER_FALL_BACK + timedelta(days=7 * day), email=f"p{day}@example.com")
    clock.at = MONDAY_AFTER_FALL_BACK - timedelta(hours=1)
    start = threading.Barrier(2)

    def work() -> None:
        start.wait()
        demo_portal.timed.run_due()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    demo_portal.dispatcher.dispatch_due()
    emails = [m for m in mailer.sent if m.channel is Channel.EMAIL and "remind" in m.subject.lower()]
    assert len(emails) == 2 and len({m.idempotency_key for m in emails}) == 2  # only the first visit is due
