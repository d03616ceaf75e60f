"""The front-desk app: ``make_app(portal)`` builds it for ``portal tui`` and for the tests.

The app is the only place that calls the portal: it runs each call in a worker thread, keeps the results in
reactive attributes that flow down to the panels, and turns a ``PortalError`` into a notification.
"""

from __future__ import annotations

from datetime import date, timedelta

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from portal_tui.schedule import DaySchedule, ScheduleTable, ScheduleView, long_date
from portal_tui.search import PatientMatches, PatientSearch
from portalcore.bootstrap import Portal
from portalcore.domain.errors import PortalError

SCHEDULE, SEARCH = "schedule", "search"


class FrontDeskApp(App[None]):
    """The clinic's day at a glance for the front desk, with paging through days and a patient search."""

    CSS_PATH = "app.tcss"
    TITLE = "Front desk"
    BINDINGS = [
        Binding("left_square_bracket", "previous_day", "Prev day", key_display="["),
        Binding("right_square_bracket", "next_day", "Next day", key_display="]"),
        Binding("t", "today", "Today"),
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("q", "quit", "Quit"),
    ]

    schedule: reactive[DaySchedule | None] = reactive(None, init=False)
    matches: reactive[PatientMatches | None] = reactive(None, init=False)

    def __init__(self, portal: Portal) -> None:
        super().__init__()
        self.portal = portal
        self._wanted_day: date | None = None  # the day asked for last, which may still be loading

    def compose(self) -> ComposeResult:
        yield Header()
        yield ScheduleView(id="schedule").data_bind(FrontDeskApp.schedule)
        yield PatientSearch(id="search").data_bind(FrontDeskApp.matches)
        yield Footer()

    def on_mount(self) -> None:
        self.show_day(None)
        self.query_one(ScheduleTable).focus()

    # Days

    def show_day(self, day: date | None) -> None:
        """Loads ``day`` (today at the clinic when None) in the background; the panel shows it when it arrives."""
        self._wanted_day = day
        self.query_one(ScheduleView).loading = True
        self.load_schedule(day)

    def _shift_day(self, days: int) -> None:
        current = self._wanted_day or (self.schedule.day if self.schedule else None)
        if current is not None:
            self.show_day(current + timedelta(days=days))

    def action_previous_day(self) -> None:
        self._shift_day(-1)

    def action_next_day(self) -> None:
        self._shift_day(1)

    def action_today(self) -> None:
        self.show_day(None)

    def watch_schedule(self, schedule: DaySchedule | None) -> None:
        if schedule is not None:
            self.title, self.sub_title = schedule.clinic_name, long_date(schedule.day)

    @work(thread=True, exclusive=True, group=SCHEDULE, exit_on_error=False)
    def load_schedule(self, day: date | None) -> DaySchedule:
        """Reads one clinic day off the UI thread (the clinic's own today when ``day`` is None)."""
        clinic = self.portal.catalog.clinic()
        day = day or self.portal.schedule.today()
        return DaySchedule(clinic.name, day, tuple(self.portal.schedule.day(day)))

    # Patient search

    def action_focus_search(self) -> None:
        self.query_one(PatientSearch).focus_input()

    def action_focus_schedule(self) -> None:
        self.query_one(ScheduleTable).focus()

    @on(PatientSearch.QueryChanged)
    def _search(self, event: PatientSearch.QueryChanged) -> None:
        if event.text:
            self.find_patients(event.text)
        else:
            self.workers.cancel_group(self, SEARCH)
            self.matches = None

    @work(thread=True, exclusive=True, group=SEARCH, exit_on_error=False)
    def find_patients(self, text: str) -> PatientMatches:
        """Searches patients off the UI thread, so typing never waits for the database."""
        return PatientMatches(text, tuple(self.portal.patients.find(text)))

    # Results and errors: the one place where worker outcomes reach the screen

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group not in (SCHEDULE, SEARCH) or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return  # cancelled workers were superseded by a newer request: their results are stale
        if worker.group == SCHEDULE:
            self.query_one(ScheduleView).loading = False
        if event.state is WorkerState.ERROR:
            self.report_error(worker.error)
        elif worker.group == SCHEDULE:
            self.schedule = worker.result
        else:
            self.matches = worker.result

    def report_error(self, error: BaseException | None) -> None:
        """Shows a ``PortalError`` as a notification; anything else is a bug and stops the app with its traceback."""
        if not isinstance(error, PortalError):
            raise error or RuntimeError("a worker failed without an error")
        self.notify(str(error), title="Front desk", severity="error", timeout=10, markup=False)


def make_app(portal: Portal) -> FrontDeskApp:
    """The front-desk app over a wired portal (the caller owns the portal and closes it)."""
    return FrontDeskApp(portal)
