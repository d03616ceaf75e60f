"""What a signed-in patient or their proxy reads in the portal, on SQLite and PostgreSQL: visits in clinic time,
the log of who looked at the record, the scope of a proxy's grant, and the audit entry every read leaves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.access import PortalSession
from portalcore.domain.appointments import AppointmentStatus
from portalcore.domain.errors import InvalidInput, NotAllowed
from portalcore.domain.proxies import ProxyScope
from portalcore.services.records.portal_reads import Who
from tests.fakes.memory import RecordingSender
from tests.integration.test_access import activated, olivia, sign_in
from tests.integration.test_booking import TUESDAY, details, local, verified_phone
from tests.integration.test_proxies import CARER, carer_session

OLIVIA = "olivia.martinez@example.com"
OLIVIA_MOBILE = "+12125550143"


def olivia_session(portal: Portal, mailer: RecordingSender) -> PortalSession:
    session = portal.login.session(sign_in(portal, mailer, activated(portal, mailer)))
    assert session is not None
    return session


def book_online(portal: Portal, sms: RecordingSender) -> str:
    """Olivia books botox and lip filler online for Tuesday 11:00 with a $150 deposit; returns the reference."""
    hold = portal.booking.hold(["neurotoxin", "lip-filler"], "jessica-lin", local(TUESDAY, 11))
    phone = verified_phone(portal, sms, OLIVIA_MOBILE)
    done = portal.checkout.confirm(hold.token, phone, details(email=OLIVIA, mobile=OLIVIA_MOBILE),
                                   payment_method="pm_card_visa", accepted_policy=True)
    return done.reference


def book_last_week(portal: Portal) -> None:
    portal.schedule.book(patient_id=olivia(portal), provider="jessica-lin", location="brooklyn",
                         services=["neurotoxin"], start_at=local(date(2026, 11, 10), 15))


def view_events(portal: Portal) -> list[tuple[str, int | None, int | None, bool, str]]:
    with portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT action, account_id, patient_id, as_proxy, ip FROM audit_event "
                                       "WHERE action LIKE 'view_%' ORDER BY id")).all()
    return [(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]


def test_a_patient_sees_upcoming_and_past_visits_in_clinic_time_with_price_and_deposit(
        demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    reference = book_online(demo_portal, sms)
    book_last_week(demo_portal)
    session = olivia_session(demo_portal, mailer)

    visits = demo_portal.reads.visits(session)

    assert visits.patient_name == "Olivia Martinez" and not visits.as_proxy
    # the demo clinic already gave Olivia a facial six weeks ago and dermaplaning next Monday
    assert [(v.start_at.date(), v.start_at.hour) for v in visits.upcoming] == [(TUESDAY, 11), (date(2026, 11, 23), 11)]
    assert [(v.start_at.date(), v.start_at.hour) for v in visits.past] == [(date(2026, 11, 10), 15), (date(2026, 10, 5), 10)]
    coming, done = visits.upcoming[0], visits.past[0]
    assert (coming.start_at.hour, coming.start_at.minute, str(coming.start_at.tzinfo)) == (11, 0, "America/New_York")
    assert coming.services == ("Botox / Dysport (up to 3 areas)", "Lip Filler (1 syringe)")
    assert (coming.provider, coming.location, coming.location_address) == (
        "Jessica Lin", "Brooklyn Heights", "75 Montague St, Brooklyn, NY 11201")
    assert coming.reference == reference and coming.status is AppointmentStatus.BOOKED
    assert (coming.price.cents, coming.deposit_paid.cents) == (120000, 15000)
    assert done.reference == "" and done.deposit_paid.cents == 0 and done.services == ("Botox / Dysport (up to 3 areas)",)


def test_each_read_of_the_visits_writes_one_view_event_about_the_patient(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    session = olivia_session(demo_portal, mailer)
    demo_portal.reads.visits(session, ip="198.51.100.7")
    demo_portal.reads.visits(session, ip="198.51.100.7")

    expected = ("view_visits", session.account_id, olivia(demo_portal), False, "198.51.100.7")
    assert view_events(demo_portal) == [expected, expected]


def test_a_carer_for_visits_and_forms_sees_the_visits_but_not_the_access_log(
        demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    reference = book_online(demo_portal, sms)
    patient = olivia(demo_portal)
    demo_portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer",
                              scope=ProxyScope.VISITS_FORMS)
    session = demo_portal.proxies.switch(carer_session(demo_portal, mailer), patient)

    visits = demo_portal.reads.visits(session)
    assert visits.as_proxy and visits.patient_name == "Olivia Martinez"
    assert reference in [v.reference for v in visits.upcoming]
    with pytest.raises(NotAllowed):
        demo_portal.reads.access_log(session)

    assert view_events(demo_portal) == [("view_visits", session.account_id, patient, True, "")]


def test_a_session_that_has_not_chosen_a_record_reads_nothing(demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.proxies.grant(olivia(demo_portal), email=CARER, first_name="Sam", last_name="Carer",
                              scope=ProxyScope.ALL)
    session = carer_session(demo_portal, mailer)  # a carer without a record of their own, not switched yet

    with pytest.raises(NotAllowed):
        demo_portal.reads.visits(session)
    assert view_events(demo_portal) == []


def test_the_access_log_names_the_patient_the_proxy_and_the_front_desk_newest_first(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    own = olivia_session(demo_portal, mailer)
    demo_portal.reads.visits(own, ip="198.51.100.7")
    patient = olivia(demo_portal)
    demo_portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer", scope=ProxyScope.ALL)
    carer = demo_portal.proxies.switch(carer_session(demo_portal, mailer), patient)
    demo_portal.reads.visits(carer, ip="203.0.113.50")

    log = demo_portal.reads.access_log(own)

    assert log.patient_name == "Olivia Martinez" and log.page == 1 and not log.has_more
    first = log.entries[0]
    assert (first.who, first.name, first.what, first.ip) == (Who.PROXY, "Sam Carer", "Viewed the visits",
                                                             "203.0.113.50")
    assert not first.by_reader and str(first.at.tzinfo) == "America/New_York"
    mine = [e for e in log.entries if e.action == "view_visits" and e.who is Who.PATIENT]
    assert len(mine) == 1 and mine[0].by_reader and mine[0].name == "Olivia Martinez"
    granted = [e for e in log.entries if e.action == "proxy_granted"]
    assert granted and granted[0].who is Who.CLINIC and granted[0].name == "front desk"
    assert [e.at for e in log.entries] == sorted((e.at for e in log.entries), reverse=True)


def test_reading_the_access_log_is_itself_audited_and_a_full_proxy_may_read_it(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    own = olivia_session(demo_portal, mailer)
    patient = olivia(demo_portal)
    demo_portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer", scope=ProxyScope.ALL)
    carer = demo_portal.proxies.switch(carer_session(demo_portal, mailer), patient)

    demo_portal.reads.access_log(carer)
    log = demo_portal.reads.access_log(own)

    assert view_events(demo_portal) == [("view_access_log", carer.account_id, patient, True, ""),
                                        ("view_access_log", own.account_id, patient, False, "")]
    assert log.entries[0].who is Who.PROXY and log.entries[0].what == "Viewed who looked at the record"


def test_the_access_log_comes_in_pages(demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    session = olivia_session(demo_portal, mailer)
    for _ in range(5):
        clock.advance(timedelta(minutes=1))
        demo_portal.reads.visits(session)

    first = demo_portal.reads.access_log(session, per_page=3)
    second = demo_portal.reads.access_log(session, page=2, per_page=3)

    assert len(first.entries) == 3 and first.has_more and second.page == 2
    assert [(e.action, e.at.minute) for e in first.entries] == [("view_visits", 5), ("view_visits", 4),
                                                                ("view_visits", 3)]
    # reading the first page was logged as the newest entry, so the second page starts one entry later
    assert [(e.action, e.at.minute) for e in second.entries[:3]] == [("view_visits", 3), ("view_visits", 2),
                                                                     ("view_visits", 1)]
    with pytest.raises(InvalidInput):
        demo_portal.reads.access_log(session, page=0)
