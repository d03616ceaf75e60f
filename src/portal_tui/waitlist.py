"""An opened patient's waitlist: the entries, "Add" (services, provider or any, first and last day), "Remove".

The dialogs never call the portal: they show what the app loaded and post what the front desk asked for.
"""

from __future__ import annotations

import attrs
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Select, SelectionList, Static

from portalcore.domain.patients import Patient
from portalcore.domain.waitlist import ANY_PROVIDER, EntryState, WaitlistEntry

COLUMNS = ("Services", "Provider", "Days", "State")


@attrs.frozen
class PatientWaitlist:
    """What the waitlist dialog shows, read in one go by the app: the entries and the names to show them by."""

    patient: Patient
    entries: tuple[WaitlistEntry, ...]
    services: dict[str, str]  # slug -> name, what can be waited for
    providers: dict[str, str]  # slug -> name


@attrs.frozen
class NewWaitlistEntry:
    """What was chosen, the days as typed: the core checks it (the dates, that the provider offers the visit)."""

    patient_id: int
    services: tuple[str, ...]
    provider: str  # a slug or "any"
    first_day: str
    last_day: str


def entry_cells(entry: WaitlistEntry, waitlist: PatientWaitlist) -> tuple[str, ...]:
    provider = "Any provider" if entry.provider == ANY_PROVIDER else waitlist.providers.get(entry.provider,
                                                                                            entry.provider)
    return (", ".join(waitlist.services.get(s, s) for s in entry.services), provider,
            f"{entry.first_day.isoformat()} to {entry.last_day.isoformat()}", entry.state.value.capitalize())


class WaitlistScreen(ModalScreen[None]):
    """``a`` adds an entry, ``r`` takes the highlighted one off the waitlist."""

    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("a", "add", "Add"), Binding("r", "remove", "Remove")]

    class Join(Message):
        def __init__(self, entry: NewWaitlistEntry) -> None:
            super().__init__()
            self.entry = entry

    class Leave(Message):
        def __init__(self, patient_id: int, entry_id: int) -> None:
            super().__init__()
            self.patient_id, self.entry_id = patient_id, entry_id

    waitlist: reactive[PatientWaitlist | None] = reactive(None, init=False)

    def __init__(self, waitlist: PatientWaitlist) -> None:
        super().__init__()
        self.set_reactive(WaitlistScreen.waitlist, waitlist)

    def compose(self) -> ComposeResult:
        with Vertical(id="waitlist-dialog", classes="dialog"):
            yield Static(id="waitlist-title", classes="title", markup=False)
            yield DataTable(id="waitlist-entries", cursor_type="row")
            yield Static(id="waitlist-empty", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Add", id="waitlist-add", variant="primary")
                yield Button("Remove", id="waitlist-remove")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#waitlist-entries", DataTable).add_columns(*COLUMNS)
        self.watch_waitlist(self.waitlist)

    def watch_waitlist(self, waitlist: PatientWaitlist | None) -> None:
        if waitlist is None:
            return
        self.query_one("#waitlist-title", Static).update(f"Waitlist of {waitlist.patient.full_name}")
        table = self.query_one("#waitlist-entries", DataTable)
        table.clear()
        for entry in waitlist.entries:
            table.add_row(*entry_cells(entry, waitlist), key=str(entry.id))
        table.display = bool(waitlist.entries)
        empty = self.query_one("#waitlist-empty", Static)
        empty.display = not waitlist.entries
        empty.update("Not on the waitlist.")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss()

    @on(Button.Pressed, "#waitlist-add")
    def action_add(self) -> None:
        if self.waitlist is not None:
            self.app.push_screen(AddWaitlistScreen(self.waitlist), self._added)

    def _added(self, entry: NewWaitlistEntry | None) -> None:
        if entry is not None:
            self.post_message(self.Join(entry))

    @on(Button.Pressed, "#waitlist-remove")
    def action_remove(self) -> None:
        table = self.query_one("#waitlist-entries", DataTable)
        if self.waitlist is None or not self.waitlist.entries:
            return
        entry = self.waitlist.entries[table.cursor_row]
        if entry.state is not EntryState.WAITING:
            self.notify("Only an entry still waiting can be removed.", severity="warning", markup=False)
        elif entry.id is not None and self.waitlist.patient.id is not None:
            self.post_message(self.Leave(self.waitlist.patient.id, entry.id))


class AddWaitlistScreen(ModalScreen[NewWaitlistEntry | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, waitlist: PatientWaitlist) -> None:
        super().__init__()
        self._waitlist = waitlist

    def compose(self) -> ComposeResult:
        providers = [("Any provider", ANY_PROVIDER)] + [(name, slug) for slug, name in
                                                         self._waitlist.providers.items()]
        with Vertical(id="add-waitlist-dialog", classes="dialog"):
            yield Static(f"Put {self._waitlist.patient.full_name} on the waitlist", classes="title", markup=False)
            yield SelectionList[str](*((name, slug) for slug, name in self._waitlist.services.items()),
                                     id="waitlist-services")
            yield Select(providers, value=ANY_PROVIDER, allow_blank=False, id="waitlist-provider")
            with Horizontal(classes="row"):
                yield Input(placeholder="First day, YYYY-MM-DD", id="waitlist-first-day")
                yield Input(placeholder="Last day, YYYY-MM-DD", id="waitlist-last-day")
            with Horizontal(classes="buttons"):
                yield Button("Add to waitlist", id="waitlist-save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        services = self.query_one("#waitlist-services", SelectionList)
        services.border_title = "Services (space to choose)"
        services.focus()

    @on(Button.Pressed, "#waitlist-save")
    @on(Input.Submitted)
    def _save(self) -> None:
        provider = self.query_one("#waitlist-provider", Select).value
        self.dismiss(NewWaitlistEntry(
            self._waitlist.patient.id or 0, tuple(self.query_one("#waitlist-services", SelectionList).selected),
            provider if isinstance(provider, str) else ANY_PROVIDER,
            self.query_one("#waitlist-first-day", Input).value, self.query_one("#waitlist-last-day", Input).value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
