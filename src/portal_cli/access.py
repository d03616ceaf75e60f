"""``portal activate`` (invite everyone who never logged in) and ``portal proxies …`` (who may act for whom)."""

from __future__ import annotations

from typing import Annotated, Any

import attrs
import typer

from portal_cli.common import JsonOption, emit, opened, parse_duration
from portal_cli.errors import reports_errors
from portal_cli.patients import ADMIN, PatientId, moment
from portalcore.domain.errors import InvalidInput
from portalcore.domain.proxies import ProxyScope
from portalcore.services.patients.directory import ProxyEntry, read_date

proxies_app = typer.Typer(help="Give a carer or parent access to a patient's portal, list and revoke it.",
                          no_args_is_help=True)
SCOPES = {ProxyScope.ALL: "everything", ProxyScope.VISITS_FORMS: "appointments and forms only"}


@reports_errors
def activate(resend_older_than: Annotated[str, typer.Option(
                 "--resend-older-than", help="Also re-invite those whose last invitation is older than this "
                 "(e.g. 30d, 12h, 90m).")] = "",
             dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count; send nothing.")] = False,
             as_json: JsonOption = False) -> None:
    """Email the portal welcome to every patient who never logged in ("Activate Now").

    Safe to run again: those already invited get nothing unless --resend-older-than says so.
    """
    older = parse_duration(resend_older_than) if resend_older_than.strip() else None
    with opened() as portal:
        run = portal.invitations.activate_all(resend_older_than=older, dry_run=dry_run, actor=ADMIN)
    verb = "would get" if dry_run else "were sent"
    text = (f"{run.candidates} patients with an email never logged in: {run.sent} {verb} the welcome email, "
            f"{run.skipped} skipped (already invited).")
    if run.sent and not dry_run:
        text += " The emails are queued; the worker (`portal worker`, or the one in `portal serve`) delivers them."
    emit(attrs.asdict(run) | {"dry_run": dry_run}, as_json, text)


def grant_data(entry: ProxyEntry) -> dict[str, Any]:
    grant = entry.grant
    return {"grant_id": grant.id, "patient_id": grant.patient_id, "name": entry.name, "email": entry.email,
            "scope": grant.scope.value, "relationship": grant.relationship, "expires_at": grant.expires_at,
            "until_majority": grant.until_majority, "granted_by": grant.granted_by, "revoked_at": grant.revoked_at,
            "active": entry.active}


def grant_line(entry: ProxyEntry) -> str:
    grant = entry.grant
    state = "active" if entry.active else ("revoked" if grant.revoked_at else "ended")
    ends = f", until {moment(grant.expires_at)}" if grant.expires_at else ""
    minor = ", ends at 18" if grant.until_majority else ""
    return (f"#{grant.id:<4} {entry.name} <{entry.email}> {grant.relationship or '-'}: {SCOPES[grant.scope]}"
            f"{ends}{minor} [{state}]")


@proxies_app.command("list")
@reports_errors
def list_grants(patient_id: PatientId, as_json: JsonOption = False) -> None:
    """List everyone given access to a patient's portal (revoked and ended access included)."""
    with opened() as portal:
        entries = portal.patients.proxies(patient_id, actor=ADMIN)
    emit([grant_data(e) for e in entries], as_json,
         "\n".join(grant_line(e) for e in entries) if entries else f"Nobody may act for patient {patient_id}.")


@proxies_app.command()
@reports_errors
def grant(patient_id: PatientId,
          email: Annotated[str, typer.Option(help="The carer's email: their login, created when new.")],
          first_name: Annotated[str, typer.Option("--first-name", help="The carer's given name.")] = "",
          last_name: Annotated[str, typer.Option("--last-name", help="The carer's family name.")] = "",
          scope: Annotated[str, typer.Option(help="all, or visits_forms (appointments and forms only).")] = "all",
          expires: Annotated[str, typer.Option(help="Last day of access, YYYY-MM-DD (clinic time).")] = "",
          relationship: Annotated[str, typer.Option(help="e.g. parent, spouse, carer.")] = "",
          as_json: JsonOption = False) -> None:
    """Let a carer or parent act for a patient; they are emailed (with a link to choose a password if new)."""
    try:
        chosen = ProxyScope(scope.strip().lower())
    except ValueError:
        raise InvalidInput(f"{scope!r} is not a scope; use all or visits_forms.") from None
    last_day = read_date(expires) if expires.strip() else None
    with opened() as portal:
        made = portal.proxies.grant(patient_id, email=email, first_name=first_name, last_name=last_name,
                                    scope=chosen, relationship=relationship, expires_on=last_day, actor=ADMIN)
        entry = next(e for e in portal.patients.proxies(patient_id) if e.grant.id == made.id)
        patient = portal.patients.get(patient_id)
    emit(grant_data(entry), as_json, f"{entry.name} <{entry.email}> may now act for {patient.full_name} "
                                     f"({SCOPES[chosen]}); access #{made.id}. They were emailed.")


@proxies_app.command()
@reports_errors
def revoke(grant_id: Annotated[int, typer.Argument(help="The access number (see `portal proxies list`).", min=1)],
           as_json: JsonOption = False) -> None:
    """End a carer's access at once."""
    with opened() as portal:
        portal.proxies.revoke(grant_id, actor=ADMIN)
    emit({"grant_id": grant_id, "revoked": True}, as_json, f"Access #{grant_id} revoked.")
