"""Real second factors, through the services on SQLite and PostgreSQL: an authenticator app with recovery codes,
and passkeys (answered by a software authenticator); each replaces the emailed code at sign-in."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.access import PortalSession
from portalcore.domain.errors import Conflict, InvalidInput, NotFound
from portalcore.services.access.login import TooManyAttempts
from tests.emails import emailed_code, emailed_path
from tests.fakes.memory import RecordingSender
from tests.fakes.soft_authenticator import SoftAuthenticator

OLIVIA = "olivia.martinez@example.com"
GOOD = "velvet orchard lantern"
ORIGIN = "http://portal.test"  # the base_url of the test settings


def activated(portal: Portal, mailer: RecordingSender) -> None:
    patient = portal.patients.by_email(OLIVIA)
    assert patient is not None and patient.id is not None
    portal.invitations.invite(patient.id)
    portal.invitations.accept(emailed_path(mailer, OLIVIA, "/access/invite/")[len("/access/invite/"):], GOOD)


def signed_in(portal: Portal, mailer: RecordingSender) -> tuple[str, PortalSession]:
    step = portal.login.start(OLIVIA, GOOD)
    assert step.method == "email"
    token = portal.login.finish(step.token, emailed_code(mailer, OLIVIA)).session_token
    session = portal.login.session(token)
    assert session is not None
    return token, session


def code_emails(mailer: RecordingSender) -> int:
    return len([m for m in mailer.sent if m.recipient == OLIVIA and "sign-in code" in m.subject.lower()])


def factor_emails(mailer: RecordingSender) -> list[str]:
    return [m.subject for m in mailer.sent if m.recipient == OLIVIA and "verification method" in m.subject]


def enrol_app(portal: Portal, session: PortalSession, clock: FixedClock) -> tuple[pyotp.TOTP, list[str]]:
    pending = portal.factors.begin_totp(session, GOOD)
    app = pyotp.TOTP(pending.secret)
    return app, portal.factors.confirm_totp(session, pending.secret, app.at(clock.now()))


@pytest.fixture
def olivia(demo_portal: Portal, mailer: RecordingSender) -> PortalSession:
    activated(demo_portal, mailer)
    return signed_in(demo_portal, mailer)[1]


def test_an_authenticator_app_replaces_the_emailed_code(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    pending = demo_portal.factors.begin_totp(olivia, GOOD)
    assert pending.uri.startswith("otpauth://totp/") and f"secret={pending.secret}" in pending.uri
    assert not demo_portal.factors.factors(olivia).totp  # nothing changes before a code proves the app

    app = pyotp.TOTP(pending.secret)
    codes = demo_portal.factors.confirm_totp(olivia, pending.secret, app.at(clock.now()))
    clock.advance(timedelta(seconds=30))
    sent_before = code_emails(mailer)
    step = demo_portal.login.start(OLIVIA, GOOD)
    signed = demo_portal.login.finish(step.token, app.at(clock.now()))

    assert step.method == "totp" and code_emails(mailer) == sent_before  # no emailed code any more
    assert len(codes) == len(set(codes)) == 10
    assert demo_portal.login.session(signed.session_token) is not None
    factors = demo_portal.factors.factors(olivia)
    assert factors.totp and factors.recovery_codes_left == 10


def test_a_wrong_code_does_not_turn_the_app_on(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    pending = demo_portal.factors.begin_totp(olivia, GOOD)
    right = pyotp.TOTP(pending.secret).at(clock.now())
    with pytest.raises(InvalidInput, match="not right"):
        demo_portal.factors.confirm_totp(olivia, pending.secret, f"{(int(right) + 1) % 10**6:06d}")

    assert not demo_portal.factors.factors(olivia).totp
    assert demo_portal.login.start(OLIVIA, GOOD).method == "email"


def test_a_used_or_wrong_authenticator_code_is_refused_at_sign_in(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    app, _ = enrol_app(demo_portal, olivia, clock)
    clock.advance(timedelta(seconds=30))
    code = app.at(clock.now())
    demo_portal.login.finish(demo_portal.login.start(OLIVIA, GOOD).token, code)

    step = demo_portal.login.start(OLIVIA, GOOD)
    with pytest.raises(InvalidInput, match="not right"):
        demo_portal.login.finish(step.token, code)  # the same code never works twice
    with pytest.raises(InvalidInput, match="not right"):
        demo_portal.login.finish(step.token, f"{(int(code) + 1) % 10**6:06d}")
    clock.advance(timedelta(seconds=30))
    demo_portal.login.finish(step.token, app.at(clock.now()))


def test_a_recovery_code_works_once(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    _, codes = enrol_app(demo_portal, olivia, clock)

    demo_portal.login.finish(demo_portal.login.start(OLIVIA, GOOD).token, codes[0].upper())
    step = demo_portal.login.start(OLIVIA, GOOD)
    with pytest.raises(InvalidInput, match="not right"):
        demo_portal.login.finish(step.token, codes[0])
    assert demo_portal.factors.factors(olivia).recovery_codes_left == 9


def test_new_recovery_codes_void_the_old_ones(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    _, old = enrol_app(demo_portal, olivia, clock)
    new = demo_portal.factors.regenerate_recovery_codes(olivia, GOOD)

    step = demo_portal.login.start(OLIVIA, GOOD)
    with pytest.raises(InvalidInput, match="not right"):
        demo_portal.login.finish(step.token, old[1])
    demo_portal.login.finish(step.token, new[1])
    assert not set(old) & set(new)


def test_turning_the_app_off_brings_back_the_emailed_code_and_ends_the_recovery_codes(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    _, codes = enrol_app(demo_portal, olivia, clock)
    demo_portal.factors.disable_totp(olivia, GOOD)

    step = demo_portal.login.start(OLIVIA, GOOD)
    assert step.method == "email"
    with pytest.raises(InvalidInput, match="not right"):
        demo_portal.login.finish(step.token, codes[0])
    demo_portal.login.finish(step.token, emailed_code(mailer, OLIVIA))
    assert demo_portal.factors.factors(olivia).recovery_codes_left == 0


def test_changes_need_the_password_again_or_a_fresh_sign_in(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    with pytest.raises(InvalidInput, match="password is not right"):
        demo_portal.factors.begin_totp(olivia, "not my password")
    pending = demo_portal.factors.begin_totp(olivia, GOOD)
    clock.advance(timedelta(minutes=6))  # past the five minutes a proven password counts
    with pytest.raises(InvalidInput, match="type your password"):
        demo_portal.factors.confirm_totp(olivia, pending.secret, pyotp.TOTP(pending.secret).at(clock.now()))
    with pytest.raises(InvalidInput, match="type your password"):
        demo_portal.factors.regenerate_recovery_codes(olivia, "")  # asked before anything else is looked at
    assert not demo_portal.factors.factors(olivia).totp


def test_wrong_passwords_in_settings_slow_down_like_sign_in(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    for _ in range(10):
        with pytest.raises(InvalidInput):
            demo_portal.factors.begin_totp(olivia, "not my password")
    with pytest.raises(TooManyAttempts):
        demo_portal.factors.begin_totp(olivia, GOOD)


def test_each_change_is_emailed_and_audited(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    enrol_app(demo_portal, olivia, clock)
    demo_portal.factors.regenerate_recovery_codes(olivia, GOOD)
    clock.advance(timedelta(seconds=1))
    demo_portal.factors.disable_totp(olivia, GOOD)

    subjects = factor_emails(mailer)
    assert len(subjects) == 3 and "removed from" in subjects[-1] and "added to" in subjects[0]
    [added] = [m for m in mailer.sent if m.recipient == OLIVIA and "added to" in m.subject][:1]
    assert "an authenticator app" in added.text
    with demo_portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT action, detail FROM audit_event WHERE action LIKE 'second_factor%'"))
        actions = [(action, (json.loads(detail) if isinstance(detail, str) else detail)["factor"])
                   for action, detail in rows]
    assert ("second_factor_added", "totp") in actions and ("second_factor_removed", "totp") in actions
    assert ("second_factor_added", "recovery_codes") in actions


def test_a_second_app_cannot_replace_the_first_without_turning_it_off(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    enrol_app(demo_portal, olivia, clock)
    with pytest.raises(Conflict):
        demo_portal.factors.begin_totp(olivia, GOOD)


# -- passkeys


def add_passkey(portal: Portal, session: PortalSession, device: SoftAuthenticator, name: str = "My phone") -> list[str]:
    setup = portal.factors.begin_passkey(session, GOOD, name)
    return portal.factors.add_passkey(session, setup.token, device.create(setup.options), setup.name).recovery_codes


def test_a_passkey_replaces_the_emailed_code(
        demo_portal: Portal, mailer: RecordingSender, olivia: PortalSession) -> None:
    device = SoftAuthenticator(ORIGIN)
    codes = add_passkey(demo_portal, olivia, device)
    sent_before = code_emails(mailer)

    step = demo_portal.login.start(OLIVIA, GOOD)
    signed = demo_portal.login.finish(step.token, device.get(demo_portal.login.passkey_options(step.token)),
                                      passkey=True)

    assert step.method == "passkey" and code_emails(mailer) == sent_before
    assert demo_portal.login.session(signed.session_token) is not None
    [passkey] = demo_portal.factors.factors(olivia).passkeys
    assert passkey.name == "My phone" and passkey.sign_count == 1 and passkey.last_used_at is not None
    assert len(codes) == 10  # the first factor comes with recovery codes
    assert any("the passkey “My phone”" in m.text for m in mailer.sent if m.recipient == OLIVIA)


def test_a_passkey_answer_for_another_site_or_an_old_challenge_is_refused(
        demo_portal: Portal, mailer: RecordingSender, olivia: PortalSession) -> None:
    device = SoftAuthenticator(ORIGIN)
    add_passkey(demo_portal, olivia, device)
    step = demo_portal.login.start(OLIVIA, GOOD)
    options = demo_portal.login.passkey_options(step.token)

    phished = SoftAuthenticator("http://portal.test.evil.example")
    phished.key, phished.credential_id = device.key, device.credential_id
    with pytest.raises(InvalidInput, match="passkey could not be checked. 4 tries left"):
        demo_portal.login.finish(step.token, phished.get(options), passkey=True)
    with pytest.raises(InvalidInput, match="passkey could not be checked"):
        demo_portal.login.finish(step.token, device.get(options), passkey=True)  # that challenge is used up
    demo_portal.login.finish(step.token, device.get(demo_portal.login.passkey_options(step.token)), passkey=True)


def test_a_passkey_whose_counter_goes_back_is_refused(
        demo_portal: Portal, mailer: RecordingSender, olivia: PortalSession) -> None:
    device = SoftAuthenticator(ORIGIN)
    add_passkey(demo_portal, olivia, device)
    step = demo_portal.login.start(OLIVIA, GOOD)
    device.sign_count = 40
    demo_portal.login.finish(step.token, device.get(demo_portal.login.passkey_options(step.token)), passkey=True)

    clone = SoftAuthenticator(ORIGIN)
    clone.key, clone.credential_id, clone.sign_count = device.key, device.credential_id, 10
    step = demo_portal.login.start(OLIVIA, GOOD)
    with pytest.raises(InvalidInput, match="passkey could not be checked"):
        demo_portal.login.finish(step.token, clone.get(demo_portal.login.passkey_options(step.token)), passkey=True)


def test_another_accounts_passkey_does_not_sign_in(
        demo_portal: Portal, mailer: RecordingSender, olivia: PortalSession) -> None:
    add_passkey(demo_portal, olivia, SoftAuthenticator(ORIGIN))
    stranger = SoftAuthenticator(ORIGIN)  # never registered
    step = demo_portal.login.start(OLIVIA, GOOD)
    with pytest.raises(InvalidInput, match="passkey could not be checked"):
        demo_portal.login.finish(step.token, stranger.get(demo_portal.login.passkey_options(step.token)),
                                 passkey=True)


def test_a_passkey_setup_is_single_use_and_needs_the_password(
        demo_portal: Portal, mailer: RecordingSender, olivia: PortalSession) -> None:
    with pytest.raises(InvalidInput, match="password is not right"):
        demo_portal.factors.begin_passkey(olivia, "not my password", "Laptop")
    device = SoftAuthenticator(ORIGIN)
    setup = demo_portal.factors.begin_passkey(olivia, GOOD, "Laptop")
    answer = device.create(setup.options)
    demo_portal.factors.add_passkey(olivia, setup.token, answer, setup.name)
    with pytest.raises(InvalidInput, match="setup is over"):
        demo_portal.factors.add_passkey(olivia, setup.token, answer, setup.name)
    assert len(demo_portal.factors.factors(olivia).passkeys) == 1


def test_with_a_passkey_and_an_app_either_signs_in(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock, olivia: PortalSession) -> None:
    app, codes = enrol_app(demo_portal, olivia, clock)
    assert add_passkey(demo_portal, olivia, SoftAuthenticator(ORIGIN)) == []  # the app's codes stay
    clock.advance(timedelta(seconds=30))

    step = demo_portal.login.start(OLIVIA, GOOD)
    assert step.method == "passkey"
    demo_portal.login.finish(step.token, app.at(clock.now()))
    demo_portal.login.finish(demo_portal.login.start(OLIVIA, GOOD).token, codes[3])


def test_removing_the_last_passkey_brings_back_the_emailed_code(
        demo_portal: Portal, mailer: RecordingSender, olivia: PortalSession) -> None:
    add_passkey(demo_portal, olivia, SoftAuthenticator(ORIGIN))
    [passkey] = demo_portal.factors.factors(olivia).passkeys
    assert passkey.id is not None
    with pytest.raises(InvalidInput, match="password is not right"):
        demo_portal.factors.remove_passkey(olivia, passkey.id, "not my password")
    with pytest.raises(NotFound):
        demo_portal.factors.remove_passkey(olivia, passkey.id + 1000, GOOD)
    demo_portal.factors.remove_passkey(olivia, passkey.id, GOOD)

    assert demo_portal.login.start(OLIVIA, GOOD).method == "email"
    assert factor_emails(mailer)[-1].startswith("A verification method was removed from")
