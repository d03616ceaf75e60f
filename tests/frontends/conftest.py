"""Fixtures for frontend tests: a live uvicorn server over the demo clinic and headless Debian Chromium."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from litestar.testing import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from portal_web import create_app
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal
from portalcore.settings import Settings
from tests.databases import demo_sqlite_url
from tests.fakes.memory import RecordingSender
from tests.fakes.smtp_server import RecordingSmtpServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(portal: Portal, port: int) -> Iterator[str]:
    """The web app over ``portal`` served by uvicorn in a thread on 127.0.0.1:``port``; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(create_app(portal), host="127.0.0.1", port=port, log_level="warning",
                                           ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, name="live-web-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live web server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def mailing_site(tmp_path: Path, smtp: RecordingSmtpServer, host: str = "127.0.0.1") -> Iterator[tuple[Portal, str]]:
    """The demo clinic (copied from its template) served live at ``http://host:port``, mailing through ``smtp``
    (cheap password hashing); yields the portal and its base URL."""
    port, clock = free_port(), FixedClock(datetime(2026, 11, 16, 14, 0, tzinfo=UTC))
    settings = Settings(data_dir=tmp_path, database_url=demo_sqlite_url(tmp_path / "portal.db", clock),
                        base_url=f"http://{host}:{port}", mail_backend="smtp", smtp_host=smtp.host,
                        smtp_port=smtp.port, smtp_timeout=5.0, password_hash_time_cost=1,
                        password_hash_memory_kib=1024)
    portal = build_portal(settings, clock=clock)
    try:
        with serving(portal, port):
            yield portal, settings.base_url
    finally:
        portal.close()


@pytest.fixture
def client(demo_portal: Portal) -> Iterator[TestClient]:
    """Litestar's test client over the demo clinic (no server, no browser)."""
    with TestClient(app=create_app(demo_portal)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo clinic served by uvicorn in a thread; yields its base URL."""
    port, data_dir = free_port(), tmp_path_factory.mktemp("web")
    clock = FixedClock(datetime(2026, 11, 16, 14, 0, tzinfo=UTC))
    settings = Settings(data_dir=data_dir, database_url=demo_sqlite_url(data_dir / "portal.db", clock),
                        base_url=f"http://127.0.0.1:{port}")
    portal = build_portal(settings, clock=clock, mailer=RecordingSender(), sms=RecordingSender())
    try:
        with serving(portal, port) as base_url:
            yield base_url
    finally:
        portal.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()
