"""Getting into the portal through the web pages (no JavaScript), over SQLite and PostgreSQL: invitation, sign-in
with an emailed code, session cookies, sign-out, and answers that never tell whether an email is known."""

from __future__ import annotations

import re
from datetime import timedelta

import attrs
from litestar.testing import TestClient

from portal_web import create_app
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from tests.emails import emailed_code, emailed_path
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, link, text_of, title_of
from tests.integration.test_passwordless import clinic_settings

OLIVIA = "olivia.martinez@example.com"
GOOD = "velvet orchard lantern"
NEW = "quiet harbor compass"


def olivia_id(portal: Portal) -> int:
    found = portal.patients.by_email(OLIVIA)
    assert found is not None and found.id is not None
    return found.id


def accept_invitation(client: TestClient, portal: Portal, mailer: RecordingSender) -> None:
    portal.invitations.invite(olivia_id(portal))
    invite = emailed_path(mailer, OLIVIA, "/access/invite/")
    page = client.get(invite)
    assert page.status_code == 200 and "Hello Olivia" in text_of(page.text)
    done = client.post(invite, data=form(page.text, invite).data(password=GOOD), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login?notice=password_set"


def sign_in(client: TestClient, mailer: RecordingSender, password: str = GOOD) -> str:
    """Both steps; returns the Set-Cookie header of the session."""
    page = client.get("/login").text
    step = client.post("/login", data=form(page, "/login").data(email=OLIVIA, password=password),
                       follow_redirects=False)
    assert step.status_code == 303 and step.headers["location"].startswith("/login/code"), step.text
    code_page = client.get(step.headers["location"]).text
    done = client.post("/login/code", data=form(code_page, "/login/code").data(code=emailed_code(mailer, OLIVIA)),
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/portal", done.text
    [cookie] = [c for c in done.headers.get_list("set-cookie") if "portal_session=" in c]
    return cookie


def test_an_invited_patient_sets_a_password_signs_in_and_sees_the_portal(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    assert "Your password is set" in text_of(client.get("/login?notice=password_set").text)

    sign_in(client, mailer)
    portal_page = client.get("/portal")

    assert portal_page.status_code == 200 and title_of(portal_page.text).startswith("Your portal")
    assert "Welcome, Olivia" in text_of(portal_page.text)
    assert portal_page.headers["cache-control"] == "no-store"
    assert link(portal_page.text, "Change your password") == "/settings/password"
    assert form(portal_page.text, "/logout").method == "post"


def test_session_cookie_is_http_only_lax_and_ends_with_the_browser(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    first = sign_in(client, mailer)
    second = sign_in(client, mailer)

    for cookie in (first, second):
        assert cookie.startswith("portal_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Max-Age" not in cookie and "Secure" not in cookie
    assert first.split(";")[0] != second.split(";")[0]  # a new session at every sign-in


def test_cookies_are_host_only_and_secure_behind_https(demo_portal: Portal, mailer: RecordingSender) -> None:
    base = "https://book.lumen.example"
    secure = attrs.evolve(demo_portal, settings=attrs.evolve(demo_portal.settings, base_url=base))
    with TestClient(app=create_app(secure), base_url=base) as https_client:
        accept_invitation(https_client, secure, mailer)
        page = https_client.get("/login").text
        step = https_client.post("/login", data=form(page, "/login").data(email=OLIVIA, password=GOOD),
                                 follow_redirects=False)
        login_cookie = step.headers["set-cookie"]
        code_page = https_client.get("/login/code").text
        done = https_client.post("/login/code", follow_redirects=False,
                                 data=form(code_page, "/login/code").data(code=emailed_code(mailer, OLIVIA)))
        cookies = done.headers.get_list("set-cookie")
        assert https_client.get("/portal").status_code == 200

    assert login_cookie.startswith("__Host-portal_login=") and "Secure" in login_cookie
    assert "HttpOnly" in login_cookie and "Path=/" in login_cookie
    [session] = [c for c in cookies if c.startswith("__Host-portal_session=")]
    assert "Secure" in session and "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
    assert any(c.startswith("__Host-portal_login=") and "Max-Age=0" in c for c in cookies)  # the attempt is over


def test_the_portal_without_a_session_leads_to_sign_in(client: TestClient) -> None:
    response = client.get("/portal", follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fportal"
    assert client.get("/settings/password", follow_redirects=False).headers["location"].startswith("/login?next=")


def test_after_sign_out_the_old_cookie_opens_nothing(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    session = sign_in(client, mailer).split(";")[0]
    portal_page = client.get("/portal").text

    out = client.post("/logout", data=form(portal_page, "/logout").data(), follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login?notice=signed_out"
    assert "You are signed out" in text_of(client.get(out.headers["location"]).text)

    name, value = session.split("=", 1)
    client.cookies.set(name, value)
    assert client.get("/portal", follow_redirects=False).status_code == 303


def test_wrong_password_and_unknown_email_get_identical_pages(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    page = client.get("/login").text
    wrong = client.post("/login", data=form(page, "/login").data(email=OLIVIA, password="not the password"))
    unknown = client.post("/login", data=form(page, "/login").data(email="nobody@example.com",
                                                                   password="not the password"))

    assert wrong.status_code == unknown.status_code == 400
    assert "do not match" in text_of(wrong.text)
    assert wrong.text.replace(OLIVIA, "EMAIL") == unknown.text.replace("nobody@example.com", "EMAIL")
    assert f'value="{OLIVIA}"' in wrong.text and "not the password" not in wrong.text


def test_a_wrong_code_stays_on_the_code_step_with_the_reason(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    page = client.get("/login").text
    client.post("/login", data=form(page, "/login").data(email=OLIVIA, password=GOOD))
    code_page = client.get("/login/code").text
    right = emailed_code(mailer, OLIVIA)
    wrong = "000000" if right != "000000" else "111111"

    answer = client.post("/login/code", data=form(code_page, "/login/code").data(code=wrong))

    assert answer.status_code == 400 and "That code is not right" in text_of(answer.text)
    assert title_of(answer.text).startswith("Enter your sign-in code")


def test_sign_up_answers_the_same_for_a_known_and_a_new_email(client: TestClient, mailer: RecordingSender) -> None:
    page = client.get("/signup").text
    details = {"first_name": "Olivia", "last_name": "Martinez", "password": NEW}
    known = client.post("/signup", data=form(page, "/signup").data(email=OLIVIA, **details))
    new = client.post("/signup", data=form(page, "/signup").data(email="maya@example.com", **details))

    assert known.status_code == new.status_code == 200
    assert known.text == new.text and title_of(new.text).startswith("Check your email")
    verify = emailed_path(mailer, "maya@example.com", "/signup/verify/")
    confirmed = client.get(verify)
    assert confirmed.status_code == 200 and "Your email is confirmed" in text_of(confirmed.text)


def test_sign_up_sends_one_address_a_few_emails_an_hour_and_answers_the_same_after(
        client: TestClient, mailer: RecordingSender, clock: FixedClock) -> None:
    page = client.get("/signup").text
    details = {"first_name": "Maya", "last_name": "Chen", "password": NEW}

    answers = [client.post("/signup", data=form(page, "/signup").data(email=email, **details), follow_redirects=False)
               for email in ["maya@example.com"] * 5 + ["Maya@Example.com"] * 5 + ["noor@example.com"]]

    assert {(a.status_code, a.headers["location"]) for a in answers} == {(303, "/signup/sent")}
    assert len([m for m in mailer.sent if m.recipient == "maya@example.com"]) == 5
    assert len([m for m in mailer.sent if m.recipient == "noor@example.com"]) == 1
    clock.advance(timedelta(hours=1))
    client.post("/signup", data=form(page, "/signup").data(email="maya@example.com", **details))
    assert len([m for m in mailer.sent if m.recipient == "maya@example.com"]) == 6


def test_sign_up_refuses_a_leaked_password_of_the_minimum_length(client: TestClient, mailer: RecordingSender) -> None:
    page = client.get("/signup").text

    answer = client.post("/signup", data=form(page, "/signup").data(
        first_name="Maya", last_name="Chen", email="maya@example.com", password="Password123456"))

    assert answer.status_code == 422
    assert "This password is on a list of common or leaked passwords" in text_of(answer.text)
    assert not [m for m in mailer.sent if m.recipient == "maya@example.com"]


def test_sign_up_shows_why_a_password_is_refused_and_keeps_the_rest(client: TestClient) -> None:
    page = client.get("/signup").text
    answer = client.post("/signup", data=form(page, "/signup").data(
        first_name="Maya", last_name="Chen", email="maya@example.com", mobile="", password="password"))

    alert = re.search(r'<div class="alert" role="alert" id="form-error">(.*?)</div>', answer.text, re.DOTALL)
    assert answer.status_code == 422 and alert is not None
    assert "Use at least" in text_of(alert.group(1)) or "choose another" in text_of(alert.group(1))
    assert 'value="maya@example.com"' in answer.text and 'value="Maya"' in answer.text
    assert 'value="password"' not in answer.text


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    page = client.get("/password/forgot").text
    known = client.post("/password/forgot", data=form(page, "/password/forgot").data(email=OLIVIA))
    unknown = client.post("/password/forgot", data=form(page, "/password/forgot").data(email="nobody@example.com"))

    assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
    assert "If an account exists" in text_of(known.text)

    demo_portal.timed.run_due()  # the worker sends the link (see the unit test of forgot_password)
    demo_portal.dispatcher.dispatch_due()
    assert not [m for m in mailer.sent if m.recipient == "nobody@example.com"]
    reset = emailed_path(mailer, OLIVIA, "/password/reset/")
    reset_page = client.get(reset).text
    done = client.post(reset, data=form(reset_page, reset).data(password=NEW), follow_redirects=False)
    assert done.headers["location"] == "/login?notice=password_reset"
    again = client.get(reset)
    assert again.status_code == 400 and link(again.text, "Get a new link with “Forgot password”") == "/password/forgot"
    sign_in(client, mailer, NEW)


def test_an_expired_or_unknown_invitation_link_says_so(client: TestClient) -> None:
    response = client.get("/access/invite/not-a-real-token")

    assert response.status_code == 400 and "expired or was already used" in text_of(response.text)
    assert link(response.text, "Get a new link with “Forgot password”") == "/password/forgot"


def test_change_password_shows_the_reason_and_signs_out_elsewhere_by_default(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    sign_in(client, mailer)
    page = client.get("/settings/password")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    change = form(page.text, "/settings/password")
    assert change.fields["end_other_sessions"] == "on"

    wrong = client.post("/settings/password", data=change.data(current_password="nope", new_password=NEW))
    assert wrong.status_code == 422 and "current password is not right" in text_of(wrong.text)
    done = client.post("/settings/password", data=change.data(current_password=GOOD, new_password=NEW),
                       follow_redirects=False)
    assert done.headers["location"] == "/portal?notice=password_changed"
    assert "Your password is changed" in text_of(client.get(done.headers["location"]).text)


def test_posting_the_sign_in_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    data = form(client.get("/login").text, "/login").data(email=OLIVIA, password=GOOD)
    del data["_csrf_token"]

    assert client.post("/login", data=data).status_code == 403


def test_the_header_offers_sign_in_then_the_name_and_sign_out(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    assert link(client.get("/").text, "Sign in") == "/login"
    accept_invitation(client, demo_portal, mailer)
    sign_in(client, mailer)

    home = client.get("/").text
    assert link(home, "Olivia") == "/portal" and form(home, "/logout").method == "post"


def test_access_pages_are_titled_and_labelled(client: TestClient) -> None:
    titles = set()
    for path in ("/login", "/signup", "/password/forgot", "/signup/sent", "/password/forgot/sent"):
        page = client.get(path).text
        titles.add(title_of(page))
        for found in re.finditer(r'<input (?![^>]*type="hidden")[^>]*id="([^"]+)"', page):
            assert f'for="{found.group(1)}"' in page, (path, found.group(1))
    assert len(titles) == 4  # the two "Check your email" pages say different things under one title
    login = client.get("/login").text
    assert 'autocomplete="email"' in login and 'autocomplete="current-password"' in login


def test_too_many_failed_sign_ins_answer_429_with_retry_after(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    data = form(client.get("/login").text, "/login").data(email=OLIVIA, password="not the password")
    answers = [client.post("/login", data=data) for _ in range(11)]

    assert answers[0].status_code == 400
    assert answers[-1].status_code == 429 and int(answers[-1].headers["retry-after"]) > 0
    assert "Too many failed attempts" in text_of(answers[-1].text)


def test_a_closed_portal_lets_nobody_sign_in_sign_up_or_accept_an_invitation(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    accept_invitation(client, demo_portal, mailer)
    session_cookie = sign_in(client, mailer)
    demo_portal.invitations.invite(olivia_id(demo_portal))
    invite = emailed_path(mailer, OLIVIA, "/access/invite/")
    login_form, signup_form = form(client.get("/login").text, "/login"), form(client.get("/signup").text, "/signup")
    clinic_settings(demo_portal, portal_enabled=False)
    sent_before = len(mailer.sent)

    signed_in = client.get("/portal", follow_redirects=False)
    login = client.post("/login", data=login_form.data(email=OLIVIA, password=GOOD), follow_redirects=False)
    signup = client.post("/signup", data=signup_form.data(first_name="Nora", last_name="Quinn", password=GOOD,
                                                          email="nora.quinn@example.com"), follow_redirects=False)
    invitation = client.get(invite)

    assert "portal_session=" in session_cookie and signed_in.status_code == 303  # the session no longer opens it
    for answer in (client.get("/login"), login, client.get("/signup"), signup, invitation,
                   client.get("/password/forgot")):
        assert answer.status_code == 404, answer.text
        assert title_of(answer.text).startswith("The patient portal is closed")
        assert "This clinic's patient portal is closed. Please call the clinic." in text_of(answer.text)
    assert len(mailer.sent) == sent_before
    assert "El portal del paciente está cerrado" in text_of(client.get("/login?lang=es").text)
    assert demo_portal.invitations.status(olivia_id(demo_portal)).invitation_usable  # nothing was used up
