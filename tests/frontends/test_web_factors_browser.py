"""A patient adds a passkey in headless Chromium (its virtual authenticator, through the DevTools protocol) and
signs in with it instead of an emailed code, against a live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect

from portalcore.bootstrap import Portal
from tests.fakes.smtp_server import RecordingSmtpServer
from tests.frontends.conftest import mailing_site
from tests.frontends.test_web_access_browser import body_of

pytestmark = pytest.mark.browser
OLIVIA = "olivia.martinez@example.com"
GOOD = "velvet orchard lantern"


@pytest.fixture
def site(tmp_path: Path, smtp: RecordingSmtpServer) -> Iterator[tuple[Portal, str]]:
    # "localhost", not 127.0.0.1: WebAuthn needs a domain name as the relying party id
    with mailing_site(tmp_path, smtp, host="localhost") as (portal, base_url):
        patient = portal.patients.by_email(OLIVIA)
        assert patient is not None and patient.id is not None
        portal.invitations.invite(patient.id)
        invite = re.search(r"/access/invite/(\S+)", body_of(smtp.messages[-1]))
        assert invite is not None
        portal.invitations.accept(invite.group(1), GOOD)
        yield portal, base_url


@pytest.fixture
def page_with_authenticator(browser: Browser) -> Iterator[tuple[Page, CDPSession, str]]:
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True}})
    try:
        yield page, cdp, added["authenticatorId"]
    finally:
        context.close()


def sign_in_with_password(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(OLIVIA)
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()


def test_a_patient_adds_a_passkey_and_signs_in_with_it(
        page_with_authenticator: tuple[Page, CDPSession, str], site: tuple[Portal, str],
        smtp: RecordingSmtpServer) -> None:
    page, cdp, authenticator = page_with_authenticator
    _, base_url = site
    sign_in_with_password(page, base_url)
    [code_mail] = [m for m in smtp.messages if m["To"] == OLIVIA and "code" in str(m["Subject"]).lower()]
    code = re.search(r"\b(\d{6})\b", body_of(code_mail))
    assert code is not None
    page.get_by_label("6-digit code").fill(code.group(1))
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Sign-in security").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in security")
    page.get_by_label("Name for the new passkey").fill("This laptop")
    page.locator("#passkey-password").fill(GOOD)
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_role("button", name="Create the passkey").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert len(page.locator("ul.codes code").all_inner_texts()) == 10
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["rpId"] == "localhost" and credential["isResidentCredential"]

    page.locator("main").get_by_role("link", name="I have saved my codes").click()
    expect(page.get_by_role("region", name="Passkeys")).to_contain_text("This laptop")
    page.locator("header").get_by_role("button", name="Sign out").click()
    codes_before = len([m for m in smtp.messages if "code" in str(m["Subject"]).lower()])
    sign_in_with_password(page, base_url)
    page.get_by_role("button", name="Sign in with your passkey").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Olivia")
    assert len([m for m in smtp.messages if "code" in str(m["Subject"]).lower()]) == codes_before
    [used] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used["signCount"] > credential["signCount"]
    page.goto(f"{base_url}/settings/security")
    expect(page.get_by_text("last used")).to_be_visible()
