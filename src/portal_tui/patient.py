"""One patient opened from the search: contact, portal status, proxies, and "Send portal access".

The screens never call the portal: they show what the app loaded and post what the front desk asked for.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import attrs
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

from portal_tui.grant_access import GrantAccessScreen, NewGrant
from portal_tui.schedule import clock_time, long_date
from portalcore.domain.patients import Patient
from portalcore.services.access.invitations import PortalState, PortalStatus
from portalcore.services.patients.directory import ProxyEntry

SCOPES = {"all": "everything", "visits_forms": "appointments and forms"}


@attrs.frozen
class PatientCard:
    """What the patient panel shows, read in one go by the app."""

    patient: Patient
    status: PortalStatus
    proxies: tuple[ProxyEntry, ...]
    zone: ZoneInfo  # the clinic's: times are shown as the front desk lives them


@attrs.frozen
class AccessChoice:
    by_email: bool
    by_sms: bool


def local(at: datetime, zone: ZoneInfo) -> str:
    moment = at.astimezone(zone)
    return f"{long_date(moment.date())}, {clock_time(moment)}"


def contact_text(patient: Patient) -> str:
    born = patient.date_of_birth.isoformat() if patient.date_of_birth else "not given"
    return (f"Email: {patient.email or 'none'}\nMobile: {patient.mobile or 'none'}\nDate of birth: {born}\n"
            f"Language: {patient.language}")


def portal_text(status: PortalStatus, zone: ZoneInfo) -> str:
    if status.state is PortalState.ACTIVE:
        last = local(status.last_login_at, zone) if status.last_login_at else "never"
        return f"Portal: active ({status.login_email})\nLast login: {last}"
    if status.state is PortalState.INVITED and status.invited_at is not None:
        link = "link still valid" if status.invitation_usable else "link expired or used"
        return f"Portal: invited on {local(status.invited_at, zone)} ({link})"
    return "Portal: never invited"


def proxies_text(proxies: tuple[ProxyEntry, ...]) -> str:
    if not proxies:
        return "Proxies: none"
    lines = ["Proxies:"]
    for entry in proxies:
        state = "" if entry.active else " (ended)"
        relation = f", {entry.grant.relationship}" if entry.grant.relationship else ""
        lines.append(f"  {entry.name} <{entry.email}>{relation}: {SCOPES[entry.grant.scope.value]}{state}")
    return "\n".join(lines)


class PatientScreen(ModalScreen[None]):
    """The opened patient. ``s`` (or the button) asks which channels to send portal access by."""

    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("s", "send_access", "Send portal access"),
                Binding("g", "grant_access", "Give someone access"), Binding("w", "waitlist", "Waitlist")]

    class SendAccess(Message):
        """The front desk chose to send portal access to this patient."""

        def __init__(self, patient_id: int, choice: AccessChoice) -> None:
            super().__init__()
            self.patient_id, self.choice = patient_id, choice

    class GrantAccess(Message):
        """The front desk filled in who may act for this patient."""

        def __init__(self, grant: NewGrant) -> None:
            super().__init__()
            self.grant = grant

    class ShowWaitlist(Message):
        """The front desk wants this patient's waitlist entries."""

        def __init__(self, patient_id: int) -> None:
            super().__init__()
            self.patient_id = patient_id

    card: reactive[PatientCard | None] = reactive(None, init=False)

    def __init__(self, card: PatientCard) -> None:
        super().__init__()
        self.set_reactive(PatientScreen.card, card)

    def compose(self) -> ComposeResult:
        with Vertical(id="patient-panel", classes="dialog"):
            yield Static(id="patient-name", markup=False)
            yield Static(id="patient-contact", markup=False)
            yield Static(id="patient-portal", markup=False)
            yield Static(id="patient-proxies", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Send portal access", id="send-access", variant="primary")
                yield Button("Give someone access", id="grant-access")
                yield Button("Waitlist", id="waitlist")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.watch_card(self.card)

    def watch_card(self, card: PatientCard | None) -> None:
        if card is None:
            return
        self.query_one("#patient-name", Static).update(f"{card.patient.full_name}  (#{card.patient.id})")
        self.query_one("#patient-contact", Static).update(contact_text(card.patient))
        self.query_one("#patient-portal", Static).update(portal_text(card.status, card.zone))
        self.query_one("#patient-proxies", Static).update(proxies_text(card.proxies))

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss()

    @on(Button.Pressed, "#send-access")
    def action_send_access(self) -> None:
        if self.card is not None:
            self.app.push_screen(SendAccessScreen(self.card.patient), self._chosen)

    @on(Button.Pressed, "#grant-access")
    def action_grant_access(self) -> None:
        if self.card is not None:
            self.app.push_screen(GrantAccessScreen(self.card.patient), self._granted)

    @on(Button.Pressed, "#waitlist")
    def action_waitlist(self) -> None:
        if self.card is not None and self.card.patient.id is not None:
            self.post_message(self.ShowWaitlist(self.card.patient.id))

    def _granted(self, grant: NewGrant | None) -> None:
        if grant is not None:
            self.post_message(self.GrantAccess(grant))

    def _chosen(self, choice: AccessChoice | None) -> None:
        if choice is not None and self.card is not None and self.card.patient.id is not None:
            self.post_message(self.SendAccess(self.card.patient.id, choice))


class SendAccessScreen(ModalScreen[AccessChoice | None]):
    """Email, SMS or both; sending again voids the earlier link (the core decides, this only asks)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, patient: Patient) -> None:
        super().__init__()
        self._patient = patient

    def compose(self) -> ComposeResult:
        with Vertical(id="send-access-dialog", classes="dialog"):
            yield Static(f"Send portal access to {self._patient.full_name}", markup=False)
            yield Checkbox(f"Email a link to set a password ({self._patient.email or 'no email'})",
                           value=bool(self._patient.email), id="by-email")
            yield Checkbox(f"Text message ({self._patient.mobile or 'no mobile'})", id="by-sms")
            with Horizontal(classes="buttons"):
                yield Button("Send", id="send", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#send")
    def _send(self) -> None:
        self.dismiss(AccessChoice(self.query_one("#by-email", Checkbox).value,
                                  self.query_one("#by-sms", Checkbox).value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
