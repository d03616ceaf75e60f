"""``portal settings`` from the command line: show the clinic's switches, change some at once (all or none),
one-line errors with exit code 2, and the change seen by the booking rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from portal_cli.main import app
from portalcore.bootstrap import build_portal
from portalcore.settings import Settings

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    environment = {"PORTAL_DATA_DIR": str(tmp_path / "var"), "PORTAL_DATABASE_URL": database_url}
    assert runner.invoke(app, ["init", "--demo"], env=environment).exit_code == 0
    return environment


def shown(env: dict[str, str]) -> dict[str, Any]:
    result = runner.invoke(app, ["settings", "show", "--json"], env=env)
    assert result.exit_code == 0, result.output
    values: dict[str, Any] = json.loads(result.stdout)
    return values


def test_admin_changes_settings_all_or_none(env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    before = shown(env)
    assert before["min_notice_minutes"] == 120 and before["cancellation.fee_cents"] == 5000

    changed = runner.invoke(app, ["settings", "set", "min_notice_minutes=60", 'reminders=["1d", "2h"]',
                                  "cancellation.fee_cents=2500", "quiet_hours=[]", "--json"], env=env)
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout) == {"min_notice_minutes": 60, "reminders": ["1d", "2h"],
                                          "quiet_hours": [], "cancellation.fee_cents": 2500}

    # one bad value refuses the whole command: the good change next to it is not saved either
    for args, message in [
        (["hold_minutes=5", "slot_minutes=7"], "slot_minutes"),
        (["hold_minutes=5", "portal_enabled=yes"], "portal_enabled takes true or false"),
        (["hold_minutes=5", "no_such_thing=1"], "There is no setting 'no_such_thing'"),
        (["hold_minutes=5", 'reminders=["soon"]'], "is not a reminder time"),
        (["hold_minutes"], "is not NAME=VALUE"),
    ]:
        refused = runner.invoke(app, ["settings", "set", *args], env=env)
        assert refused.exit_code == 2, (args, refused.output)
        assert message in refused.stderr and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    after = shown(env)
    assert after["hold_minutes"] == before["hold_minutes"]
    assert after["min_notice_minutes"] == 60 and after["quiet_hours"] == []

    # what the booking and reminder rules read is what was set
    portal = build_portal(Settings(data_dir=tmp_path / "var", database_url=database_url))
    try:
        clinic = portal.catalog.clinic()
    finally:
        portal.close()
    assert clinic.settings.min_notice_minutes == 60 and clinic.settings.cancellation.fee.cents == 2500
    assert clinic.settings.quiet_hours is None
    assert [o.label for o in clinic.settings.visit_timing.reminders] == ["1d", "2h"]
