"""The one place where the CLI turns errors into output: one line on stderr and exit code 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from portalcore.domain.errors import PortalError
from portalcore.domain.text import has_control_characters

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str) -> typer.Exit:
    typer.echo(f"portal: {message}", err=True)
    return typer.Exit(code=2)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wraps a command so a ``PortalError`` prints one readable line and exits 2, never a traceback; so does
    an argument holding control characters, refused before the command runs."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for value in _texts((*args, *kwargs.values())):
            if has_control_characters(value):
                raise fail("arguments must not hold control characters (such as NUL); type them again without.")
        try:
            return command(*args, **kwargs)
        except PortalError as error:
            raise fail(str(error)) from None

    return wrapper


def _texts(values: tuple[object, ...]) -> list[str]:
    """The text arguments of a command, those given as a list (repeated options) included."""
    return [item for value in values for item in (value if isinstance(value, list | tuple) else [value])
            if isinstance(item, str)]
