"""The patient search panel: a text box and the patients that match (name, email, mobile)."""

from __future__ import annotations

import attrs
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from portalcore.domain.patients import Patient

COLUMNS = ("Name", "Email", "Mobile")


@attrs.frozen
class PatientMatches:
    """The patients found for one search text."""

    text: str
    patients: tuple[Patient, ...]


class PatientSearch(Vertical):
    """Asks for a search by posting ``QueryChanged``; shows ``matches`` once the app has found them. Enter or
    down in the box moves to the results; Enter on a result posts ``Opened``."""

    BINDINGS = [Binding("escape", "app.focus_schedule", "Back to schedule"),
                Binding("down", "focus_results", "Results", show=False)]

    class QueryChanged(Message):
        """The search text changed (already stripped; empty means "clear the results")."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Opened(Message):
        """The front desk chose a patient from the results."""

        def __init__(self, patient_id: int) -> None:
            super().__init__()
            self.patient_id = patient_id

    matches: reactive[PatientMatches | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search patients by name, email or phone  (press / )", id="search-input")
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield Static(id="search-empty", markup=False)

    def on_mount(self) -> None:
        self.query_one("#search-results", DataTable).add_columns(*COLUMNS)
        self.watch_matches(None)

    def focus_input(self) -> None:
        self.query_one("#search-input", Input).focus()

    def action_focus_results(self) -> None:
        table = self.query_one("#search-results", DataTable)
        if table.display and table.row_count:
            table.focus()

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_focus_results()

    @on(DataTable.RowSelected, "#search-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Opened(int(event.row_key.value)))

    @on(Input.Changed, "#search-input")
    def _text_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(event.value.strip()))

    def watch_matches(self, matches: PatientMatches | None) -> None:
        table = self.query_one("#search-results", DataTable)
        table.clear()
        patients = matches.patients if matches else ()
        for patient in patients:
            table.add_row(patient.full_name, patient.email, patient.mobile, key=str(patient.id))
        table.display = bool(patients)
        empty = self.query_one("#search-empty", Static)
        empty.display = matches is not None and not patients
        if matches is not None:
            empty.update(f"No patient matches “{matches.text}”.")
