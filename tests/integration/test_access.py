"""Getting into the portal, end to end through the services, on SQLite and PostgreSQL: invitations, sign-up,
login with an emailed code, throttling, sessions, resets, and the audit log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput
from portalcore.services.access.login import TooManyAttempts
from tests.emails import emailed_code, emailed_path
from tests.fakes.memory import RecordingSender

GOOD = "velvet orchard lantern"
OTHER = "quiet harbor compass"


def olivia(portal: Portal) -> int:
    found = portal.patients.by_email("olivia.martinez@example.com")
    assert found is not None and found.id is not None
    return found.id


def last_link(mailer: RecordingSender, to: str, path: str) -> str:
    """The token of the last link starting with ``path`` emailed to ``to``."""
    return emailed_path(mailer, to, path)[len(path):]


def activated(portal: Portal, mailer: RecordingSender) -> str:
    portal.invitations.invite(olivia(portal))
    portal.invitations.accept(last_link(mailer, "olivia.martinez@example.com", "/access/invite/"), GOOD)
    return "olivia.martinez@example.com"


def sign_in(portal: Portal, mailer: RecordingSender, email: str, password: str = GOOD) -> str:
    step = portal.login.start(email, password, ip="203.0.113.9")
    return portal.login.finish(step.token, emailed_code(mailer, email), ip="203.0.113.9").session_token


def test_invited_patient_sets_a_password_and_logs_in_with_a_fresh_emailed_code(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    email = activated(demo_portal, mailer)
    sessions, codes = [], []
    for _ in range(3):
        sessions.append(sign_in(demo_portal, mailer, email))
        codes.append(emailed_code(mailer, email))

    assert len(set(sessions)) == 3  # a new session id at every login
    assert len([m for m in mailer.sent if m.recipient == email and "sign-in code" in m.subject.lower()]) == 3
    assert len(set(codes)) == 3  # a different code each time (a repeat has odds of about 3 in a million)
    session = demo_portal.login.session(sessions[-1])
    assert session is not None and session.acting_for == olivia(demo_portal)


def test_a_new_invitation_voids_the_earlier_link(demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.invitations.invite(olivia(demo_portal))
    old = last_link(mailer, "olivia.martinez@example.com", "/access/invite/")
    demo_portal.invitations.invite(olivia(demo_portal))
    new = last_link(mailer, "olivia.martinez@example.com", "/access/invite/")

    with pytest.raises(InvalidInput, match="expired or was already used"):
        demo_portal.invitations.accept(old, GOOD)
    demo_portal.invitations.accept(new, GOOD)
    with pytest.raises(InvalidInput, match="expired or was already used"):
        demo_portal.invitations.accept(new, OTHER)  # single use


def test_an_invitation_expires_after_seven_days(demo_portal: Portal, mailer: RecordingSender,
                                                clock: FixedClock) -> None:
    demo_portal.invitations.invite(olivia(demo_portal))
    token = last_link(mailer, "olivia.martinez@example.com", "/access/invite/")
    clock.advance(timedelta(days=7))
    with pytest.raises(InvalidInput, match="expired"):
        demo_portal.invitations.invitation(token)


def test_sms_invitation_says_an_email_was_sent(demo_portal: Portal, mailer: RecordingSender,
                                               sms: RecordingSender) -> None:
    demo_portal.invitations.invite(olivia(demo_portal), by_email=True, by_sms=True)
    [text_message] = [m for m in sms.sent if m.recipient == "+12125550143"]
    assert "email" in text_message.text.lower() and "http" not in text_message.text


def test_a_common_password_is_refused_with_the_reason_and_the_link_still_works(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.invitations.invite(olivia(demo_portal))
    token = last_link(mailer, "olivia.martinez@example.com", "/access/invite/")
    with pytest.raises(InvalidInput, match="common or leaked"):
        demo_portal.invitations.accept(token, "password1234")
    with pytest.raises(InvalidInput, match="12 characters"):
        demo_portal.invitations.accept(token, "short one")
    demo_portal.invitations.accept(token, GOOD)


def test_wrong_password_and_unknown_email_get_the_same_answer(demo_portal: Portal, mailer: RecordingSender) -> None:
    email = activated(demo_portal, mailer)
    with pytest.raises(InvalidInput) as wrong:
        demo_portal.login.start(email, "not my password at all")
    with pytest.raises(InvalidInput) as unknown:
        demo_portal.login.start("nobody@example.com", "not my password at all")
    assert str(wrong.value) == str(unknown.value)
    assert not [m for m in mailer.sent if "sign-in code" in m.subject.lower()]  # no code without the password


def test_five_wrong_codes_end_the_attempt_and_a_resend_does_not_reset_them(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    email = activated(demo_portal, mailer)
    step = demo_portal.login.start(email, GOOD)
    right = emailed_code(mailer, email)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(3):
        with pytest.raises(InvalidInput, match="not right"):
            demo_portal.login.finish(step.token, wrong)
    clock.advance(timedelta(seconds=31))
    demo_portal.login.resend(step.token)
    fresh = emailed_code(mailer, email)
    wrong = f"{(int(fresh) + 1) % 10**6:06d}"
    for _ in range(2):
        with pytest.raises(InvalidInput, match="not right"):
            demo_portal.login.finish(step.token, wrong)
    with pytest.raises(InvalidInput, match="Too many wrong codes"):
        demo_portal.login.finish(step.token, fresh)


def test_a_code_works_once_and_expires_after_ten_minutes(demo_portal: Portal, mailer: RecordingSender,
                                                         clock: FixedClock) -> None:
    email = activated(demo_portal, mailer)
    step = demo_portal.login.start(email, GOOD)
    code = emailed_code(mailer, email)
    clock.advance(timedelta(minutes=10))
    with pytest.raises(InvalidInput, match="expired"):
        demo_portal.login.finish(step.token, code)

    step = demo_portal.login.start(email, GOOD)
    code = emailed_code(mailer, email)
    demo_portal.login.finish(step.token, code)
    with pytest.raises(InvalidInput):
        demo_portal.login.finish(step.token, code)


def test_ten_failed_logins_make_the_next_wait(demo_portal: Portal, mailer: RecordingSender,
                                              clock: FixedClock) -> None:
    email = activated(demo_portal, mailer)
    for _ in range(10):
        with pytest.raises(InvalidInput):
            demo_portal.login.start(email, "wrong horse battery")
    with pytest.raises(TooManyAttempts, match="30 seconds"):
        demo_portal.login.start(email, GOOD)
    clock.advance(timedelta(seconds=30))
    demo_portal.login.start(email, GOOD)  # the right password works once the wait is over


def test_sessions_end_when_idle_too_long_at_their_absolute_limit_and_at_logout(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    email = activated(demo_portal, mailer)
    idle = sign_in(demo_portal, mailer, email)
    clock.advance(timedelta(minutes=31))
    assert demo_portal.login.session(idle) is None

    busy = sign_in(demo_portal, mailer, email)
    for _ in range(12 * 4):
        assert demo_portal.login.session(busy) is not None
        clock.advance(timedelta(minutes=15))
    assert demo_portal.login.session(busy) is None  # 12 hours, however active

    ended = sign_in(demo_portal, mailer, email)
    demo_portal.login.logout(ended)
    assert demo_portal.login.session(ended) is None


def test_sign_up_with_an_email_on_file_links_to_that_patient(demo_portal: Portal, mailer: RecordingSender) -> None:
    before = demo_portal.patients.find("Martinez")
    demo_portal.invitations.register(first_name="Olivia", last_name="Martinez", email="Olivia.Martinez@example.com",
                                     password=GOOD)
    account = demo_portal.invitations.verify_email(last_link(mailer, "olivia.martinez@example.com", "/signup/verify/"))
    assert account.patient_id == olivia(demo_portal)
    assert demo_portal.patients.find("Martinez") == before  # no duplicate profile


def test_sign_up_with_a_new_email_creates_a_patient_only_once_verified(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.invitations.register(first_name="Maya", last_name="Chen", email="maya@example.com", password=GOOD)
    assert demo_portal.patients.by_email("maya@example.com") is None
    demo_portal.invitations.verify_email(last_link(mailer, "maya@example.com", "/signup/verify/"))
    assert demo_portal.patients.by_email("maya@example.com") is not None
    sign_in(demo_portal, mailer, "maya@example.com")


def test_sign_up_with_an_active_account_email_sends_a_notice_not_a_link(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    email = activated(demo_portal, mailer)
    demo_portal.invitations.register(first_name="Olivia", last_name="Martinez", email=email, password=OTHER)
    notice = [m for m in mailer.sent if m.recipient == email][-1]
    assert "/signup/verify/" not in notice.text and "/password/forgot" in notice.text


def test_reset_sets_a_new_password_ends_every_session_and_tells_the_patient(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    email = activated(demo_portal, mailer)
    session = sign_in(demo_portal, mailer, email)
    demo_portal.credentials.forgot_password("nobody@example.com")  # no error, no email
    demo_portal.credentials.forgot_password(email.upper())
    demo_portal.timed.run_due()
    demo_portal.dispatcher.dispatch_due()
    token = last_link(mailer, email, "/password/reset/")
    demo_portal.credentials.reset_password(token, OTHER)

    assert demo_portal.login.session(session) is None
    with pytest.raises(InvalidInput):
        demo_portal.login.start(email, GOOD)
    sign_in(demo_portal, mailer, email, OTHER)
    assert any("password for your" in m.text and "was changed" in m.text for m in mailer.sent if m.recipient == email)
    assert not [m for m in mailer.sent if m.recipient == "nobody@example.com"]


def test_change_password_can_end_the_other_sessions(demo_portal: Portal, mailer: RecordingSender) -> None:
    email = activated(demo_portal, mailer)
    phone, laptop = sign_in(demo_portal, mailer, email), sign_in(demo_portal, mailer, email)
    current = demo_portal.login.session(laptop)
    assert current is not None
    with pytest.raises(InvalidInput, match="current password"):
        demo_portal.credentials.change_password(current, "wrong wrong wrong", OTHER, end_other_sessions=True)
    demo_portal.credentials.change_password(current, GOOD, OTHER, end_other_sessions=True)
    assert demo_portal.login.session(phone) is None
    assert demo_portal.login.session(laptop) is not None


def test_an_email_change_happens_when_the_new_address_confirms(demo_portal: Portal, mailer: RecordingSender) -> None:
    email, patient_id = activated(demo_portal, mailer), olivia(demo_portal)
    session = demo_portal.login.session(sign_in(demo_portal, mailer, email))
    assert session is not None
    demo_portal.credentials.request_email_change(session, GOOD, "olivia.new@example.com")
    demo_portal.credentials.confirm_email_change(last_link(mailer, "olivia.new@example.com", "/settings/email/confirm/"))

    assert demo_portal.patients.get(patient_id).email == "olivia.new@example.com"
    assert any("olivia.new@example.com" in m.text for m in mailer.sent if m.recipient == email)  # the old address is told
    sign_in(demo_portal, mailer, "olivia.new@example.com")


def test_forgot_password_is_sent_by_the_worker_at_most_five_times_an_hour_to_one_address(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    email = activated(demo_portal, mailer)
    for _ in range(7):
        clock.advance(timedelta(seconds=1))
        demo_portal.credentials.forgot_password(email, ip="203.0.113.9")
    assert not [m for m in mailer.sent if "/password/reset/" in m.text]  # nothing leaves with the answer

    demo_portal.timed.run_due()
    demo_portal.dispatcher.dispatch_due()

    assert len([m for m in mailer.sent if m.recipient == email and "/password/reset/" in m.text]) == 5


def test_an_email_change_to_another_patients_address_changes_nothing_and_tells_that_patient(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    email = activated(demo_portal, mailer)
    session = demo_portal.login.session(sign_in(demo_portal, mailer, email))
    assert session is not None
    patient = demo_portal.patients.add(first_name="Daria", last_name="Other", email="daria.other@example.com")

    demo_portal.credentials.request_email_change(session, GOOD, "daria.other@example.com")  # no error: no tell

    [told] = [m for m in mailer.sent if m.recipient == "daria.other@example.com"]
    assert told.subject.startswith("Someone asked to use your email") and "/settings/email/confirm/" not in told.text
    assert demo_portal.patients.get(patient.id or 0).email == "daria.other@example.com"


def test_activate_all_invites_each_patient_once_unless_asked_to_resend(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    candidates = demo_portal.invitations.activation_candidates()
    first = demo_portal.invitations.activate_all()
    assert first.sent == candidates > 0
    again = demo_portal.invitations.activate_all()
    assert again.sent == 0 and again.skipped == candidates
    clock.advance(timedelta(days=8))
    resent = demo_portal.invitations.activate_all(resend_older_than=timedelta(days=7))
    assert resent.sent == candidates
    demo_portal.dispatcher.dispatch_due()  # bulk mail goes out through the worker
    invites = [m for m in mailer.sent if "/access/invite/" in m.text]
    assert len(invites) == 2 * candidates


def test_the_audit_log_refuses_changes(demo_portal: Portal, mailer: RecordingSender) -> None:
    activated(demo_portal, mailer)
    engine = demo_portal._engine
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() >= 2
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with engine.connect() as connection, pytest.raises(Exception, match="append-only"):
            connection.execute(text(statement))


def test_sign_up_refuses_a_birth_date_in_the_future(demo_portal: Portal, mailer: RecordingSender) -> None:
    with pytest.raises(InvalidInput, match="date of birth"):
        demo_portal.invitations.register(first_name="Maya", last_name="Chen", email="maya@example.com",
                                         password=GOOD, date_of_birth=date(2030, 1, 1))
    assert not mailer.sent  # nothing half-done: no link was sent
