"""More ways through the sign-in pages (no JavaScript), over SQLite and PostgreSQL: sign-in with only a code, the
human check on public forms, a password that must be changed, asking for a new code, and the minimum length."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from portal_web import create_app
from portalcore.adapters.captcha import TurnstileCaptcha
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from tests.emails import emailed_code, emailed_path, other_than, texted_code
from tests.fakes.captcha_fake import FakeSiteverify
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, text_of
from tests.integration.test_passwordless import GOOD, OLIVIA, OLIVIA_MOBILE, activate_olivia, clinic_settings

LONGER = "velvet orchard lantern mist"
TOKEN = "human-token"


@pytest.fixture
def client(demo_portal: Portal, mailer: RecordingSender) -> Iterator[TestClient]:
    activate_olivia(demo_portal, mailer)
    with TestClient(app=create_app(demo_portal)) as test_client:
        yield test_client


@pytest.fixture
def passwordless_client(demo_portal: Portal, mailer: RecordingSender) -> Iterator[TestClient]:
    clinic_settings(demo_portal, passwordless_login=True)
    activate_olivia(demo_portal, mailer)
    with TestClient(app=create_app(demo_portal)) as test_client:
        yield test_client


@pytest.fixture
def siteverify(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSiteverify]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with FakeSiteverify(secret="turnstile-secret", good_token=TOKEN) as server:
        yield server


@pytest.fixture
def captcha_client(demo_portal: Portal, mailer: RecordingSender, siteverify: FakeSiteverify) -> Iterator[TestClient]:
    """Turnstile switched on, its siteverify API answered by the loopback fake."""
    clinic_settings(demo_portal, passwordless_login=True)
    activate_olivia(demo_portal, mailer)
    demo_portal.captcha = TurnstileCaptcha("turnstile-site-key", "turnstile-secret", verify_url=siteverify.url)
    with TestClient(app=create_app(demo_portal)) as test_client:
        yield test_client


def ask_for_code(client: TestClient, identifier: str, **extra: str) -> Any:
    page = client.get("/login").text
    return client.post("/login/passwordless", data=form(page, "/login/passwordless").data(identifier=identifier,
                                                                                         **extra),
                       follow_redirects=False)


def type_code(client: TestClient, code: str) -> Any:
    page = client.get("/login/code").text
    return client.post("/login/code", data=form(page, "/login/code").data(code=code), follow_redirects=False)


# -- sign-in with only a code


def test_without_the_clinic_setting_there_is_no_code_only_sign_in(client: TestClient) -> None:
    page = client.get("/login").text
    assert "/login/passwordless" not in page
    csrf = form(page, "/login").fields["_csrf_token"]
    refused = client.post("/login/passwordless", data={"_csrf_token": csrf, "identifier": OLIVIA})
    assert refused.status_code == 404


def test_a_patient_signs_in_with_an_emailed_code_and_no_password(
        passwordless_client: TestClient, mailer: RecordingSender) -> None:
    step = ask_for_code(passwordless_client, "Olivia.Martinez@example.com")
    assert step.status_code == 303 and step.headers["location"].startswith("/login/code")
    assert "We emailed you a 6-digit code" in text_of(passwordless_client.get("/login/code").text)

    done = type_code(passwordless_client, emailed_code(mailer, OLIVIA))

    assert done.status_code == 303 and done.headers["location"] == "/portal"
    assert "Welcome, Olivia" in text_of(passwordless_client.get("/portal").text)


def test_a_patient_signs_in_with_a_texted_code(passwordless_client: TestClient, sms: RecordingSender) -> None:
    ask_for_code(passwordless_client, "212-555-0143")
    assert "We texted you a 6-digit code" in text_of(passwordless_client.get("/login/code").text)

    done = type_code(passwordless_client, texted_code(sms, OLIVIA_MOBILE))

    assert done.status_code == 303 and done.headers["location"] == "/portal"


def test_an_unknown_address_is_answered_exactly_like_a_known_one(
        passwordless_client: TestClient, mailer: RecordingSender) -> None:
    known = ask_for_code(passwordless_client, OLIVIA)
    known_page = text_of(passwordless_client.get("/login/code").text)
    known_wrong = type_code(passwordless_client, other_than(emailed_code(mailer, OLIVIA)))
    sent = len(mailer.sent)

    unknown = ask_for_code(passwordless_client, "nobody@example.com")
    unknown_page = text_of(passwordless_client.get("/login/code").text)
    unknown_wrong = type_code(passwordless_client, "123456")

    assert (known.status_code, known.headers["location"]) == (unknown.status_code, unknown.headers["location"])
    assert known_page == unknown_page
    assert known_wrong.status_code == unknown_wrong.status_code == 400
    assert "That code is not right. 4 tries left." in text_of(known_wrong.text)
    assert text_of(known_wrong.text) == text_of(unknown_wrong.text)
    assert len(mailer.sent) == sent


def test_something_that_is_neither_email_nor_mobile_is_refused_with_the_reason(
        passwordless_client: TestClient) -> None:
    refused = ask_for_code(passwordless_client, "olivia")
    assert refused.status_code == 400
    assert "the email address or the mobile number you gave the clinic" in text_of(refused.text)
    assert 'value="olivia"' in refused.text  # kept for correcting


def test_the_code_only_form_speaks_spanish(passwordless_client: TestClient) -> None:
    page = text_of(passwordless_client.get("/login?lang=es").text)
    assert "O inicie sesión con un código" in page and "Envíenme un código" in page


# -- asking for a new code on /login/code


def test_a_new_code_is_throttled_and_does_not_buy_more_tries(
        client: TestClient, mailer: RecordingSender, clock: FixedClock) -> None:
    page = client.get("/login").text
    client.post("/login", data=form(page, "/login").data(email=OLIVIA, password=GOOD))
    first = emailed_code(mailer, OLIVIA)
    for _ in range(3):
        assert type_code(client, other_than(first)).status_code == 400

    clock.advance(timedelta(seconds=31))
    code_page = client.get("/login/code").text
    again = client.post("/login/code/resend", data=form(code_page, "/login/code/resend").data(),
                        follow_redirects=False)
    assert again.status_code == 303
    assert "We sent you a new code." in text_of(client.get(again.headers["location"]).text)
    fresh = emailed_code(mailer, OLIVIA)
    assert len([m for m in mailer.sent if m.recipient == OLIVIA and "sign-in code" in m.subject.lower()]) == 2

    too_soon = client.post("/login/code/resend", data=form(code_page, "/login/code/resend").data())
    assert too_soon.status_code == 400
    assert re.search(r"Please wait \d+ seconds before asking for a new code", text_of(too_soon.text))

    for _ in range(2):
        assert type_code(client, other_than(fresh)).status_code == 400
    exhausted = type_code(client, fresh)
    assert exhausted.status_code == 303 and exhausted.headers["location"].startswith("/login?notice=sign_in_over")


def test_after_five_wrong_codes_a_new_code_leads_straight_back_to_sign_in(
        client: TestClient, mailer: RecordingSender, clock: FixedClock) -> None:
    page = client.get("/login").text
    client.post("/login", data=form(page, "/login").data(email=OLIVIA, password=GOOD))
    first = emailed_code(mailer, OLIVIA)
    for _ in range(5):
        assert type_code(client, other_than(first)).status_code == 400
    clock.advance(timedelta(seconds=31))
    code_page = client.get("/login/code?next=/portal/visits").text

    again = client.post("/login/code/resend", data=form(code_page, "/login/code/resend").data(),
                        follow_redirects=False)

    assert again.status_code == 303 and again.headers["location"].startswith("/login?")
    sign_in_page = client.get(again.headers["location"])
    assert "Please sign in again to get a new code." in text_of(sign_in_page.text)
    assert form(sign_in_page.text, "/login").data()["next"] == "/portal/visits"
    assert client.get("/login/code", follow_redirects=False).headers["location"] == "/login?notice=sign_in_again"
    assert len([m for m in mailer.sent if m.recipient == OLIVIA and "sign-in code" in m.subject.lower()]) == 1
    assert "Vuelva a iniciar sesión para recibir un código nuevo." in text_of(
        client.get(again.headers["location"] + "&lang=es").text)


# -- a password that no longer meets the policy


def test_a_password_below_a_raised_minimum_must_be_changed_before_anything_else(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    clinic_settings(demo_portal, password_min_length=24)
    page = client.get("/login").text
    client.post("/login", data=form(page, "/login").data(email=OLIVIA, password=GOOD))
    done = type_code(client, emailed_code(mailer, OLIVIA))
    assert done.headers["location"] == "/settings/password?notice=must_change"

    for path in ("/portal", "/portal?notice=x"):
        blocked = client.get(path, follow_redirects=False)
        assert blocked.status_code == 303
        assert blocked.headers["location"] == "/settings/password?notice=must_change"
    change_page = client.get("/settings/password?notice=must_change")
    assert "Please choose a new password before you go on." in text_of(change_page.text)
    assert "Use at least 24 characters." in text_of(change_page.text)

    changed = client.post("/settings/password", data=form(change_page.text, "/settings/password").data(
        current_password=GOOD, new_password=LONGER), follow_redirects=False)
    assert changed.status_code == 303
    assert client.get("/portal", follow_redirects=False).status_code == 200


# -- the minimum length on the set-password forms


def test_set_password_forms_say_the_clinics_minimum(client: TestClient, demo_portal: Portal,
                                                    mailer: RecordingSender) -> None:
    assert "Use at least 12 characters." in text_of(client.get("/signup").text)
    clinic_settings(demo_portal, password_min_length=16)
    assert "Use at least 16 characters." in text_of(client.get("/signup").text)
    ethan = demo_portal.patients.by_email("ethan.brooks@example.com")
    assert ethan is not None and ethan.id is not None
    demo_portal.invitations.invite(ethan.id)
    invite = client.get(emailed_path(mailer, "ethan.brooks@example.com", "/access/invite/"))
    assert "Use at least 16 characters." in text_of(invite.text)
    assert "Use al menos 16 caracteres." in text_of(client.get("/signup?lang=es").text)


# -- the human check


def test_without_a_provider_no_widget_is_shown_and_no_outside_script_is_allowed(client: TestClient) -> None:
    page = client.get("/login")
    assert "cf-turnstile" not in page.text and "<script" not in page.text
    assert "challenges.cloudflare.com" not in page.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/login", "/signup", "/password/forgot"])
def test_with_a_provider_public_forms_show_its_widget_and_allow_only_its_origin(
        captcha_client: TestClient, path: str) -> None:
    page = captcha_client.get(path)
    assert 'class="cf-turnstile" data-sitekey="turnstile-site-key"' in page.text
    assert '<script src="https://challenges.cloudflare.com/turnstile/v0/api.js"' in page.text
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self' https://challenges.cloudflare.com"
    assert policy["frame-src"] == "'self' https://challenges.cloudflare.com"
    assert policy["default-src"] == "'self'"


FORMS = {
    "/login": {"email": OLIVIA, "password": GOOD},
    "/login/passwordless": {"identifier": OLIVIA},
    "/password/forgot": {"email": OLIVIA},
    "/signup": {"first_name": "Maya", "last_name": "Chen", "email": "maya@example.com", "password": LONGER},
}
PAGE_OF = {"/login": "/login", "/login/passwordless": "/login", "/password/forgot": "/password/forgot",
           "/signup": "/signup"}


@pytest.mark.parametrize("action", list(FORMS))
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_public_form_without_a_confirmed_token_is_refused_with_a_readable_400(
        captcha_client: TestClient, mailer: RecordingSender, action: str, token: str | None) -> None:
    page = captcha_client.get(PAGE_OF[action]).text
    extra = {"cf-turnstile-response": token} if token else {}
    sent = len(mailer.sent)

    refused = captcha_client.post(action, data=form(page, action).data(**FORMS[action], **extra),
                                  follow_redirects=False)

    assert refused.status_code == 400
    assert "Please complete the check that you are not a robot" in text_of(refused.text)
    assert len(mailer.sent) == sent  # nothing happened


@pytest.mark.parametrize("action", list(FORMS))
def test_a_public_form_with_a_confirmed_token_goes_through(
        captcha_client: TestClient, siteverify: FakeSiteverify, action: str) -> None:
    page = captcha_client.get(PAGE_OF[action]).text

    sent = form(page, action).data(**FORMS[action], **{"cf-turnstile-response": TOKEN})
    done = captcha_client.post(action, data=sent, follow_redirects=False)

    assert done.status_code == 303, text_of(done.text)
    assert siteverify.forms[-1]["response"] == TOKEN
