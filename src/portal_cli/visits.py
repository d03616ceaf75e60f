"""``portal visits …``: the day's visits, and moving or cancelling one for the patient (the front desk's calls)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from portal_cli.common import JsonOption, emit, opened
from portal_cli.errors import reports_errors
from portalcore.services.patients.directory import read_date
from portalcore.services.visits.schedule import ScheduleRow

app = typer.Typer(help="Visits: the day's list, moving one, cancelling one.", no_args_is_help=True)

VisitId = Annotated[int, typer.Argument(help="The visit's number (see `portal visits list`).", min=1)]


def row_data(row: ScheduleRow) -> dict[str, Any]:
    visit = row.appointment
    return {"id": visit.id, "start": row.local_start.isoformat(), "end": row.local_end.isoformat(),
            "patient_id": visit.patient_id, "patient": row.patient_name, "services": list(visit.services),
            "provider": visit.provider, "location": visit.location, "status": visit.status.value}


def row_line(row: ScheduleRow) -> str:
    return (f"#{row.appointment.id:<5} {row.local_start:%H:%M}-{row.local_end:%H:%M}  {row.patient_name:<24} "
            f"{', '.join(row.service_names):<32} {row.provider_name:<20} {row.location_name:<20} "
            f"{row.appointment.status.value}")


@app.command("list")
@reports_errors
def list_visits(day: Annotated[str | None, typer.Option(help="The day (YYYY-MM-DD), clinic time; "
                                                              "today at the clinic when left out.")] = None,
                as_json: JsonOption = False) -> None:
    """Every visit that starts on a clinic day, in start order, cancelled ones included."""
    with opened() as portal:
        wanted = read_date(day) if day is not None else portal.schedule.today()
        rows = portal.schedule.day(wanted)
    emit([row_data(r) for r in rows], as_json,
         "\n".join(row_line(r) for r in rows) or f"No visits on {wanted.isoformat()}.")


@app.command()
@reports_errors
def reschedule(visit_id: VisitId,
               to: Annotated[str, typer.Option("--to", help="The new start, YYYY-MM-DD HH:MM on the clinic's clock.")],
               force: Annotated[str, typer.Option("--force", metavar="REASON", help="Move outside the provider's "
                                                  "working hours; the reason is kept in the audit log.")] = "",
               as_json: JsonOption = False) -> None:
    """Moves a booked visit to a time its provider is free within their working hours (same provider, place and
    services), or outside them with --force REASON; its reminders move with it and the patient is emailed."""
    with opened() as portal:
        moved = portal.visits.reschedule(visit_id, portal.schedule.clinic_time(to), by_patient=False,
                                         force_reason=force, staff="admin")
        zone = ZoneInfo(portal.catalog.clinic().time_zone)
    start = moved.start_at.astimezone(zone)
    emit({"id": moved.id, "start": start.isoformat(), "end": moved.end_at.astimezone(zone).isoformat()}, as_json,
         f"Visit #{moved.id} now starts {start:%Y-%m-%d %H:%M} (clinic time); the patient is emailed.")


@app.command()
@reports_errors
def cancel(visit_id: VisitId,
           waive_fee: Annotated[bool, typer.Option("--waive-fee", help="Charge no late-cancellation fee.")] = False,
           as_json: JsonOption = False) -> None:
    """Cancels a booked visit and frees its time (the waitlist is offered it). Inside the clinic's cancellation
    window the fee is charged to the card on file unless --waive-fee; without a card, or declined, it is owed."""
    with opened() as portal:
        done = portal.visits.cancel(visit_id, by_patient=False, waive_fee=waive_fee)
    terms = done.terms
    charged = f"{terms.to_charge} {'charged' if done.fee_charged else 'owed'}"
    if not terms.fee.cents:
        fee = "no fee"
    elif not terms.deposit_to_fee.cents:
        fee = f"fee {charged}"
    else:
        fee = f"fee {terms.fee}: {terms.deposit_to_fee} paid from the deposit" + (
            f", {charged}" if terms.to_charge.cents else "")
    if terms.deposit_left.cents:
        fee += f"; {terms.deposit_left} of the deposit " + {"refund": "refunded", "wallet": "moved to the wallet"}.get(
            terms.deposit_rule, "kept by the clinic")
    emit({"id": visit_id, "status": done.appointment.status.value, "fee_cents": terms.fee.cents,
          "currency": terms.fee.currency, "fee_charged": done.fee_charged,
          "deposit_to_fee_cents": terms.deposit_to_fee.cents, "charged_or_owed_cents": terms.to_charge.cents,
          "deposit_left_cents": terms.deposit_left.cents, "deposit_rule": terms.deposit_rule,
          "refunded_cents": done.refunded.cents}, as_json, f"Visit #{visit_id} is cancelled; {fee}.")
