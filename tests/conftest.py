"""Fixtures shared by every test: a clock, databases (SQLite and PostgreSQL), and a wired Portal."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal
from portalcore.settings import Settings
from tests.databases import TEMPLATES, DatabaseTemplates, load_demo_clinic
from tests.fakes.memory import RecordingSender
from tests.fakes.smtp_server import RecordingSmtpServer
from tests.fakes.twilio_fake import FakeTwilio

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
NO_POSTGRES = "PostgreSQL tests need PORTAL_TEST_POSTGRES_URL (for example postgresql+psycopg://postgres@127.0.0.1:5432/test)"


@pytest.fixture
def clock() -> FixedClock:
    # A Monday morning in New York (EST), well away from DST changes.
    return FixedClock(datetime(2026, 11, 16, 14, 0, tzinfo=UTC))


@pytest.fixture(scope="session", autouse=True)
def database_templates() -> Iterator[DatabaseTemplates]:
    """The migrated and demo-clinic templates the test databases are copied from (``tests/databases.py``)."""
    try:
        yield TEMPLATES
    finally:
        TEMPLATES.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 database_templates: DatabaseTemplates) -> Iterator[str]:
    """A fresh database at the newest schema: a copy of the migrated template as a SQLite file, or the run's
    PostgreSQL database with the template's contents put back."""
    if request.param == "sqlite":
        yield database_templates.sqlite_url(tmp_path / "portal.db")
        return
    yield from _postgres_database(database_templates, empty=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path,
                       database_templates: DatabaseTemplates) -> Iterator[str]:
    """A fresh database with no tables at all, for tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    yield from _postgres_database(database_templates, empty=True)


def _postgres_database(database_templates: DatabaseTemplates, *, empty: bool) -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    server = database_templates.postgres(POSTGRES_URL)
    url = server.empty() if empty else server.migrated()
    try:
        yield url
    finally:
        server.release(url)


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
    """A portal with the demo clinic loaded (copied from a template: the same rows a fresh import writes)."""
    load_demo_clinic(portal)
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
