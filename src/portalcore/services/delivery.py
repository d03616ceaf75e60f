"""Email and SMS: composing messages into the outbox, and the dispatcher that sends them after commit."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from babel.dates import format_date, format_time

from portalcore.domain.errors import DeliveryError
from portalcore.domain.outbox import (
    Attachment, Channel, MessageStatus, OutboxEntry, OutgoingMessage, RetryPolicy,
)
from portalcore.ports import Clock, Mailer, MessageRenderer, SmsSender, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
# Babel locales for messages, as on the web pages: the clinics we serve so far are in the United States.
LOCALES = {"en": "en_US", "es": "es_US"}
ENGLISH_DATE = "EEEE d MMMM y"  # what English messages have always said: "Wednesday 9 December 2026"


def when_text(moment: datetime, time_zone: str, language: str, *, with_zone: bool = False) -> str:
    """A UTC instant as an email or text shows it, in the clinic's zone and the reader's language:
    ``Wednesday 9 December 2026, 2:45 PM`` / ``miércoles, 9 de diciembre de 2026, 2:45 p.m.`` (Babel's full
    date in languages other than English, so each gets its own grammar)."""
    zone = ZoneInfo(time_zone)
    local, locale = moment.astimezone(zone), LOCALES.get(language, language)
    day = format_date(local, ENGLISH_DATE if language == "en" else "full", locale=locale)
    time = format_time(local, "h:mm a zzz" if with_zone else "h:mm a", tzinfo=zone, locale=locale)
    return f"{day}, {time}"


@attrs.frozen
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.dead

    def __bool__(self) -> bool:
        return self.attempted > 0


class MessageComposer:
    """Turns a named template and its context into an ``OutgoingMessage`` (rendered once, when queued)."""

    def __init__(self, renderer: MessageRenderer) -> None:
        self._renderer = renderer

    def email(self, template: str, *, to: str, language: str, context: Mapping[str, Any], key: str,
              attachments: tuple[Attachment, ...] = ()) -> OutgoingMessage:
        subject, text, html = self._renderer.render(template, language, context)
        return OutgoingMessage(Channel.EMAIL, to, key, subject=subject, text=text, html=html,
                               attachments=attachments)

    def sms(self, template: str, *, to: str, language: str, context: Mapping[str, Any], key: str) -> OutgoingMessage:
        _subject, text, _html = self._renderer.render(template, language, context)
        return OutgoingMessage(Channel.SMS, to, key, text=text.strip())


class OutboxDispatcher:
    """Sends due outbox messages with retries, backoff and a dead letter; safe to run in several workers.

    A message is claimed under a lease in one short transaction, sent outside any transaction, and marked in
    another, so a slow mail server never holds a database lock and a crashed worker's claim runs out.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, mailer: Mailer, sms: SmsSender, *,
                 retry: RetryPolicy = RetryPolicy(), batch_size: int = 50, lease: timedelta = timedelta(minutes=5),
                 rng: random.Random | None = None, per_minute: Mapping[Channel, int] | None = None) -> None:
        self._uow, self._clock, self._retry = uow, clock, retry
        self._senders: dict[Channel, Mailer | SmsSender] = {Channel.EMAIL: mailer, Channel.SMS: sms}
        self._batch, self._lease, self._rng = batch_size, lease, rng or random.Random()
        # a provider's sending limit (0: none); what is over it waits for a later round, nothing is dropped
        self._per_minute = {channel: count for channel, count in (per_minute or {}).items() if count > 0}

    def dispatch_due(self) -> DispatchReport:
        """Sends every message due now (one batch at a time) and reports what happened."""
        sent = retrying = dead = 0
        while True:
            claimed = self._claim()
            for entry in claimed:
                outcome = self._send(entry)
                sent += outcome is MessageStatus.SENT
                retrying += outcome is MessageStatus.PENDING
                dead += outcome is MessageStatus.DEAD
            if len(claimed) < self._batch:
                return DispatchReport(sent, retrying, dead)

    def _claim(self) -> list[OutboxEntry]:
        """A batch of due messages; a rate-limited channel contributes at most what its limit still allows."""
        now = self._clock.now()
        with self._uow() as uow:
            if not self._per_minute:
                claimed = uow.outbox.claim_due(now, self._batch, self._lease)
            else:
                claimed = []
                for channel in Channel:
                    room = self._batch - len(claimed)
                    if channel in self._per_minute:
                        uow.outbox.lock_channel(channel)
                        started = uow.outbox.started_since(channel, now - timedelta(minutes=1))
                        room = min(room, self._per_minute[channel] - started)
                    if room > 0:
                        claimed += uow.outbox.claim_due(now, room, self._lease, channel=channel)
            uow.commit()
            return _from_the_clinic(uow, claimed)

    def dispatch_key(self, key: str) -> MessageStatus | None:
        """Sends one queued message right away (a login or phone code should not wait for the worker's next
        round); if that fails it stays in the outbox and the worker retries it. None: not due or already sent."""
        with self._uow() as uow:
            claimed = _from_the_clinic(uow, uow.outbox.claim_due(self._clock.now(), 1, self._lease, key=key))
            uow.commit()
        return self._send(claimed[0]) if claimed else None

    def _send(self, entry: OutboxEntry) -> MessageStatus:
        assert entry.id is not None
        try:
            provider_id = self._senders[entry.message.channel].send(entry.message)
        except DeliveryError as error:
            now = self._clock.now()
            status, next_at = self._retry.after_failure(entry.attempts, now, permanent=error.permanent, rng=self._rng)
            log.warning("outbox %s attempt %s failed (%s): %s", entry.id, entry.attempts, status.value, error)
            with self._uow() as uow:
                uow.outbox.mark_failed(entry.id, str(error), status, next_at)
                uow.commit()
            return status
        with self._uow() as uow:
            uow.outbox.mark_sent(entry.id, provider_id, self._clock.now())
            uow.commit()
        return MessageStatus.SENT


def _from_the_clinic(uow: UnitOfWork, claimed: list[OutboxEntry]) -> list[OutboxEntry]:
    """The claimed messages with the clinic's name as the emails' sender name (the address stays the
    deployment's ``PORTAL_MAIL_FROM``), read when sending so a renamed clinic sends under its new name."""
    if not any(entry.message.channel is Channel.EMAIL for entry in claimed):
        return claimed
    clinic = uow.clinic.get()
    if clinic is None:
        return claimed
    return [attrs.evolve(entry, message=attrs.evolve(entry.message, sender_name=clinic.name))
            if entry.message.channel is Channel.EMAIL else entry for entry in claimed]


class OutboxService:
    """What the admin sees of the outbox."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def entries(self, status: MessageStatus | None = None, limit: int = 100) -> list[OutboxEntry]:
        with self._uow(readonly=True) as uow:
            return uow.outbox.entries(status, limit)

    def counts(self) -> dict[MessageStatus, int]:
        with self._uow(readonly=True) as uow:
            return uow.outbox.counts()
