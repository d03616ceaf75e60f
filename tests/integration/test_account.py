"""Who is signed in, and a patient choosing from their settings who may act for them, through the services on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput, NotAllowed, NotFound
from portalcore.domain.proxies import Area, ProxyGrant, ProxyScope
from portalcore.services.access.login import TooManyAttempts
from tests.emails import emailed_path
from tests.fakes.memory import RecordingSender
from tests.integration.test_access import GOOD, activated, last_link, olivia, sign_in
from tests.integration.test_proxies import carer_session

CARER = "sam.carer@example.com"
ETHAN = "ethan.brooks@example.com"


def own_session(portal: Portal, mailer: RecordingSender):
    session = portal.login.session(sign_in(portal, mailer, activated(portal, mailer)))
    assert session is not None
    return session


def test_a_carer_is_named_as_themselves_and_as_acting_for_the_patient_after_switching(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.proxies.grant(olivia(demo_portal), email=CARER, first_name="Sam", last_name="Carer",
                              scope=ProxyScope.ALL)
    session = carer_session(demo_portal, mailer)

    before = demo_portal.login.account(session)
    assert (before.first_name, before.acting_for, before.acting_for_name) == ("Sam", None, "")
    assert before.may_switch and not before.as_self  # a carer without a record of their own must choose first

    after = demo_portal.login.account(demo_portal.proxies.switch(session, olivia(demo_portal)))
    assert (after.first_name, after.acting_for_name) == ("Sam", "Olivia Martinez")


def test_a_patient_without_proxies_acts_as_themselves_with_nothing_to_switch(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    me = demo_portal.login.account(own_session(demo_portal, mailer))

    assert (me.first_name, me.acting_for, me.acting_for_name) == ("Olivia", olivia(demo_portal), "")
    assert me.as_self and not me.may_switch


def test_a_revoked_carer_still_has_the_way_back_to_their_own_record(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    ethan = demo_portal.patients.by_email(ETHAN)
    assert ethan is not None
    grant = demo_portal.proxies.grant(olivia(demo_portal), email=ETHAN, first_name="", last_name="",
                                      scope=ProxyScope.ALL)
    session = demo_portal.proxies.switch(carer_session(demo_portal, mailer, ETHAN), olivia(demo_portal))
    demo_portal.proxies.revoke(grant.id or 0)

    me = demo_portal.login.account(session)
    assert (me.first_name, me.choices, me.may_switch) == ("Ethan", 1, True)
    assert [r.name for r in demo_portal.proxies.represented(session.account_id)] == ["Ethan Brooks"]


def invited(portal: Portal, mailer: RecordingSender, session, *, email: str = CARER, first_name: str = "Sam",
            last_name: str = "Carer", scope: ProxyScope = ProxyScope.ALL, **details: object) -> ProxyGrant:
    """The patient invites someone from their settings and that person accepts from the emailed link."""
    portal.proxy_invites.invite(session, password=GOOD, email=email, first_name=first_name, last_name=last_name,
                                scope=scope, **details)
    portal.proxy_invites.accept(last_link(mailer, email, "/access/proxy/"))
    return [grant for grant in portal.proxies.grants_for(olivia(portal)) if grant.revoked_at is None][-1]


def test_a_patient_invites_someone_from_settings_after_their_password_and_access_starts_when_they_accept(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    session = own_session(demo_portal, mailer)
    with pytest.raises(InvalidInput, match="password is not right"):
        demo_portal.proxy_invites.invite(session, password="not it", email=CARER, first_name="Sam",
                                         last_name="Carer", scope=ProxyScope.VISITS_FORMS)
    assert demo_portal.proxy_invites.pending(session) == []

    demo_portal.proxy_invites.invite(session, password=GOOD, email=CARER, first_name="Sam", last_name="Carer",
                                     scope=ProxyScope.VISITS_FORMS, relationship="brother",
                                     expires_on=date(2026, 12, 31))

    [waiting] = demo_portal.proxy_invites.pending(session)
    assert (waiting.name, waiting.email, waiting.relationship, waiting.scope, waiting.last_day) == (
        "Sam Carer", CARER, "brother", ProxyScope.VISITS_FORMS, date(2026, 12, 31))
    assert demo_portal.proxies.holders(session) == [] and demo_portal.proxies.grants_for(olivia(demo_portal)) == []
    offer = demo_portal.proxy_invites.offer(last_link(mailer, CARER, "/access/proxy/"))
    assert (offer.patient_name, offer.name, offer.scope) == ("Olivia Martinez", "Sam", ProxyScope.VISITS_FORMS)

    assert demo_portal.proxy_invites.accept(last_link(mailer, CARER, "/access/proxy/")) == "Olivia Martinez"

    assert demo_portal.proxy_invites.pending(session) == []
    [holder] = demo_portal.proxies.holders(session)
    assert (holder.name, holder.email, holder.relationship, holder.scope) == (
        "Sam Carer", CARER, "brother", ProxyScope.VISITS_FORMS)
    assert (holder.last_day, holder.granted_by, holder.active) == (date(2026, 12, 31), "Olivia Martinez", True)
    assert "/password/reset/" in emailed_path(mailer, CARER, "/password/reset/")
    with demo_portal._engine.connect() as connection:
        recorded = connection.execute(text("SELECT action, actor, account_id FROM audit_event WHERE action LIKE "
                                           "'proxy_%' AND patient_id = :p ORDER BY id"), {"p": olivia(demo_portal)}).all()
    assert [tuple(row) for row in recorded] == [("proxy_invited", "Olivia Martinez", session.account_id),
                                                ("proxy_granted", "Olivia Martinez", session.account_id)]
    carer = carer_session(demo_portal, mailer)
    assert [r.name for r in demo_portal.proxies.represented(carer.account_id)] == ["Olivia Martinez"]
    clock.advance(timedelta(days=46))  # 1 January 2027, in the afternoon in New York: the last day is over
    assert demo_portal.proxies.represented(carer.account_id) == []
    assert not demo_portal.proxies.holders(session)[0].active


def test_an_invitation_shows_the_name_typed_and_grants_nothing_until_accepted(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    session = own_session(demo_portal, mailer)
    demo_portal.proxy_invites.invite(session, password=GOOD, email=ETHAN.upper(), first_name="Zed",
                                     last_name="Nobody", scope=ProxyScope.ALL)  # Ethan Brooks is a patient

    [waiting] = demo_portal.proxy_invites.pending(session)
    assert (waiting.name, waiting.email) == ("Zed Nobody", ETHAN)
    assert demo_portal.proxies.grants_for(olivia(demo_portal)) == []

    demo_portal.proxy_invites.withdraw(session, waiting.invitation_id)
    assert demo_portal.proxy_invites.pending(session) == []
    with pytest.raises(InvalidInput, match="expired, was withdrawn"):
        demo_portal.proxy_invites.accept(last_link(mailer, ETHAN, "/access/proxy/"))
    assert demo_portal.proxies.grants_for(olivia(demo_portal)) == []


def test_an_invitation_needs_both_names_whoever_has_the_address(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    session = own_session(demo_portal, mailer)
    for address in (ETHAN, "nobody.known@example.com"):
        with pytest.raises(InvalidInput, match="first and last name"):
            demo_portal.proxy_invites.invite(session, password=GOOD, email=address, first_name="",
                                             last_name="", scope=ProxyScope.ALL)


def test_accepting_twice_or_after_the_front_desk_granted_changes_nothing(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    session = own_session(demo_portal, mailer)
    demo_portal.proxy_invites.invite(session, password=GOOD, email=CARER, first_name="Sam", last_name="Carer",
                                     scope=ProxyScope.VISITS_FORMS)
    demo_portal.proxies.grant(olivia(demo_portal), email=CARER, first_name="Sam", last_name="Carer",
                              scope=ProxyScope.VISITS_FORMS)

    demo_portal.proxy_invites.accept(last_link(mailer, CARER, "/access/proxy/"))

    assert len(demo_portal.proxies.grants_for(olivia(demo_portal))) == 1
    with pytest.raises(InvalidInput):
        demo_portal.proxy_invites.accept(last_link(mailer, CARER, "/access/proxy/"))


def test_an_end_date_in_the_past_is_refused(demo_portal: Portal, mailer: RecordingSender) -> None:
    session = own_session(demo_portal, mailer)
    with pytest.raises(InvalidInput, match="must be in the future"):
        demo_portal.proxy_invites.invite(session, password=GOOD, email=CARER, first_name="Sam", last_name="Carer",
                                         scope=ProxyScope.ALL, expires_on=date(2026, 11, 15))


def test_a_patient_revokes_access_and_the_carer_loses_it_at_once(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    session = own_session(demo_portal, mailer)
    grant = invited(demo_portal, mailer, session)
    carer = demo_portal.proxies.switch(carer_session(demo_portal, mailer), olivia(demo_portal))

    demo_portal.proxies.revoke_own(session, grant.id or 0)

    assert demo_portal.proxies.holders(session) == []
    with pytest.raises(NotAllowed):
        demo_portal.proxies.authorize(carer, Area.VISITS)


def test_a_patient_cannot_revoke_access_to_someone_elses_record(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    ethan = demo_portal.patients.by_email(ETHAN)
    assert ethan is not None and ethan.id is not None
    others = demo_portal.proxies.grant(ethan.id, email=CARER, first_name="Sam", last_name="Carer",
                                       scope=ProxyScope.ALL)
    session = own_session(demo_portal, mailer)

    with pytest.raises(NotFound):
        demo_portal.proxies.revoke_own(session, others.id or 0)
    assert demo_portal.proxies.grants_for(ethan.id)[0].revoked_at is None


def test_a_proxy_can_neither_see_nor_change_who_acts_for_the_patient(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    grant = demo_portal.proxies.grant(olivia(demo_portal), email=CARER, first_name="Sam", last_name="Carer",
                                      scope=ProxyScope.ALL)
    carer = demo_portal.proxies.switch(carer_session(demo_portal, mailer), olivia(demo_portal))

    with pytest.raises(NotAllowed, match="Only the patient"):
        demo_portal.proxies.holders(carer)
    with pytest.raises(NotAllowed, match="Only the patient"):
        demo_portal.proxy_invites.invite(carer, password=GOOD, email="another@example.com", first_name="Ann",
                                         last_name="Other", scope=ProxyScope.ALL)
    with pytest.raises(NotAllowed, match="Only the patient"):
        demo_portal.proxy_invites.pending(carer)
    with pytest.raises(NotAllowed, match="Only the patient"):
        demo_portal.proxies.revoke_own(carer, grant.id or 0)
    assert demo_portal.proxies.grants_for(olivia(demo_portal))[0].revoked_at is None


def test_wrong_passwords_before_inviting_someone_count_like_failed_logins(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    session = own_session(demo_portal, mailer)
    for _ in range(10):
        with pytest.raises(InvalidInput):
            demo_portal.proxy_invites.invite(session, password="guess", email=CARER, first_name="Sam",
                                             last_name="Carer", scope=ProxyScope.ALL)

    with pytest.raises(TooManyAttempts):  # even the right password waits now
        demo_portal.proxy_invites.invite(session, password=GOOD, email=CARER, first_name="Sam", last_name="Carer",
                                         scope=ProxyScope.ALL)
    assert demo_portal.proxy_invites.pending(session) == []
