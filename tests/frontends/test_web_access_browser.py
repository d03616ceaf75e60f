"""An invited patient sets a password and signs in with the code from a real SMTP email, in headless Chromium
on a phone, against a live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portalcore.bootstrap import Portal
from tests.fakes.smtp_server import RecordingSmtpServer
from tests.frontends.conftest import mailing_site

pytestmark = pytest.mark.browser
OLIVIA = "olivia.martinez@example.com"


@pytest.fixture
def site(tmp_path: Path, smtp: RecordingSmtpServer) -> Iterator[tuple[Portal, str]]:
    with mailing_site(tmp_path, smtp) as served:
        yield served


def body_of(message: Message) -> str:
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True) if parts else b""
    return payload.decode() if isinstance(payload, bytes) else str(payload)


def test_an_invited_patient_signs_in_with_the_emailed_code_on_a_phone(
        phone_page: Page, site: tuple[Portal, str], smtp: RecordingSmtpServer) -> None:
    portal, base_url = site
    patient = portal.patients.by_email(OLIVIA)
    assert patient is not None and patient.id is not None
    portal.invitations.invite(patient.id)
    [welcome] = [m for m in smtp.messages if m["To"] == OLIVIA]
    invite = re.search(r"http://\S+/access/invite/\S+", body_of(welcome))
    assert invite is not None

    phone_page.goto(invite.group(0))
    expect(phone_page.get_by_text("Hello Olivia")).to_be_visible()
    phone_page.get_by_label("New password").fill("velvet orchard lantern")
    phone_page.get_by_role("button", name="Save password").click()

    expect(phone_page).to_have_title(re.compile("^Sign in"))
    phone_page.get_by_label("Email").fill(OLIVIA)
    phone_page.get_by_label("Password").fill("velvet orchard lantern")
    phone_page.get_by_role("button", name="Sign in").click()

    expect(phone_page).to_have_title(re.compile("^Enter your sign-in code"))
    [code_mail] = [m for m in smtp.messages if m["To"] == OLIVIA and "code" in str(m["Subject"]).lower()]
    code = re.search(r"\b(\d{6})\b", body_of(code_mail))
    assert code is not None
    phone_page.get_by_label("6-digit code").fill(code.group(1))
    phone_page.get_by_role("button", name="Sign in").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Welcome, Olivia")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone_page.locator("main").get_by_role("button", name="Sign out").click()
    expect(phone_page.get_by_text("You are signed out.")).to_be_visible()
