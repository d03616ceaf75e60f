"""The front-desk terminal app as the front desk uses it: today's schedule, paging days, finding a patient."""

from __future__ import annotations

import contextlib

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.worker import WorkerCancelled, WorkerFailed

from portal_tui.app import FrontDeskApp, make_app
from portalcore.bootstrap import Portal

SIZE = (110, 32)
MONDAY = "Lumen Aesthetics & Med Spa — Monday 16 November 2026"


async def settle(pilot: Pilot[None]) -> None:
    """Waits until every database call has finished and its result is on screen."""
    for worker in list(pilot.app.workers):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):  # a failure is the app's to report, not ours
            await worker.wait()
    await pilot.pause()
    await pilot.pause()


def text_of(widget: Widget) -> str:
    return str(widget.render()) if widget.display else ""


def header(app: FrontDeskApp) -> str:
    return text_of(app.query_one("HeaderTitle", Static))


def table_rows(app: FrontDeskApp, selector: str) -> list[list[str]]:
    table = app.query_one(selector, DataTable)
    if not table.display:
        return []
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def empty_day_message(app: FrontDeskApp) -> str:
    return text_of(app.query_one("#schedule-empty", Static))


async def test_opens_on_todays_schedule_with_lucias_microneedling(demo_portal: Portal) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert header(app) == MONDAY
        rows = table_rows(app, "#schedule-table")
        assert len(rows) == 1
        time, patient, services, provider, location, status = rows[0]
        assert time.startswith("4:00 PM–")
        assert (patient, services, provider, status) == ("Lucía Fernández", "Microneedling with PRP", "Jessica Lin",
                                                         "Booked")
        assert location
        assert empty_day_message(app) == ""


async def test_next_day_key_moves_to_tuesday_and_t_comes_back(demo_portal: Portal) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert header(app) == "Lumen Aesthetics & Med Spa — Tuesday 17 November 2026"
        await pilot.press("t")
        await settle(pilot)
        assert header(app) == MONDAY
        assert [row[1] for row in table_rows(app, "#schedule-table")] == ["Lucía Fernández"]


async def test_a_day_without_visits_says_no_appointments(demo_portal: Portal) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert table_rows(app, "#schedule-table") == []
        assert empty_day_message(app) == "No appointments on Tuesday 17 November 2026."


async def test_previous_day_and_arrow_keys_page_through_days(demo_portal: Portal) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert header(app).endswith("Sunday 15 November 2026")
        await pilot.press("right", "right")
        await settle(pilot)
        assert header(app).endswith("Tuesday 17 November 2026")
        await pilot.press("left")
        await settle(pilot)
        assert header(app) == MONDAY


async def test_searching_olivia_lists_her_name_email_and_mobile(demo_portal: Portal) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_rows(app, "#search-results") == []
        await pilot.press("slash", *"olivia")
        await settle(pilot)
        assert table_rows(app, "#search-results") == [
            ["Olivia Martinez", "olivia.martinez@example.com", "+12125550143"]]
        assert header(app) == MONDAY  # typing "t" into the search box did not jump to today or elsewhere


async def test_search_typing_keys_stays_in_the_box_and_says_when_nobody_matches(demo_portal: Portal) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"q]zz")
        await settle(pilot)
        assert app.is_running
        assert header(app) == MONDAY
        assert table_rows(app, "#search-results") == []
        assert text_of(app.query_one("#search-empty", Static)) == "No patient matches “q]zz”."
        await pilot.press("escape", "right_square_bracket")
        await settle(pilot)
        assert header(app).endswith("Tuesday 17 November 2026")
        await pilot.press("q")
        assert not app.is_running


async def test_a_portal_error_shows_as_a_notification_not_a_traceback(portal: Portal) -> None:
    app = make_app(portal)  # no clinic loaded: every schedule call raises NotFound
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert app.is_running
        toasts = [text_of(toast) for toast in app.screen.query("Toast")]
        assert any("not set up yet" in text for text in toasts), toasts
