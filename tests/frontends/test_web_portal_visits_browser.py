"""A signed-in patient changes the time of a visit from the portal in headless Chromium on a phone, against a live
server over the demo clinic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal, read_clinic_file
from portalcore.settings import Settings
from tests.fakes.memory import RecordingSender
from tests.frontends.conftest import free_port, serving
from tests.integration import test_access

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Portal, RecordingSender, str]]:
    port, mailer = free_port(), RecordingSender()
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'portal.db'}",
                        base_url=f"http://127.0.0.1:{port}", password_hash_time_cost=1,
                        password_hash_memory_kib=1024)
    portal = build_portal(settings, clock=FixedClock(datetime(2026, 11, 16, 14, 0, tzinfo=UTC)), mailer=mailer,
                          sms=RecordingSender())
    portal.setup.import_clinic(read_clinic_file())
    try:
        with serving(portal, port) as base_url:
            yield portal, mailer, base_url
    finally:
        portal.close()


def test_a_patient_moves_a_visit_to_another_time_on_a_phone(
        phone_page: Page, site: tuple[Portal, RecordingSender, str]) -> None:
    portal, mailer, base_url = site
    email = test_access.activated(portal, mailer)  # Olivia, with a dermaplaning visit on Monday 23 November
    phone_page.context.add_cookies([{"name": "portal_session", "value": test_access.sign_in(portal, mailer, email),
                                     "url": base_url}])

    phone_page.goto(base_url + "/portal")
    phone_page.get_by_role("link", name="Your visits").click()
    expect(phone_page).to_have_title(re.compile("^Your visits"))
    phone_page.get_by_role("link", name="Change time (Monday 23 November 2026, 11:00 AM)").click()

    expect(phone_page).to_have_title(re.compile("^Change the time of a visit"))
    phone_page.get_by_role("link", name="Next week").click()
    expect(phone_page.get_by_role("heading", name="Tuesday 24 November")).to_be_visible()
    phone_page.get_by_role("button", name="Tuesday 24 November, 2:00 PM").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Your visit is moved")
    expect(phone_page.get_by_text("The visit is now on Tuesday 24 November 2026 at 2:00 PM")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone_page.get_by_role("link", name="Back to the visits").click()
    upcoming = phone_page.locator("section.summary", has_text="Dermaplaning Facial").first
    expect(upcoming.get_by_role("heading")).to_have_text("Tuesday 24 November 2026, 2:00 PM–2:45 PM")
    [moved] = [m for m in portal.outbox.entries() if ":moved:" in m.message.idempotency_key]
    assert "Tuesday" in moved.message.text and "2:00" in moved.message.text
