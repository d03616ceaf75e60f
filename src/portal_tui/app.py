"""The front-desk app: ``make_app(portal)`` builds it for ``portal tui`` and for the tests.

The app is the only place that calls the portal: it runs each call in a worker thread, keeps the results in
reactive attributes that flow down to the panels (or hands them to the patient screen), and turns a
``PortalError`` into a notification.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from portal_tui.add_patient import AddPatientScreen, NewPatient
from portal_tui.grant_access import NewGrant
from portal_tui.move_visit import MoveVisitScreen, OpenTimes
from portal_tui.patient import PatientCard, PatientScreen
from portal_tui.schedule import DaySchedule, ScheduleTable, ScheduleView, clock_time, long_date
from portal_tui.search import PatientMatches, PatientSearch
from portal_tui.waitlist import NewWaitlistEntry, PatientWaitlist, WaitlistScreen
from portalcore.bootstrap import Portal
from portalcore.domain.errors import PortalError
from portalcore.domain.proxies import ProxyScope
from portalcore.services.access_kit import Actor
from portalcore.services.patients import read_date
from portalcore.services.schedule import ScheduleRow

SCHEDULE, SEARCH, PATIENT, ACTION = "schedule", "search", "patient", "action"
TIMES, WAITLIST = "times", "waitlist"
MAIN_SCREEN_ACTIONS = {"previous_day", "next_day", "today", "focus_search", "focus_schedule", "add_patient",
                       "move_visit"}


@attrs.frozen
class Done:
    """A change went through: what to tell the front desk, and what to load again to show it (the patient's
    card or waitlist, or the day's schedule)."""

    patient_id: int
    message: str
    reload: str = PATIENT


def channels(by_email: bool, by_sms: bool) -> str:
    return " and ".join(name for name, chosen in (("email", by_email), ("SMS", by_sms)) if chosen)


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
        """Reads one clinic day off the UI thread (the clinic's own today when ``day`` is None)."""
        clinic = self.portal.catalog.clinic()
        day = day or self.portal.schedule.today()
        return DaySchedule(clinic.name, day, tuple(self.portal.schedule.day(day)))

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
        """The times on ``day`` the visit's provider is free for it at its place (the core says when not booked)."""
        zone = ZoneInfo(self.portal.catalog.clinic().time_zone)
        slots = self.portal.visits.open_times(visit.appointment.id or 0, day)
        return OpenTimes(visit, day, tuple(slot.start_at for slot in slots), zone)

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
        """Moves the visit as the front desk may (any free time); its reminders follow and the patient is emailed."""
        moved = self.portal.visits.reschedule(visit.appointment.id or 0, start, by_patient=False)
        local_start = moved.start_at.astimezone(visit.local_start.tzinfo)
        return Done(moved.patient_id, f"Moved {visit.patient_name}'s visit to {long_date(local_start.date())}, "
                                      f"{clock_time(local_start)}; the patient is emailed.", reload=SCHEDULE)

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

    # One patient: open, add, send portal access

    @on(PatientSearch.Opened)
    def _open(self, event: PatientSearch.Opened) -> None:
        self.load_patient(event.patient_id)

    @work(thread=True, exclusive=True, group=PATIENT, exit_on_error=False)
    def load_patient(self, patient_id: int) -> PatientCard:
        """Reads what the patient panel shows: contact, portal status and proxies."""
        zone = ZoneInfo(self.portal.catalog.clinic().time_zone)
        return PatientCard(self.portal.patients.get(patient_id), self.portal.invitations.status(patient_id),
                           tuple(self.portal.patients.proxies(patient_id)), zone)

    def action_add_patient(self) -> None:
        self.push_screen(AddPatientScreen())

    @on(AddPatientScreen.Submitted)
    def _add(self, event: AddPatientScreen.Submitted) -> None:
        self.add_patient(event.form)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def add_patient(self, form: NewPatient) -> Done:
        """Adds the patient, and sends portal access when a toggle is on, in one step of the core."""
        born = read_date(form.date_of_birth) if form.date_of_birth.strip() else None
        patient = self.portal.patients.add(first_name=form.first_name, last_name=form.last_name, email=form.email,
                                           mobile=form.mobile, date_of_birth=born,
                                           invite_by_email=form.invite_by_email, invite_by_sms=form.invite_by_sms,
                                           actor=Actor.front_desk())
        sent = channels(form.invite_by_email, form.invite_by_sms)
        return Done(patient.id or 0, f"Added {patient.full_name}" + (f"; portal access sent by {sent}." if sent
                                                                      else "."))

    @on(PatientScreen.SendAccess)
    def _send_access(self, event: PatientScreen.SendAccess) -> None:
        self.send_access(event.patient_id, event.choice.by_email, event.choice.by_sms)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def send_access(self, patient_id: int, by_email: bool, by_sms: bool) -> Done:
        """Sends portal access; the earlier link, if any, stops working."""
        self.portal.invitations.invite(patient_id, by_email=by_email, by_sms=by_sms, actor=Actor.front_desk())
        return Done(patient_id, f"Portal access sent by {channels(by_email, by_sms)}.")

    @on(PatientScreen.GrantAccess)
    def _grant_access(self, event: PatientScreen.GrantAccess) -> None:
        self.grant_access(event.grant)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def grant_access(self, grant: NewGrant) -> Done:
        """Lets a carer or parent act for the patient; they are emailed (with a set-password link if new)."""
        last_day = read_date(grant.last_day) if grant.last_day.strip() else None
        scope = ProxyScope.VISITS_FORMS if grant.visits_and_forms_only else ProxyScope.ALL
        self.portal.proxies.grant(grant.patient_id, email=grant.email, first_name=grant.first_name,
                                  last_name=grant.last_name, scope=scope, relationship=grant.relationship,
                                  expires_on=last_day, actor=Actor.front_desk())
        return Done(grant.patient_id, f"{grant.email.strip()} may now act for this patient; they were emailed.")

    @on(PatientScreen.ShowWaitlist)
    def _open_waitlist(self, event: PatientScreen.ShowWaitlist) -> None:
        self.load_waitlist(event.patient_id)

    @work(thread=True, exclusive=True, group=WAITLIST, exit_on_error=False)
    def load_waitlist(self, patient_id: int) -> PatientWaitlist:
        """The patient's waitlist entries, with the services and providers the front desk may choose from."""
        services = {s.slug: s.name for listing in self.portal.catalog.online_catalog() for s in listing.services}
        return PatientWaitlist(self.portal.patients.get(patient_id), tuple(self.portal.waitlist.entries(patient_id)),
                               services, {p.slug: p.name for p in self.portal.catalog.providers()})

    @on(WaitlistScreen.Join)
    def _join(self, event: WaitlistScreen.Join) -> None:
        self.join_waitlist(event.entry)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def join_waitlist(self, new: NewWaitlistEntry) -> Done:
        """Puts the patient on the waitlist; a freed time that fits is offered to them by email and SMS."""
        self.portal.waitlist.join(new.patient_id, new.services, new.provider, read_date(new.first_day),
                                  read_date(new.last_day))
        return Done(new.patient_id, "Added to the waitlist.", reload=WAITLIST)

    @on(WaitlistScreen.Leave)
    def _leave(self, event: WaitlistScreen.Leave) -> None:
        self.leave_waitlist(event.patient_id, event.entry_id)

    @work(thread=True, group=ACTION, exit_on_error=False)
    def leave_waitlist(self, patient_id: int, entry_id: int) -> Done:
        self.portal.waitlist.leave(entry_id, patient_id=patient_id)
        return Done(patient_id, "Taken off the waitlist.", reload=WAITLIST)

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
