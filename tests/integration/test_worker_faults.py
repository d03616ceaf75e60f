"""Two `portal worker` processes on PostgreSQL deliver 2 000 messages through an SMTP server and a Twilio
stand-in that each refuse 30 % of requests at random: every message arrives exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from portalcore.adapters.clock import SystemClock
from portalcore.adapters.sql.engine import make_engine
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.bootstrap import Portal, build_portal
from portalcore.domain.outbox import Channel, MessageStatus, OutgoingMessage
from portalcore.settings import Settings
from tests.fakes.smtp_server import RecordingSmtpServer
from tests.fakes.twilio_fake import FakeTwilio

EACH = 1000  # emails, and as many texts
FROM = "+12125550100"


def worker_environment(database_url: str, data_dir: Path, smtp: RecordingSmtpServer,
                       twilio: FakeTwilio) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "TWILIO_"))}
    env.update({
        "PORTAL_DATABASE_URL": database_url, "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_MAIL_BACKEND": "smtp", "PORTAL_SMTP_HOST": smtp.host, "PORTAL_SMTP_PORT": str(smtp.port),
        "PORTAL_SMS_BACKEND": "twilio", "PORTAL_TWILIO_ACCOUNT_SID": twilio.account_sid,
        "PORTAL_TWILIO_AUTH_TOKEN": twilio.auth_token, "PORTAL_TWILIO_FROM": FROM,
        "PORTAL_TWILIO_API_BASE": twilio.url,
        # quick retries, and enough of them that 30 % failures never exhaust a message
        "PORTAL_OUTBOX_RETRY_BASE_SECONDS": "0.05", "PORTAL_OUTBOX_MAX_ATTEMPTS": "40",
        "PORTAL_WORKER_INTERVAL_SECONDS": "0.2", "PORTAL_OUTBOX_BATCH_SIZE": "20",
    })
    return env


@pytest.fixture
def portal_on_postgres(database_url: str, tmp_path: Path) -> Iterator[Portal]:
    portal = build_portal(Settings(data_dir=tmp_path / "var", database_url=database_url))
    try:
        yield portal
    finally:
        portal.close()


def queue_messages(database_url: str) -> None:
    engine = make_engine(database_url)
    with SqlUnitOfWork(engine, SystemClock().now) as uow:
        now = SystemClock().now()
        for i in range(EACH):
            uow.outbox.add(OutgoingMessage(Channel.EMAIL, f"patient{i}@example.com", f"fault-test:{i}:email",
                                           subject=f"Message {i}", text=f"Hello number {i}"), now)
            uow.outbox.add(OutgoingMessage(Channel.SMS, f"+1212555{i:04d}", f"fault-test:{i}:sms",
                                           text=f"Text number {i}"), now)
        uow.commit()
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: one worker, as documented
def test_two_workers_deliver_every_message_exactly_once_through_random_failures(
        database_url: str, portal_on_postgres: Portal, tmp_path: Path, smtp: RecordingSmtpServer,
        twilio: FakeTwilio) -> None:
    portal, url = portal_on_postgres, database_url
    queue_messages(url)
    smtp.fail_at_random(0.3, seed=1)
    twilio.fail_at_random(0.3, seed=2)
    env = worker_environment(url, tmp_path / "var", smtp, twilio)
    command = [sys.executable, "-c", "from portal_cli.main import run; run()", "worker"]
    logs = [(tmp_path / f"worker{n}.log").open("wb") for n in range(2)]  # a pipe nobody reads would fill up
    workers = [subprocess.Popen(command, env=env, stdout=log, stderr=log) for log in logs]
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if portal.outbox.counts()[MessageStatus.SENT] == 2 * EACH:
                break
            assert all(w.poll() is None for w in workers), "a worker stopped on its own"
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for log in logs:
            log.close()
    counts = portal.outbox.counts()
    assert counts[MessageStatus.SENT] == 2 * EACH, counts
    emails = Counter(message["Subject"] for message in smtp.messages)
    texts = Counter(sms.body for sms in twilio.messages)
    assert len(emails) == EACH and set(emails.values()) == {1}
    assert len(texts) == EACH and set(texts.values()) == {1}
    refused = twilio.requests - EACH
    assert refused > EACH * 0.2  # the failures really happened (about 30 % of the requests)
    for n in range(2):  # and both workers met some of them: both were sending
        assert b"failed (pending)" in (tmp_path / f"worker{n}.log").read_bytes()
