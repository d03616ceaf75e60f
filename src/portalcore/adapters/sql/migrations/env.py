"""Alembic environment. Run through ``portalcore.adapters.sql.migrate``, which passes the connection in."""

from __future__ import annotations

from importlib import import_module

from alembic import context
from sqlmodel import SQLModel

import_module("portalcore.adapters.sql.tables")  # registers every table on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through portalcore.adapters.sql.migrate (it supplies the connection)")

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
