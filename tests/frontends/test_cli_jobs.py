"""``portal jobs`` from the command line: list timed jobs (by state, by visit, as JSON) with their due time on the
clinic's clock, retry a dead one, and one-line errors with exit code 2 for what cannot be retried."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from portal_cli.main import app
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import build_portal
from portalcore.settings import Settings
from tests.fakes.memory import RecordingSender

runner = CliRunner()
VISIT_START = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


class UnreachableTemplates:
    """A renderer that always fails, so the worker's jobs fail too."""

    def render(self, template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        raise RuntimeError("the template store is unreachable")


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    environment = {"PORTAL_DATA_DIR": str(tmp_path / "var"), "PORTAL_DATABASE_URL": database_url}
    assert runner.invoke(app, ["init", "--demo"], env=environment).exit_code == 0
    return environment


def jobs(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["jobs", "list", *args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_dead_reminder_is_listed_with_its_error_and_retried_once(env: dict[str, str], database_url: str,
                                                              tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url, outbox_max_attempts=1)
    clock = FixedClock(VISIT_START - timedelta(days=10))
    portal = build_portal(settings, clock=clock, mailer=RecordingSender(), sms=RecordingSender())
    try:
        patient = portal.patients.add(first_name="Ana", last_name="Ruiz", email="ana@example.com")
        visit = portal.schedule.book(patient_id=patient.id or 0, provider="dr-amara-okafor", location="soho",
                                     services=["neurotoxin"], start_at=VISIT_START)
    finally:
        portal.close()
    failing = build_portal(settings, clock=clock, mailer=RecordingSender(), sms=RecordingSender(),
                           renderer=UnreachableTemplates())
    try:
        clock.at = VISIT_START - timedelta(days=2)  # the two-day reminder falls due and cannot be written
        assert failing.timed.run_due().dead == 1
    finally:
        failing.close()

    [dead] = jobs(env, "--state", "dead")
    assert (dead["kind"], dead["visit_id"], dead["attempts"]) == ("visit_reminder", visit.id, 1)
    assert dead["due_at"] == "2030-01-05T10:00:00-05:00"  # the clinic's clock, not UTC
    assert "template store is unreachable" in dead["last_error"]
    of_visit = jobs(env, "--visit", str(visit.id))
    assert {(j["kind"], j["state"]) for j in of_visit} >= {("visit_reminder", "dead"), ("visit_reminder", "pending")}
    assert jobs(env, "--visit", str((visit.id or 0) + 1)) == []
    shown = runner.invoke(app, ["jobs", "list", "--state", "dead"], env=env)
    assert "visit_reminder" in shown.stdout and "2030-01-05 10:00" in shown.stdout and "unreachable" in shown.stdout

    retried = runner.invoke(app, ["jobs", "retry", str(dead["id"])], env=env)
    assert retried.exit_code == 0, retried.output
    assert f"Job #{dead['id']}" in retried.stdout
    assert jobs(env, "--state", "dead") == []
    [again] = [j for j in jobs(env, "--state", "pending") if j["id"] == dead["id"]]
    assert again["attempts"] == 0

    for args, says in ((["retry", str(dead["id"])], "only a dead job can be retried"),
                       (["retry", "999999"], "no timed job 999999")):
        refused = runner.invoke(app, ["jobs", *args], env=env)
        assert refused.exit_code == 2
        assert says in refused.output and len(refused.output.strip().splitlines()) == 1
