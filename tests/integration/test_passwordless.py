"""Signing in with only a code (a clinic setting), guesses against unknown addresses slowed down like known ones,
and the clinic's own minimum password length; through the services on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, read_clinic_file
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.services.access.login import TooManyAttempts
from tests.emails import emailed_code, emailed_path, other_than, texted_code
from tests.fakes.memory import RecordingSender

OLIVIA = "olivia.martinez@example.com"
OLIVIA_MOBILE = "+12125550143"
GOOD = "velvet orchard lantern"


def clinic_settings(portal: Portal, **settings: Any) -> None:
    """Loads the demo clinic again with some settings changed, as its owner would."""
    data = read_clinic_file()
    data["clinic"]["settings"].update(settings)
    portal.setup.import_clinic(data)


def activate_olivia(portal: Portal, mailer: RecordingSender) -> None:
    found = portal.patients.by_email(OLIVIA)
    assert found is not None and found.id is not None
    portal.invitations.invite(found.id)
    portal.invitations.accept(emailed_path(mailer, OLIVIA, "/access/invite/")[len("/access/invite/"):], GOOD)


@pytest.fixture
def passwordless(demo_portal: Portal, mailer: RecordingSender) -> Portal:
    clinic_settings(demo_portal, passwordless_login=True)
    activate_olivia(demo_portal, mailer)
    return demo_portal


# -- 1. passwordless sign-in


def test_sign_in_with_only_a_code_is_refused_unless_the_clinic_offers_it(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    activate_olivia(demo_portal, mailer)
    sent_before = len(mailer.sent)
    with pytest.raises(NotFound, match="does not offer"):
        demo_portal.login.start_passwordless(OLIVIA)
    assert len(mailer.sent) == sent_before


def test_an_emailed_code_alone_signs_the_patient_in(passwordless: Portal, mailer: RecordingSender) -> None:
    step = passwordless.login.start_passwordless("  Olivia.Martinez@Example.com ", ip="203.0.113.9")
    assert step.method == "email" and step.pending
    passwordless.login.deliver(step.pending)

    signed_in = passwordless.login.finish(step.token, emailed_code(mailer, OLIVIA), ip="203.0.113.9")

    session = passwordless.login.session(signed_in.session_token)
    olivia = passwordless.patients.by_email(OLIVIA)
    assert session is not None and olivia is not None
    assert (session.method, session.acting_for) == ("email", olivia.id)


def test_a_texted_code_alone_signs_the_patient_in(passwordless: Portal, sms: RecordingSender) -> None:
    step = passwordless.login.start_passwordless("(212) 555-0143")
    assert step.method == "sms"
    passwordless.login.deliver(step.pending)

    signed_in = passwordless.login.finish(step.token, texted_code(sms, OLIVIA_MOBILE))

    assert signed_in.account.email == OLIVIA
    session = passwordless.login.session(signed_in.session_token)
    assert session is not None and session.method == "sms"


def test_the_code_leaves_only_when_delivered_so_the_answer_time_does_not_depend_on_sending(
        passwordless: Portal, mailer: RecordingSender) -> None:
    before = len(mailer.sent)
    step = passwordless.login.start_passwordless(OLIVIA)
    assert len(mailer.sent) == before
    passwordless.login.deliver(step.pending)
    assert len(mailer.sent) == before + 1


@pytest.mark.parametrize("identifier", ["nobody@example.com", "+12125550199"])
def test_an_unknown_email_or_mobile_gets_the_same_answer_and_nothing_is_sent(
        passwordless: Portal, mailer: RecordingSender, sms: RecordingSender, identifier: str) -> None:
    known = passwordless.login.start_passwordless(OLIVIA if "@" in identifier else OLIVIA_MOBILE)
    unknown = passwordless.login.start_passwordless(identifier)
    sent = (len(mailer.sent), len(sms.sent))
    passwordless.login.deliver(unknown.pending)

    assert unknown.method == known.method and len(unknown.token) == len(known.token)
    assert (len(mailer.sent), len(sms.sent)) == sent
    # the code step answers as for a real attempt: tries counted down, then over
    answers = []
    for _ in range(5):
        with pytest.raises(InvalidInput) as wrong:
            passwordless.login.finish(unknown.token, "123456")
        answers.append(str(wrong.value))
    assert answers[0] == "That code is not right. 4 tries left."
    assert answers[-1] == "That code is not right. Please sign in again to get a new code."
    with pytest.raises(InvalidInput, match="Too many wrong codes"):
        passwordless.login.finish(unknown.token, "123456")


def test_asking_again_for_an_unknown_address_is_throttled_like_a_real_one(
        passwordless: Portal, clock: FixedClock) -> None:
    for identifier in (OLIVIA, "nobody@example.com"):
        step = passwordless.login.start_passwordless(identifier)
        with pytest.raises(InvalidInput, match="wait 30 seconds"):
            passwordless.login.resend(step.token)
    clock.advance(timedelta(seconds=30))
    # both "send" again: the known one really does, the unknown one only says so
    assert passwordless.login.resend(step.token, send_now=False) == ()


def test_a_passwordless_code_works_once_and_expires_after_ten_minutes(
        passwordless: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    step = passwordless.login.start_passwordless(OLIVIA)
    passwordless.login.deliver(step.pending)
    code = emailed_code(mailer, OLIVIA)
    clock.advance(timedelta(minutes=10))
    with pytest.raises(InvalidInput, match="expired"):
        passwordless.login.finish(step.token, code)

    step = passwordless.login.start_passwordless(OLIVIA)
    passwordless.login.deliver(step.pending)
    code = emailed_code(mailer, OLIVIA)
    passwordless.login.finish(step.token, code)
    with pytest.raises(InvalidInput, match="already used"):
        passwordless.login.finish(step.token, code)


def test_a_new_text_does_not_reset_the_wrong_tries(passwordless: Portal, sms: RecordingSender,
                                                   clock: FixedClock) -> None:
    step = passwordless.login.start_passwordless(OLIVIA_MOBILE)
    passwordless.login.deliver(step.pending)
    first = texted_code(sms, OLIVIA_MOBILE)
    for _ in range(3):
        with pytest.raises(InvalidInput, match="not right"):
            passwordless.login.finish(step.token, other_than(first))
    clock.advance(timedelta(seconds=31))
    passwordless.login.deliver(passwordless.login.resend(step.token, send_now=False))
    fresh = texted_code(sms, OLIVIA_MOBILE)
    assert len([m for m in sms.sent if m.recipient == OLIVIA_MOBILE]) == 2
    for _ in range(2):
        with pytest.raises(InvalidInput, match="not right"):
            passwordless.login.finish(step.token, other_than(fresh))
    with pytest.raises(InvalidInput, match="Too many wrong codes"):
        passwordless.login.finish(step.token, fresh)


def test_a_code_is_bound_to_the_attempt_it_was_sent_for(passwordless: Portal, mailer: RecordingSender) -> None:
    first = passwordless.login.start_passwordless(OLIVIA)
    passwordless.login.deliver(first.pending)
    first_code = emailed_code(mailer, OLIVIA)
    second = passwordless.login.start_passwordless(OLIVIA)
    with pytest.raises(InvalidInput, match="not right"):
        passwordless.login.finish(second.token, first_code)


@pytest.mark.parametrize("identifier", ["", "olivia", "12", "not an @ address"])
def test_something_that_is_neither_an_email_nor_a_mobile_is_refused(passwordless: Portal, identifier: str) -> None:
    with pytest.raises(InvalidInput):
        passwordless.login.start_passwordless(identifier)


def test_a_mobile_shared_by_two_logins_signs_in_neither(passwordless: Portal, mailer: RecordingSender,
                                                        sms: RecordingSender) -> None:
    data = read_clinic_file()
    data["clinic"]["settings"]["passwordless_login"] = True
    data["patients"] = [{"first_name": "Sam", "last_name": "Martinez", "email": "sam.martinez@example.com",
                         "mobile": OLIVIA_MOBILE}]
    passwordless.setup.import_clinic(data)
    sam = passwordless.patients.by_email("sam.martinez@example.com")
    assert sam is not None and sam.id is not None
    passwordless.invitations.invite(sam.id)
    passwordless.invitations.accept(emailed_path(mailer, sam.email, "/access/invite/")[len("/access/invite/"):],
                                    "copper meadow whistle")

    step = passwordless.login.start_passwordless(OLIVIA_MOBILE)

    assert step.method == "sms" and step.pending == ()


def test_a_login_with_an_authenticator_gets_no_code_by_email_alone(
        passwordless: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    step = passwordless.login.start(OLIVIA, GOOD)
    session = passwordless.login.session(
        passwordless.login.finish(step.token, emailed_code(mailer, OLIVIA)).session_token)
    assert session is not None
    pending = passwordless.factors.begin_totp(session, GOOD)
    passwordless.factors.confirm_totp(session, pending.secret, pyotp.TOTP(pending.secret).at(clock.now()))
    codes_before = len([m for m in mailer.sent if "sign-in code" in m.subject.lower()])

    sent = passwordless.login.start_passwordless(OLIVIA)

    assert sent.method == "email" and sent.pending == ()
    assert len([m for m in mailer.sent if "sign-in code" in m.subject.lower()]) == codes_before


# -- 3. unknown addresses slowed down like known accounts


def waits(portal: Portal, clock: FixedClock, email: str) -> list[int]:
    """The wait asked for after each failure beyond the tenth, trying again as soon as allowed."""
    for _ in range(10):
        with pytest.raises(InvalidInput):
            portal.login.start(email, "wrong horse battery")
    seen = []
    for _ in range(3):
        with pytest.raises(TooManyAttempts) as slow:
            portal.login.start(email, "wrong horse battery")
        seen.append(slow.value.retry_after)
        clock.advance(timedelta(seconds=slow.value.retry_after))
        with pytest.raises(InvalidInput):
            portal.login.start(email, "wrong horse battery")
    return seen


def test_guessing_at_an_unknown_email_slows_down_exactly_like_a_known_one(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    activate_olivia(demo_portal, mailer)
    known = waits(demo_portal, clock, OLIVIA)
    unknown = waits(demo_portal, clock, "nobody@example.com")
    assert known == unknown == [30, 60, 120]


def test_the_delay_on_an_unknown_email_does_not_wear_off_with_time(
        demo_portal: Portal, clock: FixedClock) -> None:
    for _ in range(10):
        with pytest.raises(InvalidInput):
            demo_portal.login.start("nobody@example.com", "wrong horse battery")
    clock.advance(timedelta(days=2))
    with pytest.raises(InvalidInput):
        demo_portal.login.start("nobody@example.com", "wrong horse battery")  # the 11th failure
    with pytest.raises(TooManyAttempts, match="60 seconds"):
        demo_portal.login.start("Nobody@Example.com", "wrong horse battery")


def test_wrong_codes_for_an_unknown_address_count_like_those_of_a_known_one(
        passwordless: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    for identifier in (OLIVIA, "nobody@example.com"):
        for _ in range(2):  # two attempts of five wrong codes: ten failures
            step = passwordless.login.start_passwordless(identifier)
            passwordless.login.deliver(step.pending)
            wrong = other_than(emailed_code(mailer, OLIVIA)) if step.pending else "123456"
            for _ in range(5):
                with pytest.raises(InvalidInput, match="not right"):
                    passwordless.login.finish(step.token, wrong)
        with pytest.raises(TooManyAttempts, match="30 seconds"):
            passwordless.login.start_passwordless(identifier)


# -- 4. the clinic's minimum password length


def invitation_token(portal: Portal, mailer: RecordingSender) -> str:
    found = portal.patients.by_email(OLIVIA)
    assert found is not None and found.id is not None
    portal.invitations.invite(found.id)
    return emailed_path(mailer, OLIVIA, "/access/invite/")[len("/access/invite/"):]


def test_the_clinics_minimum_length_wins_over_the_deployments(demo_portal: Portal, mailer: RecordingSender) -> None:
    clinic_settings(demo_portal, password_min_length=24)
    token = invitation_token(demo_portal, mailer)
    assert demo_portal.credentials.min_password_length() == 24
    with pytest.raises(InvalidInput, match="Use at least 24 characters"):
        demo_portal.invitations.accept(token, GOOD)  # 22 characters
    demo_portal.invitations.accept(token, "velvet orchard lantern mist")


def test_a_clinic_may_allow_passwords_shorter_than_the_deployment_default(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    clinic_settings(demo_portal, password_min_length=8)
    demo_portal.invitations.accept(invitation_token(demo_portal, mailer), "amber kite")  # 10 characters


def test_without_a_clinic_setting_the_deployment_minimum_applies(demo_portal: Portal, mailer: RecordingSender) -> None:
    assert demo_portal.credentials.min_password_length() == 12  # PORTAL_PASSWORD_MIN_LENGTH's default
    with pytest.raises(InvalidInput, match="Use at least 12 characters"):
        demo_portal.invitations.accept(invitation_token(demo_portal, mailer), "amber kite")


@pytest.mark.parametrize("length", [7, 65, 0])
def test_a_minimum_outside_8_to_64_is_refused_with_the_reason(demo_portal: Portal, length: int) -> None:
    with pytest.raises(InvalidInput, match="password_min_length must be between 8 and 64"):
        clinic_settings(demo_portal, password_min_length=length)
    assert demo_portal.credentials.min_password_length() == 12  # nothing was saved


def test_a_password_shorter_than_a_raised_minimum_must_be_changed_after_signing_in(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    activate_olivia(demo_portal, mailer)
    clinic_settings(demo_portal, password_min_length=24)
    step = demo_portal.login.start(OLIVIA, GOOD)
    signed_in = demo_portal.login.finish(step.token, emailed_code(mailer, OLIVIA))
    assert signed_in.must_change_password
