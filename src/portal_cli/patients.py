"""``portal patients …``: find, add (and invite), show, invite, and review likely duplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from portal_cli.common import JsonOption, emit, opened
from portal_cli.errors import reports_errors
from portalcore.domain.patients import Patient
from portalcore.services.access.invitations import PortalState, PortalStatus
from portalcore.services.access.kit import Actor
from portalcore.services.patients.directory import read_date

app = typer.Typer(help="Find, add and invite patients; review likely duplicate profiles.", no_args_is_help=True)

ADMIN = Actor("admin")
PatientId = Annotated[int, typer.Argument(help="The patient's number (see `portal patients find`).", min=1)]
REASONS = {"name_and_birth_date": "Same name and date of birth", "mobile": "Same mobile number"}


def patient_data(patient: Patient) -> dict[str, Any]:
    born = patient.date_of_birth.isoformat() if patient.date_of_birth else None
    return {"id": patient.id, "first_name": patient.first_name, "last_name": patient.last_name,
            "email": patient.email, "mobile": patient.mobile, "date_of_birth": born, "language": patient.language}


def patient_line(patient: Patient) -> str:
    born = patient.date_of_birth.isoformat() if patient.date_of_birth else "-"
    return f"#{patient.id:<5} {patient.full_name:<28} {patient.email or '-':<34} {patient.mobile or '-':<14} {born}"


def moment(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "never"


def status_text(status: PortalStatus) -> str:
    if status.state is PortalState.ACTIVE:
        return f"active ({status.login_email}), last login {moment(status.last_login_at)}"
    if status.state is PortalState.INVITED:
        link = "link still valid" if status.invitation_usable else "link expired or used"
        return f"invited on {moment(status.invited_at)} ({link})"
    return "never invited"


def channels(by_email: bool, by_sms: bool) -> list[str]:
    return [name for name, chosen in (("email", by_email), ("sms", by_sms)) if chosen]


def channels_text(sent: list[str]) -> str:
    return " and ".join(name.replace("sms", "SMS") for name in sent)


@app.command()
@reports_errors
def add(first_name: Annotated[str, typer.Option("--first-name", help="Given name.")],
        last_name: Annotated[str, typer.Option("--last-name", help="Family name.")],
        email: Annotated[str, typer.Option(help="Email address (unique per patient).")] = "",
        mobile: Annotated[str, typer.Option(help="Mobile number, e.g. +12125550143.")] = "",
        dob: Annotated[str, typer.Option("--dob", help="Date of birth, YYYY-MM-DD.")] = "",
        invite_email: Annotated[bool, typer.Option("--invite-email",
                                                   help="Email a link to set up the portal.")] = False,
        invite_sms: Annotated[bool, typer.Option("--invite-sms", help="Text that portal access was sent (or the "
                                                 "link itself when there is no email).")] = False,
        as_json: JsonOption = False) -> None:
    """Add a patient and, with --invite-email/--invite-sms, send portal access in the same step."""
    born = read_date(dob) if dob.strip() else None
    with opened() as portal:
        patient = portal.patients.add(first_name=first_name, last_name=last_name, email=email, mobile=mobile,
                                      date_of_birth=born, invite_by_email=invite_email, invite_by_sms=invite_sms,
                                      actor=ADMIN)
    sent = channels(invite_email, invite_sms)
    emit({"patient": patient_data(patient), "portal_access_sent_by": sent}, as_json,
         f"Added patient #{patient.id} {patient.full_name}"
         + (f"; portal access sent by {channels_text(sent)}." if sent else "."))


@app.command()
@reports_errors
def find(text: Annotated[str, typer.Argument(help="Words of the name, email or phone number.")],
         limit: Annotated[int, typer.Option(min=1, max=1000)] = 50, as_json: JsonOption = False) -> None:
    """Find patients whose name, email or phone contain every word of TEXT."""
    with opened() as portal:
        found = portal.patients.find(text, limit)
    emit([patient_data(p) for p in found], as_json,
         "\n".join(patient_line(p) for p in found) if found else f"No patient matches {text!r}.")


@app.command()
@reports_errors
def show(patient_id: PatientId, as_json: JsonOption = False) -> None:
    """Show a patient's contact details, portal status and proxies (the patient's log lists the view)."""
    with opened() as portal:
        profile = portal.patients.profile(patient_id, actor=ADMIN)
    patient, status, proxies = profile.patient, profile.portal, profile.proxies
    data = patient_data(patient) | {"portal": {"state": status.state.value, "invited_at": status.invited_at,
                                               "invitation_usable": status.invitation_usable,
                                               "last_login_at": status.last_login_at},
                                    "proxies": [{"grant_id": e.grant.id, "name": e.name, "email": e.email,
                                                 "scope": e.grant.scope.value, "active": e.active} for e in proxies]}
    lines = [patient_line(patient), f"portal: {status_text(status)}"]
    lines += [f"proxy #{e.grant.id}: {e.name} <{e.email}> {e.grant.scope.value}"
              f"{'' if e.active else ' (ended)'}" for e in proxies]
    emit(data, as_json, "\n".join(lines))


@app.command()
@reports_errors
def invite(patient_id: PatientId,
           email: Annotated[bool, typer.Option("--email/--no-email", help="Email a set-password link.")] = True,
           sms: Annotated[bool, typer.Option("--sms", help="Also (or, with --no-email, only) send a text.")] = False,
           as_json: JsonOption = False) -> None:
    """Send portal access to an existing patient; any earlier invitation link stops working."""
    with opened() as portal:
        portal.invitations.invite(patient_id, by_email=email, by_sms=sms, actor=ADMIN)
        patient = portal.patients.get(patient_id)
    sent = channels(email, sms)
    emit({"patient_id": patient_id, "portal_access_sent_by": sent}, as_json,
         f"Portal access sent to {patient.full_name} by {channels_text(sent)}; any earlier link no longer works.")


@app.command()
@reports_errors
def duplicates(as_json: JsonOption = False) -> None:
    """List profiles that are likely one person (same name and date of birth, or same mobile)."""
    with opened() as portal:
        groups = portal.patients.duplicates()
    lines: list[str] = []
    for group in groups:
        lines.append(f"{REASONS[group.reason.value]} ({group.shared}):")
        lines += [f"  {patient_line(p)}" for p in group.patients]
    emit([{"reason": g.reason.value, "shared": g.shared, "patients": [patient_data(p) for p in g.patients]}
          for g in groups], as_json, "\n".join(lines) if lines else "No likely duplicates.")
