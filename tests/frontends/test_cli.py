"""The admin CLI as an admin uses it: set up, inspect, and clear errors with exit code 2."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_cli.main import app
from portalcore.bootstrap import build_portal
from portalcore.settings import load_settings

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray portal.toml from the developer's checkout
    return {"PORTAL_DATA_DIR": str(tmp_path / "var"), "PORTAL_DATABASE_URL": database_url}


def test_init_demo_twice_loads_the_clinic_once(env: dict[str, str]) -> None:
    first = runner.invoke(app, ["init", "--demo", "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["patients_added"] == 5
    second = runner.invoke(app, ["init", "--demo", "--json"], env=env)
    assert second.exit_code == 0, second.output
    report = json.loads(second.output)
    assert (report["clinic"], report["services"]) == ("Lumen Aesthetics & Med Spa", 11)
    assert (report["patients_added"], report["appointments_added"]) == (0, 0)


def test_init_without_demo_only_prepares_the_database(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["init"], env=env)
    assert result.exit_code == 0
    assert "Database is ready" in result.output


def test_unknown_database_scheme_is_one_line_and_exit_code_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"], env={"PORTAL_DATABASE_URL": "mysql://root@localhost/portal"})
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "unknown scheme 'mysql'" in result.output
    assert "Traceback" not in result.output


def test_unreachable_smtp_server_stops_the_worker_with_exit_code_2(env: dict[str, str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = env | {"PORTAL_MAIL_BACKEND": "smtp", "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port),
                 "PORTAL_SMTP_TIMEOUT": "2"}
    result = runner.invoke(app, ["worker", "--once"], env=env)
    assert result.exit_code == 2
    assert f"127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_serve_on_an_empty_database_says_to_run_init(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["serve", "--port", "8765"], env=env)
    assert result.exit_code == 2
    assert "portal init" in result.output


def test_config_show_masks_secrets(env: dict[str, str]) -> None:
    env = env | {"PORTAL_SECRET_KEY": "a-very-long-session-secret-value"}
    result = runner.invoke(app, ["config", "show", "--json"], env=env)
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert "a-very-long-session-secret" not in result.output
    assert shown["mail_backend"] == "file"


def test_worker_once_delivers_queued_mail_to_the_mailbox(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    # the demo data queues nothing by itself; a staff booking queues a confirmation
    portal = build_portal(load_settings(env))
    try:
        patient = portal.patients.by_email("daniel.kim@example.com")
        assert patient is not None and patient.id is not None
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=60)
        portal.schedule.book(patient_id=patient.id, provider="sofia-bianchi", location="soho",
                             services=["hydrafacial"], start_at=start)
    finally:
        portal.close()
    result = runner.invoke(app, ["worker", "--once", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sent"] == 2  # the confirmation email and SMS
    mails = list((Path(env["PORTAL_DATA_DIR"]) / "mailbox").glob("*.eml"))
    assert len(mails) == 1
    assert "daniel.kim@example.com" in mails[0].read_text()
    listing = json.loads(runner.invoke(app, ["outbox", "list", "--json"], env=env).output)
    assert listing["counts"]["sent"] == 2
    assert "SMS to +17185550133" in (Path(env["PORTAL_DATA_DIR"]) / "sms.log").read_text()
