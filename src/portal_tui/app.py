"""The front-desk app: ``make_app(portal)`` builds it for ``portal tui`` and for the tests.

The app runs what the front desk asks (``desk.py``, the only place that calls the portal) in worker threads,
keeps the results in reactive attributes that flow down to the panels (or hands them to the screen that
asked), and turns a ``PortalError`` into a notification.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from portal_tui.add_patient import AddPatientScreen, NewPatient
from portal_tui.desk import PATIENT, SCHEDULE, WAITLIST, Done, FrontDesk
from portal_tui.grant_access import NewGrant
from portal_tui.move_visit import MoveVisitScreen, OpenTimes
from portal_tui.patient import PatientCard, PatientScreen
from portal_tui.schedule import DaySchedule, ScheduleTable, ScheduleView, long_date
from portal_tui.search import PatientMatches, PatientSearch
from portal_tui.waitlist import NewWaitlistEntry, PatientWaitlist, WaitlistScreen
from portalcore.bootstrap import Portal
from portalcore.domain.errors import PortalError
from portalcore.services.visits.schedule import ScheduleRow

SEARCH, ACTION, TIMES = "search", "action", "times"
MAIN_SCREEN_ACTIONS = {"previous_day", "next_day", "today", "focus_search", "focus_schedule", "add_patient",
                       "move_visit"}


class FrontDeskApp(App[None]):
    """The clinic's day at a glance for the front desk, with paging through days and a patient search."""

    CSS_PATH = "app.tcss"
    TITLE = "Front desk"
    BINDINGS = [
        Binding("left_square_bracket", "previous_day", "Prev day", key_display="["),
        Binding("right_square_bracket", "next_day", "Next day", key_display="]"),
        Binding("t", "today", "Today"),
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("a", "add_patient", "Add patient"),
        Binding("m", "move_visit", "Move visit"),
        Binding("q", "quit", "Quit"),
    ]

    schedule: reactive[DaySchedule | None] = reactive(None, init=False)
    matches: reactive[PatientMatches | None] = reactive(None, init=False)

    def __init__(self, portal: Portal) -> None:
        super().__init__()
        self.desk = FrontDesk(portal)
        self._wanted_day: date | None = None  # the day asked for last, which may still be loading

    def compose(self) -> ComposeResult:
        yield Header()
        yield ScheduleView(id="schedule").data_bind(FrontDeskApp.schedule)
        yield PatientSearch(id="search").data_bind(FrontDeskApp.matches)
        yield Footer()

    def on_mount(self) -> None:
        self.show_day(None)
        self.query_one(ScheduleTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The day's keys act on the main screen only, not behind an open patient or form."""
        return action not in MAIN_SCREEN_ACTIONS or not isinstance(self.screen, ModalScreen)

    @property
    def schedule_view(self) -> ScheduleView:
        return self.screen_stack[0].query_one(ScheduleView)  # the main screen, even under a dialog

    # Days

    def show_day(self, day: date | None) -> None:
        """Loads ``day`` (today at the clinic when None) in the background; the panel shows it when it arrives."""
        self._wanted_day = day
        self.schedule_view.loading = True
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
        return self.desk.day(day)

    # Moving a visit: the open times of a day for the visit under the cursor, then the move

    def action_move_visit(self) -> None:
        table = self.query_one(ScheduleTable)
        if self.schedule is not None and 0 <= table.cursor_row < len(self.schedule.rows):
            row = self.schedule.rows[table.cursor_row]
            self.load_open_times(row, row.local_start.date())

    @on(MoveVisitScreen.DayWanted)
    def _other_day(self, event: MoveVisitScreen.DayWanted) -> None:
        self.load_open_times(event.visit, event.day)

    @work(thread=True, exclusive=True, group=TIMES, exit_on_error=False)
    def load_open_times(self, visit: ScheduleRow, day: date) -> OpenTimes:
        return self.desk.open_times(visit, day)

    def _show_times(self, times: OpenTimes) -> None:
        if isinstance(self.screen, MoveVisitScreen):
            self.screen.choices = times
        else:
            self.push_screen(MoveVisitScreen(times), lambda start: self._chosen_time(times.visit, start))

    def _chosen_time(self, visit: ScheduleRow, start: datetime | None) -> None:
        if start is not None:
            self.move_visit(visit, start)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def move_visit(self, visit: ScheduleRow, start: datetime) -> Done:
        return self.desk.move_visit(visit, start)

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
        return self.desk.find_patients(text)

    # One patient: open, add, send portal access

    @on(PatientSearch.Opened)
    def _open(self, event: PatientSearch.Opened) -> None:
        self.load_patient(event.patient_id)

    @work(thread=True, exclusive=True, group=PATIENT, exit_on_error=False)
    def load_patient(self, patient_id: int) -> PatientCard:
        return self.desk.patient_card(patient_id)

    def action_add_patient(self) -> None:
        self.push_screen(AddPatientScreen())

    @on(AddPatientScreen.Submitted)
    def _add(self, event: AddPatientScreen.Submitted) -> None:
        self.add_patient(event.form)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def add_patient(self, form: NewPatient) -> Done:
        return self.desk.add_patient(form)

    @on(PatientScreen.SendAccess)
    def _send_access(self, event: PatientScreen.SendAccess) -> None:
        self.send_access(event.patient_id, event.choice.by_email, event.choice.by_sms)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def send_access(self, patient_id: int, by_email: bool, by_sms: bool) -> Done:
        return self.desk.send_access(patient_id, by_email, by_sms)

    @on(PatientScreen.GrantAccess)
    def _grant_access(self, event: PatientScreen.GrantAccess) -> None:
        self.grant_access(event.grant)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def grant_access(self, grant: NewGrant) -> Done:
        return self.desk.grant_access(grant)

    @on(PatientScreen.ShowWaitlist)
    def _open_waitlist(self, event: PatientScreen.ShowWaitlist) -> None:
        self.load_waitlist(event.patient_id)

    @work(thread=True, exclusive=True, group=WAITLIST, exit_on_error=False)
    def load_waitlist(self, patient_id: int) -> PatientWaitlist:
        return self.desk.waitlist(patient_id)

    @on(WaitlistScreen.Join)
    def _join(self, event: WaitlistScreen.Join) -> None:
        self.join_waitlist(event.entry)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def join_waitlist(self, new: NewWaitlistEntry) -> Done:
        return self.desk.join_waitlist(new)

    @on(WaitlistScreen.Leave)
    def _leave(self, event: WaitlistScreen.Leave) -> None:
        self.leave_waitlist(event.patient_id, event.entry_id)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def leave_waitlist(self, patient_id: int, entry_id: int) -> Done:
        return self.desk.leave_waitlist(patient_id, entry_id)

    def _show_waitlist(self, waitlist: PatientWaitlist) -> None:
        if isinstance(self.screen, WaitlistScreen):
            self.screen.waitlist = waitlist
        else:
            self.push_screen(WaitlistScreen(waitlist))

    def _show_patient(self, card: PatientCard) -> None:
        if isinstance(self.screen, PatientScreen):
            self.screen.card = card
        else:
            self.push_screen(PatientScreen(card))

    def _done(self, done: Done) -> None:
        self.notify(done.message, title="Front desk", markup=False)
        if done.reload == SCHEDULE:
            self.show_day(self._wanted_day)
        elif done.reload == WAITLIST:
            self.load_waitlist(done.patient_id)
        else:
            if isinstance(self.screen, AddPatientScreen):
                self.pop_screen()
            self.load_patient(done.patient_id)

    # Results and errors: the one place where worker outcomes reach the screen

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group not in (SCHEDULE, SEARCH, PATIENT, TIMES, WAITLIST, ACTION) or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR):
            return  # cancelled workers were superseded by a newer request: their results are stale
        if worker.group == SCHEDULE:
            self.schedule_view.loading = False
        if event.state is WorkerState.ERROR:
            self.report_error(worker.error)
        elif worker.group == SCHEDULE:
            self.schedule = worker.result
        elif worker.group == SEARCH:
            self.matches = worker.result
        elif worker.group == PATIENT:
            self._show_patient(worker.result)
        elif worker.group == TIMES:
            self._show_times(worker.result)
        elif worker.group == WAITLIST:
            self._show_waitlist(worker.result)
        else:
            self._done(worker.result)

    def report_error(self, error: BaseException | None) -> None:
        """Shows a ``PortalError`` as a notification; anything else is a bug and stops the app with its traceback."""
        if not isinstance(error, PortalError):
            raise error or RuntimeError("a worker failed without an error")
        self.notify(str(error), title="Front desk", severity="error", timeout=10, markup=False)


def make_app(portal: Portal) -> FrontDeskApp:
    """The front-desk app over a wired portal (the caller owns the portal and closes it)."""
    return FrontDeskApp(portal)
