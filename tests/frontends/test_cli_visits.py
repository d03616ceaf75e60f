"""``portal visits`` from the command line: the day's list, moving and cancelling a visit, one-line errors."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

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


def visits_on(env: dict[str, str], *day: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["visits", "list", *(("--day", day[0]) if day else ()), "--json"], env=env)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def test_the_front_desk_lists_moves_and_cancels_visits(env: dict[str, str]) -> None:
    [lucia] = visits_on(env)  # today at the clinic: her microneedling at 4 PM
    assert (lucia["patient"], lucia["start"][11:16], lucia["status"]) == ("Lucía Fernández", "16:00", "booked")
    week_later = (date.fromisoformat(lucia["start"][:10]) + timedelta(days=7)).isoformat()
    [olivia] = visits_on(env, week_later)
    assert (olivia["patient"], olivia["start"][11:16]) == ("Olivia Martinez", "11:00")

    monday = date.fromisoformat(week_later) + timedelta(days=7 - date.fromisoformat(week_later).weekday())
    moved = runner.invoke(app, ["visits", "reschedule", str(olivia["id"]), "--to", f"{monday} 14:30"], env=env)
    assert moved.exit_code == 0, moved.output  # Sofia works at SoHo on Mondays (the demo books on any weekday)
    assert f"now starts {monday} 14:30" in moved.output
    [olivia] = visits_on(env, monday.isoformat())
    start, end = datetime.fromisoformat(olivia["start"]), datetime.fromisoformat(olivia["end"])
    assert (start.hour, start.minute, end - start) == (14, 30, timedelta(minutes=45))  # the visit kept its length

    skipped = runner.invoke(app, ["visits", "reschedule", str(olivia["id"]), "--to", "2027-03-14 02:30"], env=env)
    assert skipped.exit_code == 2
    assert skipped.output.strip() == ("portal: 2027-03-14 02:30 does not exist in America/New_York (the clocks skip "
                                      "that hour); please choose another time.")
    assert visits_on(env, monday.isoformat())[0]["start"] == olivia["start"]

    late = runner.invoke(app, ["visits", "cancel", str(lucia["id"])], env=env)
    assert late.exit_code == 0, late.output
    assert "fee 50.00 USD owed" in late.output  # inside 24 hours, and no card on file
    waived = runner.invoke(app, ["visits", "cancel", str(olivia["id"]), "--waive-fee", "--json"], env=env)
    assert json.loads(waived.stdout)["fee_cents"] == 0
    assert [v["status"] for v in visits_on(env) + visits_on(env, monday.isoformat())] == ["cancelled", "cancelled"]

    again = runner.invoke(app, ["visits", "cancel", str(olivia["id"])], env=env)
    assert again.exit_code == 2
    assert again.output.strip() == "portal: This visit is cancelled, so it cannot be cancelled."
    no_day = runner.invoke(app, ["visits", "list", "--day", "2026-02-30"], env=env)
    assert no_day.exit_code == 2 and "'2026-02-30' is not a date" in no_day.output


@pytest.mark.parametrize("args", [["visits", "list", "--day", "9999-12-31"],
                                  ["visits", "reschedule", "1", "--to", "9999-12-31 23:00"],
                                  ["visits", "reschedule", "1", "--to", "0001-01-01 00:00"]])
def test_days_no_clinic_deals_with_are_one_line_and_exit_code_2(env: dict[str, str], args: list[str]) -> None:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == "portal: That day is outside the days the clinic books online."


def emails_to_olivia(env: dict[str, str]) -> list[str]:
    result = runner.invoke(app, ["outbox", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return [m["subject"] for m in json.loads(result.stdout)["messages"] if m["to"] == "olivia.martinez@example.com"]


def test_a_move_outside_the_providers_hours_is_refused_unless_forced_with_a_reason(env: dict[str, str]) -> None:
    [lucia] = visits_on(env)
    week_later = (date.fromisoformat(lucia["start"][:10]) + timedelta(days=7)).isoformat()
    [olivia] = visits_on(env, week_later)
    mails = emails_to_olivia(env)

    night = runner.invoke(app, ["visits", "reschedule", str(olivia["id"]), "--to", f"{week_later} 03:00"], env=env)
    assert night.exit_code == 2
    assert night.output.strip() == (f"portal: {week_later} 03:00 is outside Sofia Bianchi's working hours at this "
                                    "visit's place; choose a time inside them, or force the move with a reason.")
    assert visits_on(env, week_later)[0]["start"] == olivia["start"] and emails_to_olivia(env) == mails

    forced = runner.invoke(app, ["visits", "reschedule", str(olivia["id"]), "--to", f"{week_later} 07:00",
                                 "--force", "Olivia's night shift; Sofia agreed to come in early"], env=env)
    assert forced.exit_code == 0, forced.output
    assert f"now starts {week_later} 07:00" in forced.output
    assert len(emails_to_olivia(env)) == len(mails) + 1  # the patient is told of the new time
