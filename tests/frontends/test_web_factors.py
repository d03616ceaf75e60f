"""Second factors through the web pages, over SQLite and PostgreSQL: setting up an authenticator app, recovery
codes shown once, adding and using a passkey (answered by a software authenticator), and removing them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from litestar.testing import TestClient

from portal_web import create_app
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from tests.emails import emailed_code, emailed_path
from tests.fakes.memory import RecordingSender
from tests.fakes.soft_authenticator import SoftAuthenticator
from tests.frontends.web_forms import form, link, text_of

OLIVIA = "olivia.martinez@example.com"
GOOD = "velvet orchard lantern"
ORIGIN = "http://portal.test"  # the base_url of the test settings: the origin passkeys are made for


@pytest.fixture
def client(demo_portal: Portal, mailer: RecordingSender) -> Iterator[TestClient]:
    patient = demo_portal.patients.by_email(OLIVIA)
    assert patient is not None and patient.id is not None
    demo_portal.invitations.invite(patient.id)
    demo_portal.invitations.accept(emailed_path(mailer, OLIVIA, "/access/invite/")[len("/access/invite/"):], GOOD)
    with TestClient(app=create_app(demo_portal)) as test_client:
        yield test_client


def start_sign_in(client: TestClient) -> str:
    """The password step; returns the second step's page."""
    page = client.get("/login").text
    step = client.post("/login", data=form(page, "/login").data(email=OLIVIA, password=GOOD), follow_redirects=False)
    assert step.status_code == 303, step.text
    return client.get(step.headers["location"]).text


def send_code(client: TestClient, page: str, code: str, expect: int = 303) -> str:
    done = client.post("/login/code", data=form(page, "/login/code").data(code=code), follow_redirects=False)
    assert done.status_code == expect, done.text
    return done.headers.get("location", "")


def signed_in(client: TestClient, mailer: RecordingSender) -> None:
    assert send_code(client, start_sign_in(client), emailed_code(mailer, OLIVIA)) == "/portal"


def security_page(client: TestClient) -> str:
    page = client.get("/settings/security")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    return page.text


def enrol_app(client: TestClient, clock: FixedClock) -> tuple[pyotp.TOTP, list[str]]:
    overview = security_page(client)
    setup = client.post("/settings/security/totp", data=form(overview, "/settings/security/totp").data(password=GOOD))
    assert setup.status_code == 200 and 'src="data:image/svg+xml' in setup.text
    confirm = form(setup.text, "/settings/security/totp/confirm")
    app = pyotp.TOTP(confirm.fields["secret"])
    assert " ".join(re.findall(r"[A-Z2-7]{4}", text_of(setup.text).split("Key:")[1])[:8]) in text_of(setup.text)
    done = client.post("/settings/security/totp/confirm", data=confirm.data(code=app.at(clock.now())))
    assert done.status_code == 200
    return app, re.findall(r"<code>([0-9a-z]{5}-[0-9a-z]{5})</code>", done.text)


def options_of(page: str) -> str:
    found = re.search(r'data-options="([^"]*)"', page)
    assert found is not None
    return html.unescape(found.group(1))


def add_passkey(client: TestClient, device: SoftAuthenticator, name: str = "Work laptop") -> str:
    overview = security_page(client)
    start = client.post("/settings/security/passkeys",
                        data=form(overview, "/settings/security/passkeys").data(name=name, password=GOOD))
    assert start.status_code == 200 and "Create the passkey" in text_of(start.text)
    finish = form(start.text, "/settings/security/passkeys/finish")
    done = client.post("/settings/security/passkeys/finish", follow_redirects=False,
                       data=finish.data(credential=device.create(options_of(start.text))))
    assert done.status_code in (200, 303), done.text
    return done.text


def test_the_portal_links_to_security_settings_that_need_a_session(
        client: TestClient, mailer: RecordingSender) -> None:
    assert client.get("/settings/security", follow_redirects=False).headers["location"].startswith("/login?next=")
    signed_in(client, mailer)
    assert link(client.get("/portal").text, "Sign-in security: passkeys and authenticator app") == "/settings/security"
    overview = text_of(security_page(client))
    assert "You have no passkeys yet" in overview and "Recovery codes" not in overview


def test_setting_up_an_app_shows_recovery_codes_once_and_sign_in_then_asks_for_its_code(
        client: TestClient, mailer: RecordingSender, clock: FixedClock) -> None:
    signed_in(client, mailer)
    app, codes = enrol_app(client, clock)
    assert len(codes) == 10
    assert "Recovery codes left: 10." in text_of(security_page(client))
    assert not [code for code in codes if code in security_page(client)]  # shown only once

    clock.advance(timedelta(seconds=30))
    sent = len(mailer.sent)
    code_page = start_sign_in(client)
    assert "Authenticator or recovery code" in text_of(code_page) and "Send a new code" not in text_of(code_page)
    assert send_code(client, code_page, app.at(clock.now())) == "/portal"
    assert not [m for m in mailer.sent[sent:] if "sign-in code" in m.subject.lower()]


def test_a_wrong_password_or_code_while_setting_up_says_why(
        client: TestClient, mailer: RecordingSender, clock: FixedClock) -> None:
    signed_in(client, mailer)
    overview = security_page(client)
    refused = client.post("/settings/security/totp",
                          data=form(overview, "/settings/security/totp").data(password="not my password"))
    assert refused.status_code == 422 and "Your password is not right." in text_of(refused.text)

    setup = client.post("/settings/security/totp", data=form(overview, "/settings/security/totp").data(password=GOOD))
    confirm = form(setup.text, "/settings/security/totp/confirm")
    right = pyotp.TOTP(confirm.fields["secret"]).at(clock.now())
    again = client.post("/settings/security/totp/confirm", data=confirm.data(code=f"{(int(right) + 1) % 10**6:06d}"))
    assert again.status_code == 422 and "That code is not right" in text_of(again.text)
    assert form(again.text, "/settings/security/totp/confirm").fields["secret"] == confirm.fields["secret"]


def test_turning_the_app_off_brings_back_the_emailed_code(
        client: TestClient, mailer: RecordingSender, clock: FixedClock) -> None:
    signed_in(client, mailer)
    enrol_app(client, clock)
    overview = security_page(client)
    off = client.post("/settings/security/totp/disable", follow_redirects=False,
                      data=form(overview, "/settings/security/totp/disable").data(password=GOOD))
    assert off.status_code == 303
    assert "Your authenticator app is turned off." in text_of(client.get(off.headers["location"]).text)
    assert "We emailed you a 6-digit code" in text_of(start_sign_in(client))


def test_a_passkey_is_added_then_signs_in_instead_of_the_emailed_code(
        client: TestClient, mailer: RecordingSender) -> None:
    signed_in(client, mailer)
    device = SoftAuthenticator(ORIGIN)
    first = add_passkey(client, device)
    assert len(re.findall(r"<code>[0-9a-z]{5}-[0-9a-z]{5}</code>", first)) == 10  # the first factor's codes
    assert "Work laptop" in text_of(security_page(client))

    sent = len(mailer.sent)
    code_page = start_sign_in(client)
    passkey_form = form(code_page, "/login/passkey")
    assert "Sign in with your passkey" in text_of(code_page) and "/static/passkeys.js" in code_page
    options = client.get("/login/passkey/options")
    assert options.status_code == 200 and options.headers["content-type"].startswith("application/json")
    done = client.post("/login/passkey", data=passkey_form.data(credential=device.get(options.text)),
                       follow_redirects=False)

    assert done.status_code == 303 and done.headers["location"] == "/portal"
    assert any("portal_session=" in c for c in done.headers.get_list("set-cookie"))
    assert not [m for m in mailer.sent[sent:] if "sign-in code" in m.subject.lower()]
    assert "last used" in text_of(security_page(client))


def test_a_passkey_answer_that_does_not_check_out_is_refused_with_tries_left(
        client: TestClient, mailer: RecordingSender) -> None:
    signed_in(client, mailer)
    add_passkey(client, SoftAuthenticator(ORIGIN))
    code_page = start_sign_in(client)
    stranger = SoftAuthenticator(ORIGIN)
    refused = client.post("/login/passkey", data=form(code_page, "/login/passkey").data(
        credential=stranger.get(client.get("/login/passkey/options").text)))
    assert refused.status_code == 400
    assert "Your passkey could not be checked. 4 tries left." in text_of(refused.text)
    assert client.post("/login/passkey", data=form(code_page, "/login/passkey").data(credential="{}")
                       ).status_code == 400


def test_passkey_options_need_a_passkey_sign_in_in_progress(client: TestClient, mailer: RecordingSender) -> None:
    assert client.get("/login/passkey/options").status_code == 422
    start_sign_in(client)  # no passkey: the emailed code is asked for
    assert client.get("/login/passkey/options").status_code == 422


def test_a_recovery_code_signs_in_when_the_passkey_is_not_at_hand(
        client: TestClient, mailer: RecordingSender) -> None:
    signed_in(client, mailer)
    codes = re.findall(r"<code>([0-9a-z]{5}-[0-9a-z]{5})</code>", add_passkey(client, SoftAuthenticator(ORIGIN)))
    code_page = start_sign_in(client)
    assert "If you cannot use your passkey" in text_of(code_page)
    assert send_code(client, code_page, codes[0]) == "/portal"


def test_removing_a_passkey_needs_the_password(client: TestClient, mailer: RecordingSender) -> None:
    signed_in(client, mailer)
    add_passkey(client, SoftAuthenticator(ORIGIN))
    overview = security_page(client)
    [action] = [a for a in re.findall(r'action="([^"]+)"', overview) if a.endswith("/remove")]
    refused = client.post(action, data=form(overview, action).data(password="not my password"))
    assert refused.status_code == 422 and "Work laptop" in text_of(refused.text)
    removed = client.post(action, data=form(overview, action).data(password=GOOD), follow_redirects=False)
    assert removed.status_code == 303
    assert "You have no passkeys yet" in text_of(client.get(removed.headers["location"]).text)


def test_security_changes_without_the_csrf_token_are_refused(client: TestClient, mailer: RecordingSender) -> None:
    signed_in(client, mailer)
    data = form(security_page(client), "/settings/security/totp").data(password=GOOD)
    del data["_csrf_token"]
    assert client.post("/settings/security/totp", data=data).status_code == 403


def test_the_security_page_speaks_spanish(client: TestClient, mailer: RecordingSender) -> None:
    signed_in(client, mailer)
    page = text_of(client.get("/settings/security?lang=es").text)
    assert "Seguridad del inicio de sesión" in page and "Añadir una llave de acceso" in page
