"""Messages waiting to leave: what a retry schedule looks like and when a message is given up."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from enum import Enum

import attrs


class Channel(str, Enum):
    EMAIL = "email"
    SMS = "sms"


class MessageStatus(str, Enum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a dispatcher until ``lease_until``
    SENT = "sent"
    DEAD = "dead"  # gave up; an admin can look and retry


@attrs.frozen
class Attachment:
    filename: str
    content_type: str
    content: bytes


@attrs.frozen
class OutgoingMessage:
    """A rendered message, ready to hand to a mailer or SMS sender.

    ``idempotency_key`` names the cause (e.g. ``appointment:12:confirmation:email``); the outbox stores a
    message once per key, so a repeated cause never queues it twice.
    """

    channel: Channel
    recipient: str
    idempotency_key: str
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    # the name the email comes from (the clinic's); not stored: the dispatcher sets it when it sends
    sender_name: str = ""


@attrs.frozen
class OutboxEntry:
    message: OutgoingMessage
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str = ""
    provider_id: str = ""
    sent_at: datetime | None = None
    id: int | None = None


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with full jitter, capped, then dead letter after ``max_attempts``."""

    max_attempts: int = 8
    base_seconds: float = 30.0
    cap_seconds: float = 3600.0

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1 = first failure)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        jitter = (rng or random).uniform(ceiling / 2, ceiling)
        return timedelta(seconds=jitter)

    def after_failure(
        self, attempts: int, now: datetime, *, permanent: bool, rng: random.Random | None = None
    ) -> tuple[MessageStatus, datetime]:
        """Status and next attempt time after a failed attempt number ``attempts``."""
        if permanent or attempts >= self.max_attempts:
            return MessageStatus.DEAD, now
        return MessageStatus.PENDING, now + self.delay(attempts, rng)
