"""The schedule panel: one table row per visit of a clinic day, or a clear message when the day is empty."""

from __future__ import annotations

from datetime import date, datetime

import attrs
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from portalcore.domain.appointments import AppointmentStatus
from portalcore.services.visits.schedule import ScheduleRow

COLUMNS = ("Time", "Patient", "Services", "Provider", "Location", "Status")
STATUS_STYLES = {AppointmentStatus.BOOKED: "bold", AppointmentStatus.COMPLETED: "green",
                 AppointmentStatus.NO_SHOW: "red", AppointmentStatus.CANCELLED: "dim strike"}


@attrs.frozen
class DaySchedule:
    """What the schedule panel shows: one clinic day and its visits in start order (times in clinic local time)."""

    clinic_name: str
    day: date
    rows: tuple[ScheduleRow, ...]


def long_date(day: date) -> str:
    """``Monday 16 November 2026`` (no zero padding, whatever the platform's strftime supports)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def clock_time(moment: datetime) -> str:
    """``4:00 PM``: the 12-hour clock the front desk reads, independent of the server's locale."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def status_label(status: AppointmentStatus) -> Text:
    return Text(status.value.replace("_", " ").capitalize(), style=STATUS_STYLES.get(status, ""))


def visit_cells(row: ScheduleRow) -> tuple[str | Text, ...]:
    """The table cells of one visit, in ``COLUMNS`` order."""
    return (f"{clock_time(row.local_start)}–{clock_time(row.local_end)}", row.patient_name,
            ", ".join(row.service_names), row.provider_name, row.location_name,
            status_label(row.appointment.status))


class ScheduleTable(DataTable[str | Text]):
    """The visits table; left and right page through the days, as ``[`` and ``]`` do everywhere."""

    BINDINGS = [
        Binding("left", "app.previous_day", "Previous day", show=False),
        Binding("right", "app.next_day", "Next day", show=False),
    ]


class ScheduleView(Vertical):
    """Shows ``schedule`` (set by the app, never loaded here): the visits, or "No appointments" on an empty day."""

    schedule: reactive[DaySchedule | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield ScheduleTable(id="schedule-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="schedule-empty", markup=False)

    def on_mount(self) -> None:
        self.query_one(ScheduleTable).add_columns(*COLUMNS)
        self.query_one("#schedule-empty", Static).display = False

    def watch_schedule(self, schedule: DaySchedule | None) -> None:
        table = self.query_one(ScheduleTable)
        table.clear()
        rows = schedule.rows if schedule else ()
        for row in rows:
            table.add_row(*visit_cells(row), key=str(row.appointment.id))
        empty = self.query_one("#schedule-empty", Static)
        empty.display = schedule is not None and not rows
        if schedule is not None:
            empty.update(f"No appointments on {long_date(schedule.day)}.")
