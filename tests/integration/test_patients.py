"""The front desk adds patients (with portal access in the same step), sees their portal status and proxies, and
finds likely duplicate profiles; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.duplicates import DuplicateReason
from portalcore.domain.errors import Conflict, InvalidInput
from portalcore.domain.proxies import ProxyScope
from portalcore.services.access.invitations import PortalState
from tests.emails import emailed_path
from tests.fakes.memory import RecordingSender
from tests.integration.test_access import GOOD, olivia, sign_in

NEW = "nora.quinn@example.com"


def test_adding_a_patient_with_the_email_toggle_sends_a_working_set_password_link(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    patient = demo_portal.patients.add(first_name="Nora", last_name="Quinn", email=NEW, invite_by_email=True)

    token = emailed_path(mailer, NEW, "/access/invite/")[len("/access/invite/"):]
    assert demo_portal.invitations.invitation(token).first_name == "Nora"
    demo_portal.invitations.accept(token, GOOD)
    session = demo_portal.login.session(sign_in(demo_portal, mailer, NEW))
    assert session is not None and session.acting_for == patient.id


def test_adding_a_patient_without_email_and_the_sms_toggle_texts_the_link(
        demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    demo_portal.patients.add(first_name="Nora", last_name="Quinn", mobile="(212) 555-0199", invite_by_sms=True)

    [text] = [m for m in sms.sent if m.recipient == "+12125550199"]
    assert "http://portal.test/access/invite/" in text.text
    assert mailer.sent == []


def test_both_toggles_email_the_link_and_text_that_an_email_was_sent(
        demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    demo_portal.patients.add(first_name="Nora", last_name="Quinn", email=NEW, mobile="(212) 555-0199",
                             invite_by_email=True, invite_by_sms=True)

    assert emailed_path(mailer, NEW, "/access/invite/")
    [text] = sms.sent
    assert "emailed you a link" in text.text and "/access/invite/" not in text.text


def test_an_invitation_the_contact_details_cannot_carry_leaves_no_patient_behind(
        demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    with pytest.raises(InvalidInput, match="no email address"):
        demo_portal.patients.add(first_name="Nora", last_name="Quinn", mobile="(212) 555-0199",
                                 invite_by_email=True)

    assert demo_portal.patients.find("nora quinn") == []
    assert demo_portal.outbox.entries() == []
    assert (mailer.sent, sms.sent) == ([], [])
    # the same patient can then be added properly: nothing half-written is in the way
    assert demo_portal.patients.add(first_name="Nora", last_name="Quinn", mobile="(212) 555-0199").id is not None


def test_a_taken_email_adds_nobody_and_sends_nothing(demo_portal: Portal, mailer: RecordingSender) -> None:
    with pytest.raises(Conflict):
        demo_portal.patients.add(first_name="Liv", last_name="M", email="olivia.martinez@example.com",
                                 invite_by_email=True)
    assert demo_portal.outbox.entries() == []
    assert mailer.sent == []


@pytest.mark.parametrize("born", [date(1899, 12, 31), date(2026, 11, 17)])
def test_an_impossible_birth_date_is_refused(demo_portal: Portal, born: date) -> None:
    with pytest.raises(InvalidInput, match="date of birth"):
        demo_portal.patients.add(first_name="Nora", last_name="Quinn", date_of_birth=born)


def test_portal_status_goes_from_never_invited_to_invited_to_active_with_the_last_login(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    patient = olivia(demo_portal)
    assert demo_portal.invitations.status(patient).state is PortalState.NEVER_INVITED

    demo_portal.invitations.invite(patient)
    invited = demo_portal.invitations.status(patient)
    assert (invited.state, invited.invited_at, invited.invitation_usable) == (PortalState.INVITED, clock.now(), True)
    clock.advance(timedelta(days=8))
    assert not demo_portal.invitations.status(patient).invitation_usable  # the 7-day link ran out

    demo_portal.invitations.invite(patient)
    demo_portal.invitations.accept(
        emailed_path(mailer, "olivia.martinez@example.com", "/access/invite/")[len("/access/invite/"):], GOOD)
    assert demo_portal.invitations.status(patient).last_login_at is None
    clock.advance(timedelta(hours=1))
    sign_in(demo_portal, mailer, "olivia.martinez@example.com")
    active = demo_portal.invitations.status(patient)
    assert (active.state, active.last_login_at, active.login_email) == (
        PortalState.ACTIVE, clock.now(), "olivia.martinez@example.com")


def test_proxies_of_a_patient_are_listed_with_names_and_whether_they_still_apply(demo_portal: Portal) -> None:
    patient = olivia(demo_portal)
    kept = demo_portal.proxies.grant(patient, email="sam.carer@example.com", first_name="Sam", last_name="Carer",
                                     scope=ProxyScope.VISITS_FORMS)
    ended = demo_portal.proxies.grant(patient, email="ana.carer@example.com", first_name="Ana", last_name="Carer",
                                      scope=ProxyScope.ALL)
    demo_portal.proxies.revoke(ended.id or 0)

    entries = demo_portal.patients.proxies(patient)
    assert [(e.grant.id, e.name, e.email, e.grant.scope, e.active) for e in entries] == [
        (kept.id, "Sam Carer", "sam.carer@example.com", ProxyScope.VISITS_FORMS, True),
        (ended.id, "Ana Carer", "ana.carer@example.com", ProxyScope.ALL, False)]


def test_likely_duplicates_pair_same_name_and_birth_date_or_same_mobile(demo_portal: Portal) -> None:
    lucia = demo_portal.patients.by_email("lucia.fernandez@example.com")
    priya = demo_portal.patients.by_email("priya.raman@example.com")
    assert lucia is not None and priya is not None
    # a sign-up with another address: accents and capitals differ, the birth date is the same
    again = demo_portal.patients.add(first_name="LUCIA", last_name="fernandez ", email="lucia.f@example.org",
                                     date_of_birth=date(1985, 2, 19))
    # same name, another birth date: a namesake, not a duplicate
    demo_portal.patients.add(first_name="Lucía", last_name="Fernández", date_of_birth=date(1990, 1, 1))
    # same birth date, another name: not a duplicate either
    demo_portal.patients.add(first_name="Ana", last_name="Ruiz", date_of_birth=date(1985, 2, 19))
    shares_phone = demo_portal.patients.add(first_name="Raj", last_name="Raman", mobile=priya.mobile)

    groups = demo_portal.patients.duplicates()
    assert [(g.reason, g.shared, [p.id for p in g.patients]) for g in groups] == [
        (DuplicateReason.NAME_AND_BIRTH_DATE, "lucia fernandez 1985-02-19", [lucia.id, again.id]),
        (DuplicateReason.MOBILE, priya.mobile, [priya.id, shares_phone.id])]


def test_a_clinic_without_duplicates_has_none_to_review(demo_portal: Portal) -> None:
    assert demo_portal.patients.duplicates() == []
