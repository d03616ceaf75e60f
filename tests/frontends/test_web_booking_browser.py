"""A patient books online in headless Chromium on a phone, against a live server that sends real SMTP mail and
texts through the Twilio SDK (to loopback fakes); the confirmation arrives once the outbox is dispatched."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal
from portalcore.settings import Settings
from tests.databases import demo_sqlite_url
from tests.fakes.smtp_server import RecordingSmtpServer
from tests.fakes.twilio_fake import FakeTwilio
from tests.frontends.conftest import free_port, serving

pytestmark = pytest.mark.browser

# axe-core comes with the axe-playwright-python test dependency; PORTAL_AXE_JS may point at another axe.min.js.
AXE_JS = Path(os.environ.get("PORTAL_AXE_JS") or files("axe_playwright_python").joinpath("axe.min.js"))
MOBILE = "+12125550199"


@pytest.fixture
def wired_portal(tmp_path: Path, smtp: RecordingSmtpServer, twilio: FakeTwilio) -> Iterator[tuple[Portal, int]]:
    """The demo clinic with mail over SMTP and texts through the Twilio SDK, chosen by settings alone."""
    port, clock = free_port(), FixedClock(datetime(2026, 11, 16, 14, 0, tzinfo=UTC))
    settings = Settings(data_dir=tmp_path, database_url=demo_sqlite_url(tmp_path / "portal.db", clock),
                        base_url=f"http://127.0.0.1:{port}", mail_backend="smtp", smtp_host=smtp.host,
                        smtp_port=smtp.port, smtp_timeout=5.0, sms_backend="twilio",
                        twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
                        twilio_from="+12125550100", twilio_api_base=twilio.url)
    portal = build_portal(settings, clock=clock)
    try:
        yield portal, port
    finally:
        portal.close()


@pytest.fixture
def site(wired_portal: tuple[Portal, int]) -> Iterator[str]:
    portal, port = wired_portal
    with serving(portal, port) as base_url:
        yield base_url


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(message.text)

    page.on("console", record)
    return problems


def fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_new_patient_books_botox_and_lip_filler_on_a_phone(
        phone_page: Page, site: str, wired_portal: tuple[Portal, int], smtp: RecordingSmtpServer,
        twilio: FakeTwilio) -> None:
    portal, _ = wired_portal
    problems = watch_console(phone_page)
    phone_page.goto(site + "/")
    injectables = phone_page.locator("section.category", has=phone_page.get_by_role("heading", name="Injectables"))
    injectables.get_by_role("link", name="Book now Botox / Dysport").click()

    expect(phone_page).to_have_title(re.compile("^Your visit"))
    phone_page.get_by_role("link", name="Add Lip Filler (1 syringe)").click()
    expect(phone_page.locator(".cart-name")).to_have_text(["Botox / Dysport (up to 3 areas)", "Lip Filler (1 syringe)"])
    assert fits_the_phone(phone_page)
    phone_page.get_by_role("link", name="Next: choose provider").click()

    phone_page.get_by_label("Jessica Lin").check()
    phone_page.get_by_role("button", name="Next: choose a time").click()
    expect(phone_page).to_have_title(re.compile("^Choose a time"))
    tuesday = phone_page.locator("section.day", has=phone_page.get_by_role("heading", name="Tuesday 17 November"))
    expect(tuesday.get_by_text("With Jessica Lin at Brooklyn Heights")).to_be_visible()
    assert fits_the_phone(phone_page)
    tuesday.get_by_role("button", name="11:00 AM").click()

    expect(phone_page).to_have_title(re.compile("^Your details"))
    phone_page.get_by_label("First name").fill("Nina")
    phone_page.get_by_label("Last name").fill("Patel")
    phone_page.get_by_label("Email").fill("nina.patel@example.com")
    phone_page.get_by_label("Mobile phone").fill("(212) 555-0199")
    phone_page.get_by_role("button", name="Next: confirm your mobile number").click()

    expect(phone_page).to_have_title(re.compile("^Enter your code"))
    code_text = twilio.messages[-1]
    assert code_text.to == MOBILE
    code = re.search(r"\b(\d{6})\b", code_text.body)
    assert code is not None
    phone_page.get_by_label("6-digit code").fill("000000" if code.group(1) != "000000" else "111111")
    phone_page.get_by_role("button", name="Confirm code").click()
    expect(phone_page.get_by_role("alert")).to_contain_text("That code is not right")
    phone_page.get_by_label("6-digit code").fill(code.group(1))
    phone_page.get_by_role("button", name="Confirm code").click()

    expect(phone_page).to_have_title(re.compile("^Confirm your booking"))
    card_step = phone_page.url
    # Back and forth with the browser's buttons: every step is a page of its own (a refused code too), fetched
    # again without a "Confirm Form Resubmission", and shows what was typed
    phone_page.go_back()
    expect(phone_page).to_have_title(re.compile("^Enter your code"))
    phone_page.go_back()
    expect(phone_page).to_have_title(re.compile("^Enter your code"))
    phone_page.go_back()
    expect(phone_page).to_have_title(re.compile("^Your details"))
    expect(phone_page.get_by_label("Email")).to_have_value("nina.patel@example.com")
    phone_page.go_forward()
    expect(phone_page).to_have_title(re.compile("^Enter your code"))
    phone_page.go_back()
    phone_page.get_by_role("button", name="Next: confirm your mobile number").click()  # the number is proven
    expect(phone_page).to_have_title(re.compile("^Confirm your booking"))
    assert phone_page.url == card_step and twilio.messages[-1] is code_text  # no second code was texted
    second_tab = phone_page.context.new_page()  # the last step, open twice: submitted twice, booked once
    second_tab.goto(card_step)

    expect(phone_page.get_by_text("Deposit charged now: $150.00.")).to_be_visible()
    phone_page.get_by_label("I accept the cancellation policy").check()
    phone_page.get_by_label("Visa •••• 4242 (test)").check()
    phone_page.get_by_role("button", name="Confirm booking").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("You're booked")
    second_tab.get_by_label("I accept the cancellation policy").check()
    second_tab.get_by_role("button", name="Confirm booking").click()
    expect(second_tab.get_by_role("heading", level=1)).to_have_text("You're booked")
    assert second_tab.url == phone_page.url
    second_tab.close()
    confirmation = phone_page.locator("main")
    for fact in ("Tuesday 17 November 2026, 11:00 AM–12:25 PM", "Jessica Lin", "Brooklyn Heights", "$1,200.00",
                 "$150.00", "Card ending in 4242", "simulated"):
        expect(confirmation).to_contain_text(fact)
    assert fits_the_phone(phone_page)
    # the wrong code's page answered 422, as it should; no CSP violations or other failed loads along the way
    assert problems == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]

    portal.dispatcher.dispatch_due()

    [confirmation_mail] = [m for m in smtp.messages if m["To"] == "nina.patel@example.com"
                           and any(p.get_content_type() == "text/calendar" for p in m.walk())]
    [ics] = [p for p in confirmation_mail.walk() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
    assert event["dtstart"].to_ical() == b"20261117T160000Z"
    texts = [m for m in twilio.messages if m.to == MOBILE]
    assert len(texts) == 2 and texts[-1] is not code_text and "Jessica Lin" in texts[-1].body


def test_booking_pages_pass_axe(browser: Browser, site: str) -> None:
    # axe is injected as an inline script, which the pages' CSP rightly forbids: bypass it for the audit only.
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, bypass_csp=True)
    phone_page = context.new_page()
    for path in ("/", "/?lang=es", "/book?services=neurotoxin", "/book/provider?services=neurotoxin",
                 "/book/times?services=neurotoxin&provider=jessica-lin&from=2026-11-17"):
        phone_page.goto(site + path)
        phone_page.add_script_tag(path=str(AXE_JS))
        violations = phone_page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})).violations"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
        assert violations == [], f"{path}: {violations}"
    context.close()
