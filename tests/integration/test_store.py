"""The store on SQLite and PostgreSQL: schema, catalogue, patients, appointments and the overlap guarantee."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from portalcore.adapters.sql.engine import make_engine
from portalcore.adapters.sql.migrate import pending, upgrade
from portalcore.bootstrap import Portal, read_clinic_file
from portalcore.domain.appointments import AppointmentStatus
from portalcore.domain.errors import Conflict, InvalidInput, SlotTaken

# Tuesday 17 Nov 2026, 10:00 in New York
TUESDAY_10AM = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


def test_migrations_create_every_table_the_code_maps(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine)
        assert pending(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_loading_the_demo_clinic_twice_changes_nothing(portal: Portal) -> None:
    first = portal.setup.import_clinic(read_clinic_file())
    second = portal.setup.import_clinic(read_clinic_file())
    assert (first.patients_added, first.appointments_added) == (5, 10)
    assert (second.patients_added, second.appointments_added) == (0, 0)
    assert len(portal.patients.find("")) == 5
    categories = [entry.category.name for entry in portal.catalog.online_catalog()]
    assert categories == ["Injectables", "Laser", "Facials", "Skin Treatments"]


def test_a_broken_clinic_file_writes_nothing(portal: Portal) -> None:
    data = read_clinic_file()
    data["services"][3]["providers"] = ["nobody"]
    with pytest.raises(InvalidInput, match="nobody"):
        portal.setup.import_clinic(data)
    with pytest.raises(Exception, match="not set up"):
        portal.catalog.clinic()


def test_service_details_survive_the_round_trip(demo_portal: Portal) -> None:
    botox = demo_portal.catalog.service("neurotoxin")
    assert (botox.price.cents, botox.deposit.cents, botox.duration_minutes, botox.buffer_minutes) == (45000, 5000, 30, 10)
    assert botox.providers == ("dr-amara-okafor", "jessica-lin")
    assert botox.forms[:2] == ("medical-history", "consent-neurotoxin")


def test_one_email_belongs_to_one_patient_whatever_the_capitals(demo_portal: Portal) -> None:
    with pytest.raises(Conflict, match="already exists"):
        demo_portal.patients.add(first_name="Olivia", last_name="M", email="Olivia.Martinez@Example.com")
    found = demo_portal.patients.by_email("OLIVIA.MARTINEZ@example.com")
    assert found is not None and found.last_name == "Martinez"


def test_patients_without_email_do_not_collide(demo_portal: Portal) -> None:
    demo_portal.patients.add(first_name="Ann", last_name="Lee", mobile="(212) 555-0177")
    walk_in = demo_portal.patients.add(first_name="Bo", last_name="Lee")
    assert walk_in.email == ""
    assert [p.mobile for p in demo_portal.patients.find("lee ann")] == ["+12125550177"]


def test_a_bad_phone_number_is_refused_with_a_reason(demo_portal: Portal) -> None:
    with pytest.raises(InvalidInput, match="phone"):
        demo_portal.patients.add(first_name="Ann", last_name="Lee", mobile="12")


def test_booking_queues_the_confirmation_email_and_sms_in_the_same_transaction(demo_portal: Portal) -> None:
    patient = demo_portal.patients.by_email("daniel.kim@example.com")
    assert patient is not None and patient.id is not None
    visit = demo_portal.schedule.book(patient_id=patient.id, provider="jessica-lin", location="brooklyn",
                                      services=["neurotoxin", "lip-filler"], start_at=TUESDAY_10AM)
    assert visit.end_at - visit.start_at == timedelta(minutes=30 + 10 + 45)
    queued = {e.message.channel.value: e.message for e in demo_portal.outbox.entries()}
    assert (queued["email"].recipient, queued["sms"].recipient) == ("daniel.kim@example.com", "+17185550133")
    assert "Jessica Lin" in queued["email"].text
    assert "Tuesday 17 November 2026, 10:00" in queued["sms"].text


def test_an_overlapping_visit_for_the_same_provider_is_refused(demo_portal: Portal) -> None:
    olivia = demo_portal.patients.by_email("olivia.martinez@example.com")
    daniel = demo_portal.patients.by_email("daniel.kim@example.com")
    assert olivia and daniel and olivia.id and daniel.id
    demo_portal.schedule.book(patient_id=olivia.id, provider="jessica-lin", location="brooklyn",
                              services=["neurotoxin"], start_at=TUESDAY_10AM)
    # the first visit runs 30 min plus a 10 min buffer: 10:35 is still inside it
    with pytest.raises(SlotTaken):
        demo_portal.schedule.book(patient_id=daniel.id, provider="jessica-lin", location="brooklyn",
                                  services=["consultation"], start_at=TUESDAY_10AM + timedelta(minutes=35))
    after_buffer = demo_portal.schedule.book(patient_id=daniel.id, provider="jessica-lin", location="brooklyn",
                                             services=["consultation"], start_at=TUESDAY_10AM + timedelta(minutes=40))
    assert after_buffer.id is not None
    # confirmation email + SMS for each of the two, and Olivia's pre-injectable instructions; the refused one
    # queued nothing
    assert sorted(e.message.idempotency_key.split(":", 2)[2] for e in demo_portal.outbox.entries()) == [
        "confirmation:email", "confirmation:email", "confirmation:sms", "confirmation:sms", "pre-instructions:email"]


def test_cancelling_frees_the_slot(demo_portal: Portal) -> None:
    olivia = demo_portal.patients.by_email("olivia.martinez@example.com")
    assert olivia and olivia.id
    first = demo_portal.schedule.book(patient_id=olivia.id, provider="sofia-bianchi", location="soho",
                                      services=["hydrafacial"], start_at=TUESDAY_10AM)
    assert first.id is not None
    demo_portal.schedule.set_status(first.id, AppointmentStatus.CANCELLED)
    again = demo_portal.schedule.book(patient_id=olivia.id, provider="sofia-bianchi", location="soho",
                                      services=["hydrafacial"], start_at=TUESDAY_10AM)
    assert again.id != first.id


def test_a_provider_who_does_not_offer_a_service_cannot_be_booked_for_it(demo_portal: Portal) -> None:
    olivia = demo_portal.patients.by_email("olivia.martinez@example.com")
    assert olivia and olivia.id
    with pytest.raises(InvalidInput, match="not offered"):
        demo_portal.schedule.book(patient_id=olivia.id, provider="marco-reyes", location="brooklyn",
                                  services=["lip-filler"], start_at=TUESDAY_10AM)


def test_racing_bookings_for_one_slot_leave_exactly_one_appointment(demo_portal: Portal) -> None:
    patients = [demo_portal.patients.add(first_name=f"Racer{i}", last_name="Test", email=f"racer{i}@example.com")
                for i in range(50)]
    barrier = threading.Barrier(len(patients))
    outcomes: list[str] = []

    def book(patient_id: int) -> None:
        barrier.wait()
        try:
            demo_portal.schedule.book(patient_id=patient_id, provider="marco-reyes", location="brooklyn",
                                      services=["laser-hair-small"], start_at=TUESDAY_10AM)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=book, args=(p.id,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * (len(patients) - 1)
    day = demo_portal.schedule.day(TUESDAY_10AM.date())
    assert [row.provider_name for row in day if row.appointment.start_at == TUESDAY_10AM] == ["Marco Reyes"]
    winner = next(p for p in patients for row in day if row.appointment.start_at == TUESDAY_10AM
                  and row.appointment.patient_id == p.id)
    # only the winner's confirmation and laser preparation (racers have no mobile)
    assert sorted(e.message.recipient for e in demo_portal.outbox.entries()) == [winner.email] * 2


def test_the_days_schedule_uses_the_clinics_calendar_day(demo_portal: Portal) -> None:
    today = demo_portal.schedule.today()
    rows = demo_portal.schedule.day(today)
    assert [(r.patient_name, r.local_start.strftime("%H:%M"), r.service_names) for r in rows] == [
        ("Lucía Fernández", "16:00", ("Microneedling with PRP",))]
