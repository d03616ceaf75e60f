"""Bring a database to the newest schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from portalcore.domain.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Applies every migration not yet applied; safe to run on every start."""
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as error:
        raise ConfigurationError(f"cannot open the database: {error.orig}") from None


def pending(engine: Engine) -> list[str]:
    """Revisions the database still lacks (empty when it is up to date)."""
    script = ScriptDirectory.from_config(_config())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = script.get_revisions("heads")
    missing = []
    for head in heads:
        for revision in script.iterate_revisions(head.revision, "base"):
            if revision.revision in current:
                break
            missing.append(revision.revision)
    return missing
