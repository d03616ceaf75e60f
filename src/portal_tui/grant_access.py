"""The "Give someone access" form of an opened patient: a carer or parent who may act for them in the portal."""

from __future__ import annotations

import attrs
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from portalcore.domain.patients import Patient


@attrs.frozen
class NewGrant:
    """What was typed, as typed: the core checks it (email, the date, that the person has no access yet)."""

    patient_id: int
    email: str
    first_name: str
    last_name: str
    relationship: str
    visits_and_forms_only: bool
    last_day: str  # YYYY-MM-DD or empty (no end)


class GrantAccessScreen(ModalScreen[NewGrant | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, patient: Patient) -> None:
        super().__init__()
        self._patient = patient

    def compose(self) -> ComposeResult:
        with Vertical(id="grant-access-dialog", classes="dialog"):
            yield Static(f"Give someone access to {self._patient.full_name}'s portal", classes="title", markup=False)
            with Horizontal(classes="row"):
                yield Input(placeholder="Their email", id="grant-email")
                yield Input(placeholder="Relationship, e.g. parent", id="grant-relationship")
            with Horizontal(classes="row"):
                yield Input(placeholder="First name", id="grant-first-name")
                yield Input(placeholder="Last name", id="grant-last-name")
            with Horizontal(classes="row"):
                yield Input(placeholder="Last day, YYYY-MM-DD (optional)", id="grant-last-day")
                yield Checkbox("Appointments and forms only", id="grant-limited")
            with Horizontal(classes="buttons"):
                yield Button("Give access", id="grant", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#grant-email", Input).focus()

    def _text(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    @on(Button.Pressed, "#grant")
    @on(Input.Submitted)
    def _grant(self) -> None:
        self.dismiss(NewGrant(self._patient.id or 0, self._text("grant-email"), self._text("grant-first-name"),
                              self._text("grant-last-name"), self._text("grant-relationship"),
                              self.query_one("#grant-limited", Checkbox).value, self._text("grant-last-day")))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
