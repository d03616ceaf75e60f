"""Fixtures shared by every test: a clock, databases (SQLite and PostgreSQL), and a wired Portal."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal, read_clinic_file
from portalcore.settings import Settings
from tests.fakes.memory import RecordingSender
from tests.fakes.smtp_server import RecordingSmtpServer
from tests.fakes.twilio_fake import FakeTwilio

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
NO_POSTGRES = "PostgreSQL tests need PORTAL_TEST_POSTGRES_URL (for example postgresql+psycopg://postgres@127.0.0.1:5432/test)"


@pytest.fixture
def clock() -> FixedClock:
    # A Monday morning in New York (EST), well away from DST changes.
    return FixedClock(datetime(2026, 11, 16, 14, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or a new schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"t_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        # the extension lives in public, once per database; a schema-local copy would vanish with the schema
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # cheap argon2 parameters: the suite hashes many passwords, and their strength is not what it tests
    return Settings(data_dir=tmp_path / "var", database_url=database_url, base_url="http://portal.test",
                    password_hash_time_cost=1, password_hash_memory_kib=1024)


@pytest.fixture
def mailer() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def sms() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def portal(settings: Settings, clock: FixedClock, mailer: RecordingSender, sms: RecordingSender) -> Iterator[Portal]:
    built = build_portal(settings, clock=clock, mailer=mailer, sms=sms)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def demo_portal(portal: Portal) -> Portal:
    """A portal with the demo clinic loaded."""
    portal.setup.import_clinic(read_clinic_file())
    return portal


@pytest.fixture
def smtp() -> Iterator[RecordingSmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it receives."""
    with RecordingSmtpServer() as server:
        yield server


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """A loopback stand-in for Twilio's Messages API (the region variables would rewrite its host)."""
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    with FakeTwilio() as fake:
        yield fake
