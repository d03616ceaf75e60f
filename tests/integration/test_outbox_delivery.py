"""The outbox end to end: bookings queue mail and SMS, the dispatcher delivers them over real SMTP and the
Twilio SDK, retrying through outages, and every message arrives exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.bootstrap import Portal, build_portal
from portalcore.domain.outbox import Channel, MessageStatus, OutgoingMessage
from portalcore.settings import Settings
from tests.databases import load_demo_clinic
from tests.fakes.memory import RecordingSender
from tests.fakes.smtp_server import RecordingSmtpServer
from tests.fakes.twilio_fake import FakeTwilio

FIRST_SLOT = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York


@pytest.fixture
def wired(settings: Settings, clock: FixedClock, smtp: RecordingSmtpServer, twilio: FakeTwilio) -> Iterator[Portal]:
    """A demo portal that sends through the real SMTP and Twilio adapters, chosen by settings alone."""
    real = attrs.evolve(settings, mail_backend="smtp", smtp_host=smtp.host, smtp_port=smtp.port, smtp_timeout=5.0,
                        sms_backend="twilio", twilio_account_sid=twilio.account_sid,
                        twilio_auth_token=twilio.auth_token, twilio_from="+12125550100", twilio_api_base=twilio.url,
                        outbox_max_attempts=6)
    portal = build_portal(real, clock=clock)
    load_demo_clinic(portal)
    try:
        yield portal
    finally:
        portal.close()


def book_visits(portal: Portal, count: int) -> None:
    """Books laser visits: each queues a confirmation email, its SMS and the laser preparation email."""
    for i in range(count):
        patient = portal.patients.add(first_name=f"Guest{i}", last_name="Example", email=f"guest{i}@example.com",
                                      mobile=f"+1212555{1000 + i:04d}")
        assert patient.id is not None
        portal.schedule.book(patient_id=patient.id, provider="marco-reyes", location="brooklyn",
                             services=["laser-hair-small"], start_at=FIRST_SLOT + timedelta(minutes=30 * i))


def drain(portal: Portal, clock: FixedClock, rounds: int = 12) -> None:
    """Runs the dispatcher, moving the clock past each backoff, until nothing is left to try."""
    for _ in range(rounds):
        portal.dispatcher.dispatch_due()
        clock.advance(timedelta(hours=2))


def test_every_message_arrives_exactly_once_through_smtp_and_sms_outages(
        wired: Portal, clock: FixedClock, smtp: RecordingSmtpServer, twilio: FakeTwilio) -> None:
    book_visits(wired, 5)
    smtp.refuse_next(3)
    twilio.fail_next(2)

    first = wired.dispatcher.dispatch_due()
    assert first.retrying == 5 and first.sent == 10  # 3 emails + 2 SMS refused, the rest delivered
    drain(wired, clock)

    emails = Counter(mail.message["To"] for mail in smtp.received)
    texts = Counter(sms.to for sms in twilio.messages)
    assert emails == Counter(f"guest{i}@example.com" for i in range(5) for _ in ("confirmation", "preparation"))
    assert texts == Counter(f"+1212555{1000 + i:04d}" for i in range(5))
    confirmations = [mail for mail in smtp.received if "Preparing" not in mail.message["Subject"]]
    assert len(confirmations) == 5
    assert all("Laser Hair Removal" in mail.message.get_body(("plain",)).get_content() for mail in confirmations)
    counts = wired.outbox.counts()
    assert (counts[MessageStatus.SENT], counts[MessageStatus.PENDING], counts[MessageStatus.DEAD]) == (15, 0, 0)


def test_a_retried_email_keeps_its_message_id(wired: Portal, clock: FixedClock, smtp: RecordingSmtpServer) -> None:
    book_visits(wired, 1)
    smtp.refuse_next(1)
    drain(wired, clock)
    [entry] = [e for e in wired.outbox.entries() if e.message.channel.value == "email" and e.attempts == 2]
    assert [mail.message["Message-ID"] for mail in smtp.received].count(entry.provider_id) == 1
    assert len(smtp.received) == 2  # the confirmation and the preparation, each once


def test_a_refused_address_goes_to_the_dead_letter_with_its_reason(
        wired: Portal, clock: FixedClock, smtp: RecordingSmtpServer, twilio: FakeTwilio) -> None:
    smtp.reject("guest0@example.com")
    twilio.reject("+12125551000")
    book_visits(wired, 1)
    drain(wired, clock)
    dead = wired.outbox.entries(MessageStatus.DEAD)
    assert sorted(e.message.channel.value for e in dead) == ["email", "email", "sms"]
    assert all(e.attempts == 1 and e.last_error for e in dead)  # permanent: no pointless retries
    assert smtp.received == [] and twilio.messages == []


def test_a_server_that_stays_down_exhausts_the_attempts(wired: Portal, clock: FixedClock,
                                                         smtp: RecordingSmtpServer) -> None:
    book_visits(wired, 1)
    smtp.refuse_next(100)
    drain(wired, clock)
    emails = [e for e in wired.outbox.entries() if e.message.channel.value == "email"]
    assert [(e.status, e.attempts) for e in emails] == [(MessageStatus.DEAD, 6)] * 2
    assert all("451" in email.last_error for email in emails)


class DyingSender:
    """A sender whose worker process dies mid-send (anything but a DeliveryError escapes the dispatcher)."""

    def send(self, message: object) -> str:
        raise SystemExit("worker killed")


def test_a_crashed_dispatchers_claim_is_picked_up_after_its_lease(
        wired: Portal, clock: FixedClock, smtp: RecordingSmtpServer, twilio: FakeTwilio) -> None:
    book_visits(wired, 1)
    doomed = build_portal(wired.settings, clock=clock, mailer=DyingSender(), sms=DyingSender())
    try:
        with pytest.raises(SystemExit):
            doomed.dispatcher.dispatch_due()
    finally:
        doomed.close()
    assert wired.dispatcher.dispatch_due().attempted == 0  # still leased to the dead worker: nobody touches them
    clock.advance(timedelta(minutes=6))
    assert wired.dispatcher.dispatch_due().sent == 3
    assert (len(smtp.received), len(twilio.messages)) == (2, 1)



def test_a_channel_rate_limit_holds_messages_for_the_next_minute_and_drops_none(
        settings: Settings, clock: FixedClock) -> None:
    texts, emails = RecordingSender(), RecordingSender()
    limited = build_portal(attrs.evolve(settings, outbox_sms_per_minute=3), clock=clock, mailer=emails, sms=texts)
    try:
        with SqlUnitOfWork(limited._engine, clock.now) as uow:
            for i in range(5):
                uow.outbox.add(OutgoingMessage(Channel.SMS, f"+1212555{i:04d}", f"rate:{i}", text=f"text {i}"),
                               clock.now())
            uow.outbox.add(OutgoingMessage(Channel.EMAIL, "rae@example.com", "rate:mail", subject="hi", text="hi"),
                           clock.now())
            uow.commit()
        limited.dispatcher.dispatch_due()
        assert len(texts.sent) == 3 and len(emails.sent) == 1  # email has no limit
        clock.advance(timedelta(seconds=30))
        limited.dispatcher.dispatch_due()
        assert len(texts.sent) == 3  # still inside the same minute
        clock.advance(timedelta(seconds=31))
        limited.dispatcher.dispatch_due()
        assert len(texts.sent) == 5 and len({m.idempotency_key for m in texts.sent}) == 5
    finally:
        limited.close()
