"""Mail and SMS adapters against a real loopback SMTP server, a fake Twilio API, the file system and a stream."""

from __future__ import annotations

import email
import email.policy
import io
import re

import attrs
import pytest

from portalcore.adapters.mail.file import FileMailer
from portalcore.adapters.mail.smtp import SmtpMailer
from portalcore.adapters.sms.console import ConsoleSmsSender
from portalcore.adapters.sms.twilio import TwilioSmsSender
from portalcore.domain.errors import ConfigurationError, DeliveryError
from portalcore.domain.outbox import Attachment, Channel, OutgoingMessage
from tests.fakes.smtp_server import RecordingSmtpServer, free_port
from tests.fakes.twilio_fake import FakeTwilio

SENDER = "Lumen Aesthetics <no-reply@lumen.test>"
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//portal//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"UID:appointment-12@portal\r\nSUMMARY:Hydrafacial \xe2\x80\x93 Se\xc3\xb1ora Mu\xc3\xb1oz\r\n"
    b"DTSTART:20260303T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def confirmation(key: str = "appointment:12:confirmation:email", recipient: str = "ann@example.test") -> OutgoingMessage:
    return OutgoingMessage(
        channel=Channel.EMAIL, recipient=recipient, idempotency_key=key,
        subject="Su cita está confirmada", text="Hola, Ann:\nSu cita está confirmada.",
        html="<p>Hola, <b>Ann</b>: su cita está confirmada.</p>",
        attachments=(Attachment("cita.ics", "text/calendar; method=REQUEST", ICS),),
    )


def sms(recipient: str = "+15551230001", key: str = "appointment:12:confirmation:sms") -> OutgoingMessage:
    return OutgoingMessage(channel=Channel.SMS, recipient=recipient, idempotency_key=key,
                           text="Lumen: your appointment is confirmed for Tue 10:00.")


@pytest.fixture
def smtp_server():
    with RecordingSmtpServer() as server:
        yield server


@pytest.fixture
def mailer(smtp_server) -> SmtpMailer:
    return SmtpMailer(smtp_server.host, smtp_server.port, SENDER, timeout=5)


@pytest.fixture
def fake_twilio(monkeypatch):
    # Either variable makes the SDK rewrite the host it talks to.
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio_sender(fake_twilio):
    with TwilioSmsSender(fake_twilio.account_sid, fake_twilio.auth_token, "+15550009999",
                         api_base=fake_twilio.url, timeout=5) as sender:
        yield sender


# SMTP


def test_smtp_mailer_delivers_text_html_and_calendar_attachment_intact(smtp_server, mailer):
    message_id = mailer.send(confirmation())

    [received] = smtp_server.received
    mail = received.message
    assert received.rcpt_tos == ("ann@example.test",)
    assert received.mail_from == "no-reply@lumen.test"
    assert mail["Subject"] == "Su cita está confirmada"
    assert mail["Message-ID"] == message_id
    # On the wire lines end in CRLF; compare the text, not the line ends.
    assert mail.get_body(("plain",)).get_content().splitlines() == ["Hola, Ann:", "Su cita está confirmada."]
    assert "<b>Ann</b>" in mail.get_body(("html",)).get_content()
    [attachment] = mail.iter_attachments()
    assert attachment.get_filename() == "cita.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_payload(decode=True) == ICS


def test_the_email_comes_from_the_clinics_name_at_the_deployments_address(smtp_server, mailer):
    mailer.send(attrs.evolve(confirmation(), sender_name="Clínica Sol & Mar"))

    [received] = smtp_server.received
    sender = received.message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Clínica Sol & Mar", "no-reply@lumen.test")
    assert received.mail_from == "no-reply@lumen.test"


def test_smtp_message_id_is_stable_for_the_same_message_and_differs_between_messages(smtp_server, mailer):
    first = mailer.send(confirmation())
    again = mailer.send(confirmation())
    other = mailer.send(confirmation(key="appointment:13:confirmation:email"))

    assert first == again != other
    assert re.fullmatch(r"<[0-9a-f]{32}@lumen\.test>", first)
    assert [m["Message-ID"] for m in smtp_server.messages] == [first, again, other]


def test_smtp_refused_attempt_is_temporary_and_the_retry_keeps_the_message_id(smtp_server, mailer):
    smtp_server.refuse_next(1)

    with pytest.raises(DeliveryError) as refused:
        mailer.send(confirmation())
    message_id = mailer.send(confirmation())

    assert refused.value.permanent is False
    assert "451" in str(refused.value)
    assert [m["Message-ID"] for m in smtp_server.messages] == [message_id]


def test_smtp_recipient_rejected_with_5xx_is_permanent(smtp_server, mailer):
    smtp_server.reject("gone@example.test")

    with pytest.raises(DeliveryError) as rejected:
        mailer.send(confirmation(recipient="gone@example.test"))

    assert rejected.value.permanent is True
    assert smtp_server.messages == []


def test_smtp_unreachable_server_is_a_temporary_delivery_error():
    mailer = SmtpMailer("127.0.0.1", free_port(), SENDER, timeout=2)

    with pytest.raises(DeliveryError) as failed:
        mailer.send(confirmation())

    assert failed.value.permanent is False


def test_check_connection_passes_against_a_running_server(mailer):
    mailer.check_connection()


def test_check_connection_on_unreachable_port_raises_configuration_error():
    port = free_port()
    mailer = SmtpMailer("127.0.0.1", port, SENDER, timeout=2)

    with pytest.raises(ConfigurationError, match=f"cannot reach SMTP server 127.0.0.1:{port}"):
        mailer.check_connection()


def test_malformed_recipient_is_a_permanent_delivery_error(mailer):
    with pytest.raises(DeliveryError) as failed:
        mailer.send(confirmation(recipient="ann@example.test\r\nBcc: everyone@example.test"))

    assert failed.value.permanent is True


# File mailer


def test_file_mailer_writes_one_readable_eml_per_message(tmp_path):
    mailbox = tmp_path / "var" / "mailbox"
    mailer = FileMailer(mailbox, SENDER)

    first_id = mailer.send(confirmation())
    mailer.send(confirmation(key="appointment:13:confirmation:email"))

    files = sorted(mailbox.iterdir())
    assert len(files) == 2 and all(path.suffix == ".eml" for path in files)
    first = next(path for path in files if path.name.startswith("appointment_12_confirmation_email-"))
    mail = email.message_from_bytes(first.read_bytes(), policy=email.policy.default)
    assert mail["Message-ID"] == first_id
    assert mail["To"] == "ann@example.test"
    assert "Su cita está confirmada." in mail.get_body(("plain",)).get_content()
    assert [part.get_filename() for part in mail.iter_attachments()] == ["cita.ics"]


def test_file_mailer_overwrites_when_the_same_message_is_sent_again(tmp_path):
    mailer = FileMailer(tmp_path, SENDER)

    first = mailer.send(confirmation())
    second = mailer.send(confirmation())

    assert first == second
    assert [path.suffix for path in tmp_path.iterdir()] == [".eml"]


def test_file_mailer_keeps_keys_apart_that_differ_only_in_unsafe_characters(tmp_path):
    mailer = FileMailer(tmp_path, SENDER)

    mailer.send(confirmation(key="a:b"))
    mailer.send(confirmation(key="a/b"))

    assert len(list(tmp_path.glob("*.eml"))) == 2


# Twilio


def test_twilio_sender_sends_the_body_and_returns_the_sid(fake_twilio, twilio_sender):
    sid = twilio_sender.send(sms())

    [sent] = fake_twilio.messages
    assert (sent.to, sent.from_, sent.body) == ("+15551230001", "+15550009999", sms().text)
    assert sid == sent.sid and re.fullmatch(r"SM[0-9a-f]{32}", sid)


def test_twilio_invalid_number_is_a_permanent_delivery_error(fake_twilio, twilio_sender):
    fake_twilio.reject("+15550000000")

    with pytest.raises(DeliveryError) as rejected:
        twilio_sender.send(sms(recipient="+15550000000"))

    assert rejected.value.permanent is True
    assert "21211" in str(rejected.value)
    assert fake_twilio.messages == []


def test_twilio_server_error_is_temporary_and_a_retry_succeeds(fake_twilio, twilio_sender):
    fake_twilio.fail_next(1)

    with pytest.raises(DeliveryError) as failed:
        twilio_sender.send(sms())
    twilio_sender.send(sms())

    assert failed.value.permanent is False
    assert len(fake_twilio.messages) == 1


def test_twilio_wrong_credentials_are_a_temporary_delivery_error(fake_twilio):
    with TwilioSmsSender(fake_twilio.account_sid, "wrong-token", "+15550009999",
                         api_base=fake_twilio.url, timeout=5) as sender:
        with pytest.raises(DeliveryError) as failed:
            sender.send(sms())

    assert failed.value.permanent is False
    assert fake_twilio.messages == []


def test_twilio_unreachable_api_is_a_temporary_delivery_error(monkeypatch):
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    with TwilioSmsSender("AC" + "1" * 32, "token", "+15550009999",
                         api_base=f"http://127.0.0.1:{free_port()}", timeout=2) as sender:
        with pytest.raises(DeliveryError) as failed:
            sender.send(sms())

    assert failed.value.permanent is False


def test_twilio_explicit_api_base_ignores_region_and_edge_variables(monkeypatch, fake_twilio):
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    with TwilioSmsSender(fake_twilio.account_sid, fake_twilio.auth_token, "+15550009999",
                         api_base=fake_twilio.url, timeout=5) as sender:
        sender.send(sms())

    assert len(fake_twilio.messages) == 1


# Console


def test_console_sender_prints_the_sms_and_appends_it_to_the_log(tmp_path):
    stream = io.StringIO()
    log = tmp_path / "logs" / "sms.log"
    sender = ConsoleSmsSender(stream=stream, log_path=log)

    first = sender.send(sms())
    second = sender.send(sms(key="appointment:13:confirmation:sms"))

    line = f"SMS to +15551230001: {sms().text}"
    assert stream.getvalue().splitlines() == [line, line]
    assert log.read_text(encoding="utf-8").splitlines() == [line, line]
    assert first.startswith("console-") and first != second
    assert sender.send(sms()) == first


def test_console_sender_defaults_to_standard_error(capsys):
    ConsoleSmsSender().send(sms())

    assert capsys.readouterr().err == f"SMS to +15551230001: {sms().text}\n"
