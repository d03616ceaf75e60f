"""The web frontend in headless Chromium, against a live uvicorn server over the demo clinic (SQLite)."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = pytest.mark.browser



def test_home_page_shows_services_on_a_phone_without_sideways_scrolling(phone_page: Page, live_server: str) -> None:
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(message.text)

    phone_page.on("console", record)
    response = phone_page.goto(live_server + "/")

    assert response is not None and response.status == 200
    expect(phone_page).to_have_title("Book online – Lumen Aesthetics & Med Spa")
    expect(phone_page.get_by_role("heading", name="Injectables", level=2)).to_be_visible()
    botox = phone_page.locator("li.service", has_text="Botox / Dysport")
    expect(botox.get_by_text("$450.00")).to_be_visible()
    expect(botox.get_by_text("$50.00 deposit")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The stylesheet loaded (CSP allows it): the header has the brand colour, not the browser default.
    header_colour = phone_page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert header_colour == "rgb(47, 93, 87)"
    assert problems == []  # no CSP violations or failed loads


def test_skip_link_appears_on_first_tab_and_jumps_to_main(phone_page: Page, live_server: str) -> None:
    phone_page.goto(live_server + "/")

    phone_page.keyboard.press("Tab")
    skip = phone_page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    phone_page.keyboard.press("Enter")
    expect(phone_page.locator("main")).to_be_focused()


def test_unknown_page_shows_a_readable_404(phone_page: Page, live_server: str) -> None:
    response = phone_page.goto(live_server + "/no-such-page")

    assert response is not None and response.status == 404
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(phone_page.get_by_role("link", name="Go to the start page")).to_be_visible()
