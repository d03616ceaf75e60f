"""``portal jobs …``: what the worker has to do at a time (reminders, aftercare, access ending), and a second
chance for a job that failed too often."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from portal_cli.common import JsonOption, emit, opened
from portal_cli.errors import reports_errors
from portalcore.domain.timed_events import JobState
from portalcore.services.visits.timed_events import JobLine

app = typer.Typer(help="Timed jobs: reminders, aftercare, review requests, access that ends.", no_args_is_help=True)


def line_data(line: JobLine) -> dict[str, Any]:
    job = line.job
    return {"id": job.id, "kind": job.kind.value, "due_at": line.due_local.isoformat(), "state": job.state.value,
            "attempts": job.attempts, "last_error": job.last_error, "visit_id": job.appointment_id,
            "key": job.key}


def line_text(line: JobLine) -> str:
    job = line.job
    visit = f"visit #{job.appointment_id}" if job.appointment_id is not None else ""
    return (f"#{job.id:<6} {job.kind.value:<22} {line.due_local:%Y-%m-%d %H:%M}  {job.state.value:<9} "
            f"tries {job.attempts:<3} {visit:<13} {job.last_error[:60]}").rstrip()


@app.command("list")
@reports_errors
def list_jobs(state: Annotated[JobState | None, typer.Option(help="Only jobs in this state.")] = None,
              visit: Annotated[int | None, typer.Option(help="Only the jobs of this visit.", min=1)] = None,
              limit: Annotated[int, typer.Option(min=1, max=10000)] = 200, as_json: JsonOption = False) -> None:
    """Timed jobs, the soonest due first, with their due time on the clinic's clock, state, tries and last
    error."""
    with opened() as portal:
        lines = portal.jobs.entries(state, visit, limit)
    emit([line_data(line) for line in lines], as_json, "\n".join(line_text(line) for line in lines) or "No jobs.")


@app.command()
@reports_errors
def retry(job_id: Annotated[int, typer.Argument(help="The job's number (see `portal jobs list`).", min=1)],
          as_json: JsonOption = False) -> None:
    """Gives a dead job (one that failed too often) a fresh series of tries at the worker's next round."""
    with opened() as portal:
        job = portal.jobs.retry(job_id)
    emit({"id": job.id, "state": job.state.value}, as_json,
         f"Job #{job.id} ({job.kind.value}) will run at the worker's next round.")
