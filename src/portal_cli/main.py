"""The ``portal`` command. Each command builds the Portal, calls one service and prints the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import attrs
import typer

from portal_cli import access, clinic_settings, jobs, patients, visits, waitlist
from portal_cli.common import JsonOption, emit, open_portal
from portal_cli.errors import reports_errors
from portalcore.bootstrap import build_portal, read_clinic_file
from portalcore.domain.outbox import MessageStatus
from portalcore.settings import Settings, load_settings, remember_base_url

app = typer.Typer(help="Patient portal and online booking for medical spas.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)
outbox_app = typer.Typer(help="Watch the email/SMS outbox.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(outbox_app, name="outbox")
app.add_typer(patients.app, name="patients")
app.add_typer(access.proxies_app, name="proxies")
app.add_typer(waitlist.app, name="waitlist")
app.add_typer(visits.app, name="visits")
app.add_typer(jobs.app, name="jobs")
app.add_typer(clinic_settings.app, name="settings")
app.command("activate")(access.activate)


@app.command()
@reports_errors
def init(demo: Annotated[bool, typer.Option("--demo", help="Load the demo clinic from fixtures/.")] = False,
         clinic: Annotated[Path | None, typer.Option(help="Load a clinic description (TOML).")] = None,
         as_json: JsonOption = False) -> None:
    """Create or upgrade the database and, with --demo or --clinic, load a clinic (safe to run twice)."""
    portal = open_portal()
    try:
        if not demo and clinic is None:
            emit({"database": "ready"}, as_json, "Database is ready.")
            return
        report = portal.setup.import_clinic(read_clinic_file(clinic))
        emit(attrs.asdict(report), as_json,
             f"{report.clinic}: {report.locations} locations, {report.providers} providers, {report.services} "
             f"services; added {report.patients_added} patients and {report.appointments_added} visits.")
    finally:
        portal.close()


@app.command()
@reports_errors
def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
          worker: Annotated[bool, typer.Option(help="Also send queued email/SMS from this process.")] = True,
          access_log: Annotated[bool, typer.Option(help="Log every request (off: a line per request costs "
                                                        "time under load).")] = False) -> None:
    """Serve the patient portal (and, unless --no-worker, dispatch the outbox in the background)."""
    import uvicorn

    from portal_web.app import create_app

    settings = load_settings(served=False)
    if settings.base_url == attrs.fields(Settings).base_url.default:
        # no public address configured: links and the allowed Host header follow where we actually listen, and
        # so do the links of every other process on this data folder (the CLI, the TUI, a worker)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        settings = attrs.evolve(settings, base_url=f"http://{shown_host}:{port}")
        remember_base_url(settings)
    portal = build_portal(settings)
    jobs = None
    try:
        portal.check_outside_services()
        clinic = portal.catalog.clinic()  # refuse to start on an empty database, with the hint to run `portal init`
        typer.echo(f"Serving {clinic.name} on {settings.base_url}  (Ctrl-C to stop)")
        if worker:
            jobs = portal.background_jobs()
            jobs.start()
        uvicorn.run(create_app(portal), host=host, port=port, log_level="info", access_log=access_log)
    finally:
        if jobs:
            jobs.shutdown()
        portal.close()


@app.command()
@reports_errors
def demo(port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
         host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1") -> None:
    """Load the demo clinic (idempotent) and serve the portal."""
    init(demo=True, clinic=None, as_json=False)
    serve(host=host, port=port, worker=True)


@app.command()
@reports_errors
def tui() -> None:
    """Open the front-desk terminal app on today's schedule."""
    from portal_tui.app import make_app

    portal = open_portal()
    try:
        portal.catalog.clinic()
        make_app(portal).run()
    finally:
        portal.close()


@app.command()
@reports_errors
def worker(once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
           as_json: JsonOption = False) -> None:
    """Run what falls due (reminders, aftercare, review requests) and send queued email and SMS (retries
    with backoff) until stopped. On PostgreSQL any number of workers may run side by side."""
    portal = open_portal()
    try:
        portal.check_outside_services()
        if once:
            jobs = portal.timed.run_due()
            report = portal.dispatcher.dispatch_due()
            emit({**attrs.asdict(report), "timed_jobs": attrs.asdict(jobs)}, as_json,
                 f"timed jobs: {jobs.done} done, {jobs.skipped} no longer needed, {jobs.retrying} to retry, "
                 f"{jobs.dead} gave up; messages: sent {report.sent}, will retry {report.retrying}, "
                 f"gave up {report.dead}")
            return
        typer.echo(f"Worker running every {portal.settings.worker_interval_seconds:g}s (Ctrl-C to stop)")
        try:
            portal.background_jobs(blocking=True).start()
        except KeyboardInterrupt:
            pass
    finally:
        portal.close()


@config_app.command("show")
@reports_errors
def config_show(as_json: JsonOption = False) -> None:
    """Print the effective configuration, secrets masked."""
    view = load_settings().public_view()
    emit(view, as_json, "\n".join(f"{k} = {v}" for k, v in view.items()))


@outbox_app.command("list")
@reports_errors
def outbox_list(status: Annotated[MessageStatus | None, typer.Option(help="Only messages in this state.")] = None,
                limit: Annotated[int, typer.Option(min=1, max=10000)] = 50, as_json: JsonOption = False) -> None:
    """List recent outbox messages with their state, attempts and last error."""
    portal = open_portal()
    try:
        entries = portal.outbox.entries(status, limit)
        counts = portal.outbox.counts()
    finally:
        portal.close()
    rows = [{"id": e.id, "channel": e.message.channel.value, "to": e.message.recipient, "status": e.status.value,
             "attempts": e.attempts, "subject": e.message.subject, "next_attempt_at": e.next_attempt_at,
             "sent_at": e.sent_at, "last_error": e.last_error} for e in entries]
    summary = ", ".join(f"{s.value} {n}" for s, n in counts.items())
    lines = [summary] + [f"#{r['id']:<5} {r['status']:<8} {r['channel']:<5} {r['to']:<32} tries {r['attempts']}"
                         f"  {r['subject'] or ''}  {r['last_error'][:60]}" for r in rows]
    emit({"counts": {s.value: n for s, n in counts.items()}, "messages": rows}, as_json, "\n".join(lines))


def run() -> None:
    """Console-script entry point."""
    app()
