"""``portal waitlist …``: put a patient on the waitlist, list their entries, take one off."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from portal_cli.common import JsonOption, emit, opened
from portal_cli.errors import reports_errors
from portal_cli.patients import ADMIN
from portalcore.domain.waitlist import WaitlistEntry
from portalcore.services.patients.directory import read_date

app = typer.Typer(help="The waitlist: patients offered a freed time first.", no_args_is_help=True)


def entry_data(entry: WaitlistEntry) -> dict[str, Any]:
    return {"id": entry.id, "patient_id": entry.patient_id, "services": list(entry.services),
            "provider": entry.provider, "first_day": entry.first_day.isoformat(),
            "last_day": entry.last_day.isoformat(), "state": entry.state.value}


def entry_line(entry: WaitlistEntry) -> str:
    return (f"#{entry.id:<5} {', '.join(entry.services):<30} {entry.provider:<20} "
            f"{entry.first_day.isoformat()}..{entry.last_day.isoformat()}  {entry.state.value}")


@app.command()
@reports_errors
def add(patient_id: Annotated[int, typer.Argument(help="The patient's number.", min=1)],
        services: Annotated[list[str], typer.Option("--service", help="A service slug; repeat for a cart.")],
        first_day: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), clinic time.")],
        last_day: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), clinic time.")],
        provider: Annotated[str, typer.Option(help="A provider slug, or any.")] = "any",
        as_json: JsonOption = False) -> None:
    """Puts a patient on the waitlist for a visit in a range of days."""
    with opened() as portal:
        entry = portal.waitlist.join(patient_id, services, provider, read_date(first_day),
                                     read_date(last_day))
    emit(entry_data(entry), as_json, f"On the waitlist: {entry_line(entry)}")


@app.command("list")
@reports_errors
def list_entries(patient_id: Annotated[int, typer.Argument(help="The patient's number.", min=1)],
                 as_json: JsonOption = False) -> None:
    """A patient's waitlist entries."""
    with opened() as portal:
        entries = portal.waitlist.entries(patient_id, actor=ADMIN)
    emit([entry_data(e) for e in entries], as_json, "\n".join(entry_line(e) for e in entries) or "No entries.")


@app.command()
@reports_errors
def remove(entry_id: Annotated[int, typer.Argument(help="The entry's number.", min=1)],
           as_json: JsonOption = False) -> None:
    """Takes an entry off the waitlist."""
    with opened() as portal:
        portal.waitlist.leave(entry_id)
    emit({"removed": entry_id}, as_json, f"Entry #{entry_id} is off the waitlist.")
