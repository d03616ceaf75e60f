"""Counting the SQL statements a piece of work runs: queries per request are a budget, not an accident.

``with counted(portal) as statements: client.get(...)`` collects every statement sent through the portal's
engine (SQLAlchemy's ``before_cursor_execute``), so a test can state a route's budget and fail when a change
adds a query per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from portalcore.bootstrap import Portal


@contextmanager
def counted(portal: Portal) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_connection, _cursor, statement: str, *_rest) -> None:
        statements.append(" ".join(statement.split()))

    engine = portal._engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
