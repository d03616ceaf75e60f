"""Sending email through an SMTP server with the standard library."""

from __future__ import annotations

import smtplib
import ssl as ssl_module

from portalcore.adapters.mail.mime import build_email
from portalcore.domain.errors import ConfigurationError, DeliveryError
from portalcore.domain.outbox import OutgoingMessage


class SmtpMailer:
    """Mailer that opens one SMTP connection per message (the outbox sends in small batches, so pooling buys little).

    ``ssl`` connects with implicit TLS (port 465); ``starttls`` upgrades a plain connection (port 587).
    The Message-ID is derived from the message's idempotency key, so a retried message keeps its id.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        ssl: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._ssl = ssl
        self._timeout = timeout

    def send(self, message: OutgoingMessage) -> str:
        """Hands the email to the server and returns its Message-ID; raises ``DeliveryError``."""
        try:
            mail = build_email(message, self.sender)
        except (ValueError, TypeError) as error:
            # A malformed address or header will be just as malformed on the next attempt.
            raise DeliveryError(f"cannot build email for {message.recipient!r}: {error}", permanent=True) from error
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as error:
            raise _delivery_error(error, f"{self.host}:{self.port}") from error
        try:
            smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as error:
            raise _delivery_error(error, f"{self.host}:{self.port}") from error
        finally:
            _close_quietly(smtp)
        return str(mail["Message-ID"])

    def check_connection(self) -> None:
        """Connects, greets (and logs in when configured) and quits; raises ``ConfigurationError`` when that fails.

        Used at start-up so a wrong host or password shows at once rather than as a pile of failed messages.
        """
        where = f"{self.host}:{self.port}"
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as error:
            raise ConfigurationError(f"SMTP server {where} refused the login: {_reply(error)}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise ConfigurationError(f"cannot reach SMTP server {where}: {_describe(error)}") from None
        _close_quietly(smtp)

    def _connect(self) -> smtplib.SMTP:
        context = ssl_module.create_default_context() if (self._ssl or self._starttls) else None
        if self._ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        try:
            smtp.ehlo()
            if self._starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self._username:
                smtp.login(self._username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _delivery_error(error: BaseException, where: str) -> DeliveryError:
    """Only failures tied to this message are permanent; server trouble and bad settings are worth a retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        details = "; ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in error.recipients.items())
        return DeliveryError(f"SMTP server {where} refused the recipient ({details})", permanent=permanent)
    if isinstance(error, smtplib.SMTPDataError):
        # 5xx after DATA means this message was rejected (size, content); 4xx is "later".
        permanent = 500 <= error.smtp_code < 600
        return DeliveryError(f"SMTP server {where} rejected the message: {_reply(error)}", permanent=permanent)
    # Sender refused, login failed, greeting refused, timeouts, refused connections: the fix is on
    # our side or the server's, not in the message, so keep it queued.
    return DeliveryError(f"SMTP server {where} failed: {_describe(error)}", permanent=False)


def _close_quietly(smtp: smtplib.SMTP) -> None:
    # The message is already accepted when QUIT runs; a failing QUIT must not turn success into a retry.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error)
    return str(error) or type(error).__name__


def _reply(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
