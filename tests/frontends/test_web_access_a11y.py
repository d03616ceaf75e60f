"""An axe-core audit (WCAG 2.1 A and AA) of the sign-in, code, sign-up, forgotten-password and set-password pages
in headless Chromium on a phone, with the code-only sign-in switched on and with errors showing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal, read_clinic_file
from portalcore.settings import Settings
from tests.emails import emailed_path
from tests.fakes.memory import RecordingSender
from tests.frontends.conftest import free_port, serving

pytestmark = pytest.mark.browser
AXE_JS = Path(os.environ.get("PORTAL_AXE_JS") or files("axe_playwright_python").joinpath("axe.min.js"))
OLIVIA = "olivia.martinez@example.com"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Portal, RecordingSender, str]]:
    port, mailer = free_port(), RecordingSender()
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'portal.db'}",
                        base_url=f"http://127.0.0.1:{port}", password_hash_time_cost=1,
                        password_hash_memory_kib=1024)
    portal = build_portal(settings, clock=FixedClock(datetime(2026, 11, 16, 14, 0, tzinfo=UTC)), mailer=mailer,
                          sms=RecordingSender())
    clinic = read_clinic_file()
    clinic["clinic"]["settings"]["passwordless_login"] = True
    portal.setup.import_clinic(clinic)
    try:
        with serving(portal, port) as base_url:
            yield portal, mailer, base_url
    finally:
        portal.close()


@pytest.fixture
def audited_page(browser: Browser) -> Iterator[Page]:
    # axe is injected as an inline script, which the pages' CSP rightly forbids: bypass it for the audit only.
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    found: list[str] = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
    return found


def test_sign_in_pages_pass_axe(audited_page: Page, site: tuple[Portal, RecordingSender, str]) -> None:
    portal, mailer, base_url = site
    page = audited_page
    olivia = portal.patients.by_email(OLIVIA)
    assert olivia is not None and olivia.id is not None
    portal.invitations.invite(olivia.id)
    invite = emailed_path(mailer, OLIVIA, "/access/invite/")

    for path in ("/login", "/login?lang=es", "/signup", "/signup?lang=es", "/password/forgot", invite):
        page.goto(base_url + path)
        assert violations(page) == [], path

    # the same pages showing a refusal (back in English: ?lang=es is remembered in a cookie)
    page.goto(base_url + invite + "?lang=en")
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Save password").click()
    page.get_by_role("alert").wait_for()
    assert violations(page) == [], "set password with an error"

    page.goto(base_url + "/login")
    page.get_by_label("Email", exact=True).fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    assert violations(page) == [], "sign-in with an error"

    page.get_by_label("Email or mobile number").fill("nobody@example.com")
    page.get_by_role("button", name="Email or text me a code").click()
    page.wait_for_url("**/login/code**")
    assert violations(page) == [], "/login/code"
    page.get_by_label("6-digit code").fill("123456")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    assert violations(page) == [], "/login/code with an error"
