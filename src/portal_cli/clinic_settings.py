"""``portal settings …``: the clinic's switches (booking, cancellation, reminders, portal access), shown and
changed one at a time, named as in the clinic file's ``[clinic.settings]`` table."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from portal_cli.common import JsonOption, emit, opened
from portal_cli.errors import fail, reports_errors
from portalcore.services.clinic.settings import settings_as_file

app = typer.Typer(help="Show and change the clinic's settings (booking, cancellation, reminders, portal).",
                  no_args_is_help=True)


def _lines(values: dict[str, Any]) -> str:
    return "\n".join(f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in values.items())


@app.command()
@reports_errors
def show(as_json: JsonOption = False) -> None:
    """Every setting with its value, as a clinic file writes it (amounts in cents)."""
    with opened() as portal:
        values = settings_as_file(portal.catalog.clinic().settings)
    emit(values, as_json, _lines(values))


@app.command("set")
@reports_errors
def set_(changes: Annotated[list[str], typer.Argument(
            help='NAME=VALUE pairs, e.g. min_notice_minutes=60 reminders=\'["1d", "2h"]\' '
                 "cancellation.fee_cents=2500 password_min_length=none.", show_default=False)],
         as_json: JsonOption = False) -> None:
    """Changes settings, all or none: each value is checked as in a clinic file. Visits already booked keep the
    reminders planned for them."""
    pairs: dict[str, str] = {}
    for change in changes:
        name, sign, value = change.partition("=")
        if not sign or not name.strip():
            raise fail(f"{change!r} is not NAME=VALUE, e.g. min_notice_minutes=60.")
        pairs[name.strip()] = value.strip()
    with opened() as portal:
        before = settings_as_file(portal.catalog.clinic().settings)
        after = settings_as_file(portal.setup.change_settings(pairs).settings)
    differences = {name: value for name, value in after.items() if before[name] != value}
    emit(differences, as_json, _lines(differences) if differences else "Nothing changed.")
