"""The front-desk terminal app as the front desk uses it: today's schedule, paging days, finding a patient."""

from __future__ import annotations

import contextlib
from datetime import date

from litestar.testing import TestClient
from sqlalchemy import text
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, OptionList, Static
from textual.worker import WorkerCancelled, WorkerFailed

from portal_tui.add_patient import AddPatientScreen
from portal_tui.app import FrontDeskApp, make_app
from portal_tui.grant_access import GrantAccessScreen
from portal_tui.move_visit import MoveVisitScreen
from portal_tui.patient import PatientScreen, SendAccessScreen
from portal_tui.schedule import clock_time
from portal_tui.waitlist import AddWaitlistScreen, WaitlistScreen
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import AppointmentStatus
from portalcore.domain.proxies import ProxyScope
from portalcore.domain.waitlist import EntryState
from portalcore.services.access.invitations import PortalState
from tests.emails import emailed_path
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_records import signed_in
from tests.frontends.web_forms import text_of as page_text

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


def table_rows(app: FrontDeskApp | Screen[object], selector: str) -> list[list[str]]:
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


# A patient opened from the search; "Add patient"; "Send portal access"


async def settle_all(pilot: Pilot[None]) -> None:
    """Like ``settle``, also for the calls a finished call starts (an added patient's card is loaded next)."""
    for _ in range(5):
        if not any(worker.is_running for worker in pilot.app.workers):
            await settle(pilot)
            if not any(worker.is_running for worker in pilot.app.workers):
                return
        await settle(pilot)


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    await pilot.click(selector)
    await pilot.press(*text)


def toasts(app: FrontDeskApp) -> list[str]:
    return [text_of(toast) for toast in app.screen.query("Toast")]


def panel(app: FrontDeskApp, selector: str) -> str:
    return text_of(app.screen.query_one(selector, Static))


async def open_olivia(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("slash", *"olivia")
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle_all(pilot)


async def test_adding_a_patient_with_the_email_toggle_emails_a_set_password_link(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, AddPatientScreen)
        await type_into(pilot, "#first-name", "Nora")
        await type_into(pilot, "#last-name", "Quinn")
        await type_into(pilot, "#email", "nora@example.com")
        await type_into(pilot, "#dob", "1990-04-01")
        await pilot.click("#invite-email")
        await pilot.click("#save")
        await settle_all(pilot)

        assert isinstance(app.screen, PatientScreen)  # the new patient's card replaces the form
        assert panel(app, "#patient-name").startswith("Nora Quinn")
        assert "Date of birth: 1990-04-01" in panel(app, "#patient-contact")
        assert panel(app, "#patient-portal").startswith("Portal: invited on Monday 16 November 2026, 9:00 AM")
        assert any("Added Nora Quinn; portal access sent by email." in t for t in toasts(app))
    assert emailed_path(mailer, "nora@example.com", "/access/invite/")
    [nora] = demo_portal.patients.find("nora quinn")
    assert demo_portal.invitations.status(nora.id or 0).state is PortalState.INVITED


async def test_a_refused_new_patient_keeps_the_form_open_and_says_why(demo_portal: Portal) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await type_into(pilot, "#first-name", "Nora")
        await type_into(pilot, "#last-name", "Quinn")
        await pilot.click("#invite-email")  # but no email address was typed
        await pilot.click("#save")
        await settle_all(pilot)

        assert isinstance(app.screen, AddPatientScreen)
        assert app.screen.query_one("#first-name", Input).value == "Nora"  # nothing to type again
        assert any("Nora Quinn has no email address" in t for t in toasts(app))
        await type_into(pilot, "#dob", "1990-02-30")
        await pilot.click("#invite-email")
        await pilot.click("#save")
        await settle_all(pilot)
        assert any("'1990-02-30' is not a date" in t for t in toasts(app))
    assert demo_portal.patients.find("nora quinn") == []


async def test_opening_a_patient_and_sending_portal_access_by_sms_texts_her(
        demo_portal: Portal, sms: RecordingSender, mailer: RecordingSender) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_olivia(pilot)
        assert isinstance(app.screen, PatientScreen)
        assert "Email: olivia.martinez@example.com\nMobile: +12125550143" in panel(app, "#patient-contact")
        assert panel(app, "#patient-portal") == "Portal: never invited"
        assert panel(app, "#patient-proxies") == "Proxies: none"

        await pilot.press("s")
        assert isinstance(app.screen, SendAccessScreen)
        await pilot.click("#by-email")  # on by default when there is an address: only a text this time
        await pilot.click("#by-sms")
        await pilot.click("#send")
        await settle_all(pilot)

        assert isinstance(app.screen, PatientScreen)
        assert panel(app, "#patient-portal").startswith("Portal: invited on Monday 16 November 2026")
        assert any("Portal access sent by SMS." in t for t in toasts(app))
        await pilot.press("escape")
        assert not isinstance(app.screen, ModalScreen)
    [text] = sms.sent
    assert text.recipient == "+12125550143" and "/access/invite/" in text.text
    assert mailer.sent == []


async def test_an_opened_patient_shows_who_may_act_for_her_and_the_day_keys_wait(demo_portal: Portal) -> None:
    olivia = demo_portal.patients.by_email("olivia.martinez@example.com")
    assert olivia is not None and olivia.id is not None
    demo_portal.proxies.grant(olivia.id, email="sam.carer@example.com", first_name="Sam", last_name="Carer",
                              scope=ProxyScope.VISITS_FORMS, relationship="spouse")
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await open_olivia(pilot)
        assert panel(app, "#patient-proxies") == (
            "Proxies:\n  Sam Carer <sam.carer@example.com>, spouse: appointments and forms")
        await pilot.press("right_square_bracket", "a")  # the day and "Add patient" belong to the main screen
        await settle_all(pilot)
        assert isinstance(app.screen, PatientScreen)
        assert header(app) == MONDAY


async def test_the_front_desk_gives_a_parent_access_from_the_patient_card(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_olivia(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, GrantAccessScreen)
        await pilot.press(*"sam.carer@example.com")
        for field, text in (("#grant-relationship", "parent"), ("#grant-first-name", "Sam"),
                            ("#grant-last-name", "Carer"), ("#grant-last-day", "2027-01-31")):
            await pilot.click(field)
            await pilot.press(*text)
        await pilot.click("#grant-limited")
        await pilot.click("#grant")
        await settle_all(pilot)
        assert isinstance(app.screen, PatientScreen)
        assert panel(app, "#patient-proxies") == (
            "Proxies:\n  Sam Carer <sam.carer@example.com>, parent: appointments and forms")
        assert any("sam.carer@example.com may now act for this patient" in t for t in toasts(app))

        await pilot.press("g")  # the same person again: the core refuses, the card says why
        await pilot.press(*"sam.carer@example.com")
        await pilot.click("#grant")
        await settle_all(pilot)
        assert any("already has access" in t for t in toasts(app))
    demo_portal.dispatcher.dispatch_due()
    assert [m for m in mailer.sent if m.recipient == "sam.carer@example.com"]


# Moving a visit from the day's schedule; the waitlist from the patient card


async def test_the_front_desk_moves_lucias_visit_to_an_open_time_on_another_day(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle_all(pilot)
        assert isinstance(app.screen, MoveVisitScreen)
        assert panel(app, "#move-day").startswith("Open times on Monday 16 November 2026")
        assert panel(app, "#move-empty") == "No open times on Monday 16 November 2026."  # Jessica's day off

        await pilot.press("right_square_bracket", "right_square_bracket")  # Tuesday she is in Brooklyn
        await settle_all(pilot)
        assert panel(app, "#move-day").startswith("Open times on Wednesday 18 November 2026")
        times = app.screen.query_one("#move-times", OptionList)
        # in SoHo from 10 AM until her lunch break, then until 90 minutes (visit and buffer) before 7 PM
        assert [str(times.get_option_at_index(i).prompt) for i in (0, 8, 9, times.option_count - 1)] == [
            "10:00 AM", "12:00 PM", "2:15 PM", "5:30 PM"]
        await pilot.press("down", "down", "enter")
        await settle_all(pilot)

        assert not isinstance(app.screen, ModalScreen)
        assert any("Moved Lucía Fernández's visit to Wednesday 18 November 2026, 10:30 AM" in t for t in toasts(app))
        assert empty_day_message(app) == "No appointments on Monday 16 November 2026."
    [moved] = demo_portal.schedule.day(date(2026, 11, 18))
    assert (moved.patient_name, clock_time(moved.local_start), moved.appointment.status) == (
        "Lucía Fernández", "10:30 AM", AppointmentStatus.BOOKED)
    demo_portal.dispatcher.dispatch_due()
    assert [m for m in mailer.sent if m.recipient == "lucia.fernandez@example.com"]


def audited(portal: Portal, patient_id: int) -> list[tuple[str, str]]:
    with portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT action, actor FROM audit_event WHERE patient_id = :patient"),
                                  {"patient": patient_id})
        return [(action, actor) for action, actor in rows]


async def test_the_front_desk_puts_olivia_on_the_waitlist_and_takes_her_off(demo_portal: Portal) -> None:
    olivia = demo_portal.patients.by_email("olivia.martinez@example.com")
    assert olivia is not None and olivia.id is not None
    first_service = demo_portal.catalog.online_catalog()[0].services[0]
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_olivia(pilot)
        await pilot.press("w")
        await settle_all(pilot)
        assert isinstance(app.screen, WaitlistScreen)
        assert panel(app, "#waitlist-empty") == "Not on the waitlist."
        assert ("view_waitlist", "front desk") in audited(demo_portal, olivia.id)  # the patient's log lists it

        await pilot.press("a")
        assert isinstance(app.screen, AddWaitlistScreen)
        await pilot.press("space")  # the first service; the provider stays "Any provider"
        await type_into(pilot, "#waitlist-first-day", "2026-11-18")
        await pilot.press("tab", *"2026-11-30")
        await pilot.click("#waitlist-save")
        await settle_all(pilot)

        assert isinstance(app.screen, WaitlistScreen)
        assert any("Added to the waitlist." in t for t in toasts(app))
        assert table_rows(app.screen, "#waitlist-entries") == [
            [first_service.name, "Any provider", "2026-11-18 to 2026-11-30", "Waiting"]]
        [entry] = demo_portal.waitlist.entries(olivia.id)
        assert (entry.services, entry.provider, entry.first_day, entry.last_day, entry.state) == (
            (first_service.slug,), "any", date(2026, 11, 18), date(2026, 11, 30), EntryState.WAITING)

        await pilot.press("r")
        await settle_all(pilot)
        assert table_rows(app.screen, "#waitlist-entries")[0][3] == "Left"
        assert [e.state for e in demo_portal.waitlist.entries(olivia.id)] == [EntryState.LEFT]

        await pilot.press("a", "space")  # the last day before the first: the core refuses and says why
        await type_into(pilot, "#waitlist-first-day", "2026-11-30")
        await pilot.press("tab", *"2026-11-18")  # a click could land on a notification
        await pilot.click("#waitlist-save")
        await settle_all(pilot)
        assert any("The last day must not be before the first day." in t for t in toasts(app))
    assert len(demo_portal.waitlist.entries(olivia.id)) == 1


async def test_opening_a_patient_at_the_front_desk_shows_on_her_who_viewed_my_record_page(
        demo_portal: Portal, client: TestClient, mailer: RecordingSender) -> None:
    app = make_app(demo_portal)
    async with app.run_test(size=SIZE) as pilot:
        await open_olivia(pilot)
        assert isinstance(app.screen, PatientScreen)

    shown = page_text(signed_in(client, demo_portal, mailer).get("/portal/activity").text)
    assert "front desk: Opened the patient's details at the clinic" in shown
    spanish = page_text(client.get("/portal/activity?lang=es").text)
    assert "recepción: Abrió la ficha del paciente en la clínica" in spanish
