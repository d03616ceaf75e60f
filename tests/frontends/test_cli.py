"""The admin CLI as an admin uses it: set up, inspect, and clear errors with exit code 2."""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from portal_cli.main import app
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, build_portal
from portalcore.domain.errors import InvalidInput
from portalcore.services.records.portal_reads import Who
from portalcore.settings import load_settings
from tests.fakes.memory import RecordingSender
from tests.integration import test_access

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
    sender = message_from_bytes(mails[0].read_bytes(), policy=default)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Lumen Aesthetics & Med Spa", "no-reply@portal.localhost")
    listing = json.loads(runner.invoke(app, ["outbox", "list", "--json"], env=env).output)
    assert listing["counts"]["sent"] == 2
    assert "SMS to +17185550133" in (Path(env["PORTAL_DATA_DIR"]) / "sms.log").read_text()


# Portal access from the command line: patients, invitations, "Activate Now", proxies, likely duplicates


def cli(env: dict[str, str], *args: str) -> Any:
    """Runs ``portal ARGS --json`` and returns the parsed output (the command must succeed)."""
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def mailed_links(env: dict[str, str], to: str, path: str) -> list[str]:
    """The tokens of every link starting with ``path`` in the mailbox's emails to ``to``, oldest first."""
    tokens = []
    mails = sorted((Path(env["PORTAL_DATA_DIR"]) / "mailbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    for eml in mails:
        mail = message_from_bytes(eml.read_bytes(), policy=default)
        body = mail.get_body(preferencelist=("plain",))
        if to in str(mail["To"]) and body is not None:
            tokens += re.findall(rf"{re.escape(path)}([\w-]+)", body.get_content())
    return tokens


def portal_for(env: dict[str, str], clock: FixedClock | None = None) -> Portal:
    return build_portal(load_settings(env), clock=clock)


def olivia_id(env: dict[str, str]) -> int:
    [olivia] = cli(env, "patients", "find", "olivia")
    return olivia["id"]


def test_patients_add_with_invite_email_mails_a_link_that_opens_the_set_password_page(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    added = cli(env, "patients", "add", "--first-name", "Nora", "--last-name", "Quinn", "--email", "Nora@Example.com",
                "--mobile", "(212) 555-0199", "--dob", "1990-04-01", "--invite-email")
    assert added["patient"] | {"id": 0} == {"id": 0, "first_name": "Nora", "last_name": "Quinn",
                                             "email": "nora@example.com", "mobile": "+12125550199",
                                             "date_of_birth": "1990-04-01", "language": "en"}
    assert added["portal_access_sent_by"] == ["email"]

    [token] = mailed_links(env, "nora@example.com", "/access/invite/")
    portal = portal_for(env)
    try:
        assert portal.invitations.invitation(token).first_name == "Nora"
    finally:
        portal.close()
    shown = cli(env, "patients", "show", str(added["patient"]["id"]))
    assert shown["portal"]["state"] == "invited" and shown["portal"]["invitation_usable"]


def test_patients_add_without_email_texts_the_link_when_asked(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    result = runner.invoke(app, ["patients", "add", "--first-name", "Nora", "--last-name", "Quinn", "--mobile",
                                 "2125550199", "--invite-sms"], env=env)
    assert result.exit_code == 0, result.output
    assert "portal access sent by SMS" in result.stdout
    log = (Path(env["PORTAL_DATA_DIR"]) / "sms.log").read_text()
    assert "SMS to +12125550199" in log and "/access/invite/" in log


def test_inviting_twice_voids_the_first_link(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    patient = olivia_id(env)
    first = runner.invoke(app, ["patients", "invite", str(patient)], env=env)
    assert first.exit_code == 0, first.output
    assert "Portal access sent to Olivia Martinez by email" in first.stdout
    assert cli(env, "patients", "invite", str(patient))["portal_access_sent_by"] == ["email"]

    old, new = mailed_links(env, "olivia.martinez@example.com", "/access/invite/")
    portal = portal_for(env)
    try:
        with pytest.raises(InvalidInput, match="expired or was already used"):
            portal.invitations.invitation(old)
        assert portal.invitations.invitation(new).first_name == "Olivia"
    finally:
        portal.close()


def test_activate_counts_on_a_dry_run_sends_once_and_a_second_run_sends_nothing(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    dry = cli(env, "activate", "--dry-run")
    assert (dry["candidates"], dry["sent"], dry["skipped"], dry["dry_run"]) == (5, 5, 0, True)
    assert cli(env, "outbox", "list")["messages"] == []  # a dry run queues nothing

    text = runner.invoke(app, ["activate"], env=env)
    assert text.exit_code == 0, text.output
    assert "5 were sent the welcome email" in text.stdout
    queued = cli(env, "outbox", "list")["messages"]
    assert sorted(m["to"] for m in queued) == sorted(p["email"] for p in cli(env, "patients", "find", "example.com"))
    assert {m["status"] for m in queued} == {"pending"}

    again = cli(env, "activate")
    assert (again["sent"], again["skipped"]) == (0, 5)
    assert (cli(env, "activate", "--resend-older-than", "30d")["sent"]) == 0  # invited a moment ago
    assert len(cli(env, "outbox", "list")["messages"]) == 5


def test_activate_resends_only_invitations_older_than_asked(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    long_ago = portal_for(env, FixedClock(datetime.now(UTC) - timedelta(days=40)))
    try:
        assert long_ago.invitations.activate_all().sent == 5
    finally:
        long_ago.close()

    assert cli(env, "activate")["sent"] == 0
    assert cli(env, "activate", "--resend-older-than", "60d")["sent"] == 0
    assert cli(env, "activate", "--resend-older-than", "30d")["sent"] == 5
    assert cli(env, "activate", "--resend-older-than", "30d")["sent"] == 0  # those were just sent


def test_proxies_grant_list_and_revoke(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    patient = olivia_id(env)
    granted = cli(env, "proxies", "grant", str(patient), "--email", "sam.carer@example.com", "--first-name", "Sam",
                  "--last-name", "Carer", "--scope", "visits_forms", "--expires", "2040-01-31",
                  "--relationship", "spouse")
    assert (granted["name"], granted["scope"], granted["relationship"], granted["active"]) == (
        "Sam Carer", "visits_forms", "spouse", True)
    # the last day counts in full, in the clinic's time zone (New York, winter: UTC-5)
    assert datetime.fromisoformat(granted["expires_at"]) == datetime(2040, 2, 1, 5, 0, tzinfo=UTC)
    assert mailed_links(env, "sam.carer@example.com", "/password/reset/")  # a new login chooses a password

    [listed] = cli(env, "proxies", "list", str(patient))
    assert (listed["grant_id"], listed["email"], listed["active"]) == (granted["grant_id"], "sam.carer@example.com",
                                                                       True)
    revoked = runner.invoke(app, ["proxies", "revoke", str(granted["grant_id"])], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert f"Access #{granted['grant_id']} revoked" in revoked.stdout
    [after] = cli(env, "proxies", "list", str(patient))
    assert not after["active"] and after["revoked_at"] is not None
    listing = runner.invoke(app, ["proxies", "list", str(patient)], env=env)
    assert "Sam Carer <sam.carer@example.com> spouse: appointments and forms only" in listing.stdout
    assert "[revoked]" in listing.stdout


def test_patients_duplicates_lists_a_second_profile_of_the_same_person(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    assert cli(env, "patients", "duplicates") == []
    cli(env, "patients", "add", "--first-name", "Lucia", "--last-name", "Fernandez", "--email", "lf@example.org",
        "--dob", "1985-02-19")
    [group] = cli(env, "patients", "duplicates")
    assert group["reason"] == "name_and_birth_date"
    assert [p["email"] for p in group["patients"]] == ["lucia.fernandez@example.com", "lf@example.org"]
    text = runner.invoke(app, ["patients", "duplicates"], env=env).stdout
    assert text.startswith("Same name and date of birth (lucia fernandez 1985-02-19):")


@pytest.mark.parametrize(("args", "says"), [
    (["patients", "add", "--first-name", "Ann", "--last-name", "Lee", "--dob", "1990-02-30"], "YYYY-MM-DD"),
    (["patients", "add", "--first-name", "Ann", "--last-name", "Lee", "--dob", "2999-01-01"], "date of birth"),
    (["patients", "add", "--first-name", "Ann", "--last-name", "Lee", "--invite-email"], "no email address"),
    (["patients", "add", "--first-name", "Ann", "--last-name", "Lee", "--email", "not-an-address"], "not a valid"),
    (["patients", "invite", "999"], "Patient 999 does not exist"),
    (["patients", "invite", "999", "--no-email"], "Choose email, SMS or both"),
    (["activate", "--resend-older-than", "30x"], "e.g. 30d, 12h or 90m"),
    (["activate", "--resend-older-than", "0d"], "above zero"),
    (["proxies", "grant", "1", "--email", "sam@example.com", "--scope", "everything"], "use all or visits_forms"),
    (["proxies", "grant", "1", "--email", "sam@example.com", "--expires", "next week"], "YYYY-MM-DD"),
    (["proxies", "revoke", "999"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_code_2(env: dict[str, str], args: list[str], says: str) -> None:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert result.output.strip().count("\n") == 0
    assert says in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["patients", "find", "oli\x00via"],
                                  ["patients", "add", "--first-name", "Ana\x00", "--last-name", "Ruiz"]])
def test_an_argument_with_a_control_character_is_one_line_and_exit_code_2(env: dict[str, str],
                                                                         args: list[str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "portal: arguments must not hold control characters (such as NUL); type them again without."]


@pytest.mark.parametrize("command", [("patients", "show"), ("proxies", "list"), ("waitlist", "list")])
def test_staff_reads_are_listed_on_the_patients_who_viewed_my_record_log(env: dict[str, str],
                                                                        command: tuple[str, str]) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    shown = runner.invoke(app, [*command, str(olivia_id(env))], env=env)
    assert shown.exit_code == 0, shown.output

    mailer = RecordingSender()
    portal = build_portal(load_settings(env), mailer=mailer)
    try:
        session = portal.login.session(test_access.sign_in(portal, mailer, test_access.activated(portal, mailer)))
        assert session is not None
        log = portal.reads.access_log(session)
    finally:
        portal.close()
    what = {"waitlist": "Viewed the waitlist"}.get(command[0], "Opened the patient's details at the clinic")
    [read] = [e for e in log.entries if e.what == what]
    assert (read.who, read.name) == (Who.CLINIC, "admin")


def test_links_queued_from_the_cli_point_where_portal_serve_listens(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    # serve as `make demo PORT=8150` would, but return at once (no app: its log listener would outlive the runner)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    monkeypatch.setattr("portal_web.app.create_app", lambda portal: None)
    served = runner.invoke(app, ["serve", "--port", "8150", "--no-worker"], env=env)
    assert served.exit_code == 0, served.output
    assert "on http://127.0.0.1:8150" in served.output

    cli(env, "patients", "invite", str(olivia_id(env)))  # another process on the same data folder

    [token] = mailed_links(env, "olivia.martinez@example.com", "http://127.0.0.1:8150/access/invite/")
    assert token
    configured = env | {"PORTAL_BASE_URL": "https://portal.lumen.example"}  # a configured address always wins
    assert cli(configured, "config", "show")["base_url"] == "https://portal.lumen.example"


def test_serve_logs_no_line_per_request_unless_asked(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr("portal_web.app.create_app", lambda portal: None)
    assert runner.invoke(app, ["serve", "--port", "8151", "--no-worker"], env=env).exit_code == 0
    assert runner.invoke(app, ["serve", "--port", "8151", "--no-worker", "--access-log"], env=env).exit_code == 0
    assert [call["access_log"] for call in calls] == [False, True]
