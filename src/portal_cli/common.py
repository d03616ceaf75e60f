"""What every command shares: opening the portal, printing text or JSON, and reading durations and dates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

import typer

from portalcore.bootstrap import Portal, build_portal
from portalcore.domain.errors import InvalidInput
from portalcore.settings import load_settings

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def open_portal(**overrides: Any) -> Portal:
    """Settings from the environment / portal.toml, then a wired portal with the schema up to date."""
    return build_portal(load_settings(**overrides))


@contextmanager
def opened() -> Iterator[Portal]:
    """A portal for the length of one command, closed whatever happens."""
    portal = open_portal()
    try:
        yield portal
    finally:
        portal.close()


def emit(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False) if as_json else text)


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h`` or ``90m``; raises ``InvalidInput`` (one line, exit code 2) for anything else."""
    found = re.fullmatch(r"\s*(\d{1,6})\s*([dhm])\s*", text.lower())
    if found is None or int(found.group(1)) == 0:
        raise InvalidInput(f"{text!r} is not a duration; use a whole number of days, hours or minutes above zero, "
                           "e.g. 30d, 12h or 90m.")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
