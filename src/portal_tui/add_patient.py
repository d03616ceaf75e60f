"""The "Add patient" form: name, email, mobile, date of birth, and whether to send portal access at once.

It stays open until the app says the patient was added, so a refused field can be fixed without retyping.
"""

from __future__ import annotations

import attrs
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static


@attrs.frozen
class NewPatient:
    """What was typed, as typed: the core checks and normalizes it."""

    first_name: str
    last_name: str
    email: str
    mobile: str
    date_of_birth: str  # YYYY-MM-DD or empty
    invite_by_email: bool
    invite_by_sms: bool


ROWS = ((("first-name", "First name"), ("last-name", "Last name")),
        (("email", "Email"), ("mobile", "Mobile, e.g. (212) 555-0143")),
        (("dob", "Date of birth, YYYY-MM-DD"),))


class AddPatientScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    class Submitted(Message):
        def __init__(self, form: NewPatient) -> None:
            super().__init__()
            self.form = form

    def compose(self) -> ComposeResult:
        with Vertical(id="add-patient-dialog", classes="dialog"):
            yield Static("Add patient", classes="title")
            for row in ROWS:
                with Horizontal(classes="row"):
                    for field_id, placeholder in row:
                        yield Input(placeholder=placeholder, id=field_id)
            with Horizontal(classes="row"):
                yield Checkbox("Portal access by email", id="invite-email")
                yield Checkbox("Portal access by SMS", id="invite-sms")
            with Horizontal(classes="buttons"):
                yield Button("Add", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#first-name", Input).focus()

    def _text(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def _submit(self) -> None:
        self.post_message(self.Submitted(NewPatient(
            self._text("first-name"), self._text("last-name"), self._text("email"), self._text("mobile"),
            self._text("dob"), self.query_one("#invite-email", Checkbox).value,
            self.query_one("#invite-sms", Checkbox).value)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss()
