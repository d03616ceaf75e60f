"""``portal waitlist`` from the command line: add, list, remove, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_cli.main import app

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    environment = {"PORTAL_DATA_DIR": str(tmp_path / "var"), "PORTAL_DATABASE_URL": database_url}
    assert runner.invoke(app, ["init", "--demo"], env=environment).exit_code == 0
    return environment


def patient_id(env: dict[str, str]) -> int:
    found = json.loads(runner.invoke(app, ["patients", "find", "daniel.kim", "--json"], env=env).stdout)
    return int(found[0]["id"])


def test_a_patient_is_put_on_listed_on_and_taken_off_the_waitlist(env: dict[str, str]) -> None:
    first = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    last = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    who = str(patient_id(env))
    added = runner.invoke(app, ["waitlist", "add", who, "--service", "hydrafacial", "--from", first, "--to", last,
                                "--json"], env=env)
    assert added.exit_code == 0, added.output
    entry = json.loads(added.stdout)
    assert entry["services"] == ["hydrafacial"] and entry["provider"] == "any" and entry["state"] == "waiting"
    listed = json.loads(runner.invoke(app, ["waitlist", "list", who, "--json"], env=env).stdout)
    assert [e["id"] for e in listed] == [entry["id"]]
    assert runner.invoke(app, ["waitlist", "remove", str(entry["id"])], env=env).exit_code == 0
    listed = json.loads(runner.invoke(app, ["waitlist", "list", who, "--json"], env=env).stdout)
    assert listed[0]["state"] == "left"


@pytest.mark.parametrize(("args", "says"), [
    (["--service", "hydrafacial", "--from", "next week", "--to", "2030-01-01"], "not a date"),
    (["--service", "no-such-thing", "--from", "2030-01-01", "--to", "2030-01-02"], "no service"),
    (["--service", "hydrafacial", "--from", "2030-01-05", "--to", "2030-01-01"], "before the first"),
])
def test_bad_waitlist_input_is_one_line_and_exit_code_2(env: dict[str, str], args: list[str], says: str) -> None:
    result = runner.invoke(app, ["waitlist", "add", str(patient_id(env)), *args], env=env)
    assert result.exit_code == 2
    assert says in result.output and len(result.output.strip().splitlines()) == 1
