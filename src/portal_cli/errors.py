"""The one place where the CLI turns errors into output: one line on stderr and exit code 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from portalcore.domain.errors import PortalError

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str) -> typer.Exit:
    typer.echo(f"portal: {message}", err=True)
    return typer.Exit(code=2)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wraps a command so a ``PortalError`` prints one readable line and exits 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PortalError as error:
            raise fail(str(error)) from None

    return wrapper
