"""A carer acts for a patient within the scope the clinic granted, and loses access when it ends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput, NotAllowed
from portalcore.domain.proxies import Area, ProxyScope
from tests.fakes.memory import RecordingSender
from tests.integration.test_access import GOOD, last_link, olivia, sign_in

CARER = "sam.carer@example.com"


def carer_session(portal: Portal, mailer: RecordingSender, email: str = CARER):
    """The carer chooses a password from the link in their email and signs in."""
    portal.credentials.reset_password(last_link(mailer, email, "/password/reset/"), GOOD)
    session = portal.login.session(sign_in(portal, mailer, email))
    assert session is not None
    return session


def test_a_carer_invited_by_the_front_desk_sees_visits_and_forms_only(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    patient = olivia(demo_portal)
    demo_portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer",
                              scope=ProxyScope.VISITS_FORMS, relationship="spouse")
    session = carer_session(demo_portal, mailer)

    [represented] = demo_portal.proxies.represented(session.account_id)
    assert (represented.patient_id, represented.name, represented.own) == (patient, "Olivia Martinez", False)
    with pytest.raises(NotAllowed):  # a proxy without a record of their own must choose first
        demo_portal.proxies.authorize(session, Area.VISITS)
    session = demo_portal.proxies.switch(session, patient)
    access = demo_portal.proxies.authorize(session, Area.VISITS)
    assert access.patient_id == patient and access.as_proxy
    demo_portal.proxies.authorize(session, Area.FORMS)
    for area in (Area.RECORD, Area.PAYMENTS, Area.SECURITY):
        with pytest.raises(NotAllowed):
            demo_portal.proxies.authorize(session, area)


def test_revoking_ends_access_even_in_a_session_already_switched(demo_portal: Portal, mailer: RecordingSender) -> None:
    patient = olivia(demo_portal)
    grant = demo_portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer", scope=ProxyScope.ALL)
    session = demo_portal.proxies.switch(carer_session(demo_portal, mailer), patient)
    demo_portal.proxies.authorize(session, Area.RECORD)

    demo_portal.proxies.revoke(grant.id or 0)
    with pytest.raises(NotAllowed):
        demo_portal.proxies.authorize(session, Area.VISITS)
    assert demo_portal.proxies.represented(session.account_id) == []


def test_an_expired_grant_gives_no_access(demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    patient = olivia(demo_portal)
    demo_portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer", scope=ProxyScope.ALL,
                              expires_on=date(2026, 11, 17))  # the access ends at midnight after that day, New York
    session = demo_portal.proxies.switch(carer_session(demo_portal, mailer), patient)
    clock.at = datetime(2026, 11, 18, 4, 59, tzinfo=UTC)  # 23:59 on the 17th in New York: still open
    demo_portal.proxies.authorize(session, Area.VISITS)
    clock.at = datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
    with pytest.raises(NotAllowed):
        demo_portal.proxies.authorize(session, Area.VISITS)


def test_a_parents_access_ends_when_the_child_turns_18_unless_renewed(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    teen = demo_portal.patients.add(first_name="Mia", last_name="Martinez", date_of_birth=date(2009, 3, 1))
    assert teen.id is not None
    grant = demo_portal.proxies.grant(teen.id, email=CARER, first_name="Sam", last_name="Martinez",
                                      scope=ProxyScope.ALL, relationship="parent")
    session = carer_session(demo_portal, mailer)
    assert [r.patient_id for r in demo_portal.proxies.represented(session.account_id)] == [teen.id]

    clock.advance(datetime(2027, 3, 1, 5, 0, tzinfo=UTC) - clock.now())  # midnight of the 18th birthday, New York
    session = demo_portal.login.session(sign_in(demo_portal, mailer, CARER))
    assert session is not None
    assert demo_portal.proxies.represented(session.account_id) == []

    demo_portal.proxies.renew(grant.id or 0, expires_at=None)
    assert [r.patient_id for r in demo_portal.proxies.represented(session.account_id)] == [teen.id]


def test_nobody_switches_to_a_patient_they_were_not_granted(demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.proxies.grant(olivia(demo_portal), email=CARER, first_name="Sam", last_name="Carer",
                              scope=ProxyScope.ALL)
    session = carer_session(demo_portal, mailer)
    other = demo_portal.patients.by_email("ethan.brooks@example.com")
    assert other is not None and other.id is not None
    with pytest.raises(NotAllowed):
        demo_portal.proxies.switch(session, other.id)


def test_a_patient_cannot_be_their_own_proxy(demo_portal: Portal) -> None:
    with pytest.raises(InvalidInput):
        demo_portal.proxies.grant(olivia(demo_portal), email="olivia.martinez@example.com", first_name="Olivia",
                                  last_name="Martinez", scope=ProxyScope.ALL)


def test_grants_and_switches_are_in_the_audit_log(demo_portal: Portal, mailer: RecordingSender) -> None:
    patient = olivia(demo_portal)
    demo_portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer", scope=ProxyScope.ALL)
    demo_portal.proxies.switch(carer_session(demo_portal, mailer), patient)
    with demo_portal._engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM audit_event WHERE patient_id = :p ORDER BY id"),
                                     {"p": patient}).scalars().all()
    assert "proxy_granted" in actions and actions[-1] == "switched_patient"
