"""A real SMTP server on loopback (aiosmtpd in a thread) that keeps what it receives, for testing mailers."""

from __future__ import annotations

import email
import email.policy
import random
import socket
import threading
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self

import attrs
from aiosmtpd.controller import Controller


@attrs.frozen
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes


def free_port() -> int:
    """A port nothing listens on right now (aiosmtpd cannot use port 0: it connects to its port to check readiness)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RecordingSmtpServer:
    """Accepts mail on 127.0.0.1:``port`` and records it, parsed with the modern email policy.

    ``refuse_next(n)`` answers the next ``n`` DATA commands with ``451 4.3.0 try again later``;
    ``fail_at_random(rate)`` refuses that share of messages; ``reject(address)`` answers RCPT TO for that address with ``550 5.1.1``. Use it as a context manager.
    """

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._lock = threading.Lock()
        self._received: list[ReceivedMail] = []
        self._refusals_left = 0
        self._rejected: set[str] = set()
        self._failure_rate, self._rng = 0.0, random.Random(0)
        self._controller = Controller(self, hostname=self.host, port=self.port)

    @property
    def received(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [mail.message for mail in self.received]

    def refuse_next(self, count: int) -> None:
        with self._lock:
            self._refusals_left = count

    def fail_at_random(self, rate: float, seed: int = 0) -> None:
        """Answers each DATA command with ``451`` with probability ``rate`` (the message is then not accepted)."""
        with self._lock:
            self._failure_rate, self._rng = rate, random.Random(seed)

    def reject(self, address: str) -> None:
        with self._lock:
            self._rejected.add(address.lower())

    def start(self) -> Self:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # aiosmtpd handler hooks; they run on the controller's event loop thread.

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        with self._lock:
            if address.lower() in self._rejected:
                return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content)
        with self._lock:
            if self._refusals_left > 0 or self._rng.random() < self._failure_rate:
                self._refusals_left = max(0, self._refusals_left - 1)
                return "451 4.3.0 try again later"
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self._received.append(ReceivedMail(str(envelope.mail_from), tuple(envelope.rcpt_tos), message, raw))
        return "250 Message accepted for delivery"
