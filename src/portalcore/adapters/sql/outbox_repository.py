"""The transactional outbox in SQL: messages written with the change that causes them, claimed with a lease."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from portalcore.adapters.sql.tables import OutboxRow
from portalcore.domain.outbox import Attachment, Channel, MessageStatus, OutboxEntry, OutgoingMessage


_CHANNEL_LOCKS = {Channel.EMAIL: 7_260_001, Channel.SMS: 7_260_002}  # pg advisory lock keys, one per channel


def _entry(row: OutboxRow) -> OutboxEntry:
    message = OutgoingMessage(
        channel=Channel(row.channel), recipient=row.recipient, idempotency_key=row.idempotency_key,
        subject=row.subject, text=row.text, html=row.html,
        attachments=tuple(Attachment(a["filename"], a["content_type"], base64.b64decode(a["content"]))
                          for a in row.attachments))
    return OutboxEntry(message=message, status=MessageStatus(row.status), attempts=row.attempts,
                       next_attempt_at=row.next_attempt_at, created_at=row.created_at, last_error=row.last_error,
                       provider_id=row.provider_id, sent_at=row.sent_at, id=row.id)


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutgoingMessage, now: datetime) -> bool:
        values = dict(
            idempotency_key=message.idempotency_key, channel=message.channel.value, recipient=message.recipient,
            subject=message.subject, text=message.text, html=message.html,
            attachments=[{"filename": a.filename, "content_type": a.content_type,
                          "content": base64.b64encode(a.content).decode()} for a in message.attachments],
            status=MessageStatus.PENDING.value, attempts=0, next_attempt_at=now, created_at=now,
            last_error="", provider_id="")
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # ON CONFLICT DO NOTHING: a cause that fires twice (a retried request, a re-run job) queues one message.
        statement = insert(OutboxRow).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
        result = self.session.exec(statement)
        return result.rowcount == 1

    def lock_channel(self, channel: Channel) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            # one claimer per channel at a time, so a rate limit holds across workers (SQLite: the write lock)
            self.session.exec(select(func.pg_advisory_xact_lock(_CHANNEL_LOCKS[channel])))

    def started_since(self, channel: Channel, since: datetime) -> int:
        return int(self.session.exec(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.channel == channel.value,
            or_(OutboxRow.status == MessageStatus.SENDING.value,
                and_(OutboxRow.status == MessageStatus.SENT.value, OutboxRow.sent_at >= since)))).one())

    def claim_due(self, now: datetime, limit: int, lease: timedelta, key: str | None = None,
                  channel: Channel | None = None) -> list[OutboxEntry]:
        due = or_(
            and_(OutboxRow.status == MessageStatus.PENDING.value, OutboxRow.next_attempt_at <= now),
            # a dispatcher that died mid-send leaves its lease behind; once it runs out, the message is due again
            and_(OutboxRow.status == MessageStatus.SENDING.value, OutboxRow.lease_until <= now),
        )
        if key is not None:
            due = and_(due, OutboxRow.idempotency_key == key)
        if channel is not None:
            due = and_(due, OutboxRow.channel == channel.value)
        rows = self.session.exec(
            select(OutboxRow).where(due).order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit).with_for_update(skip_locked=True)).all()
        for row in rows:
            row.status = MessageStatus.SENDING.value
            row.lease_until = now + lease
            row.attempts += 1
            self.session.add(row)
        self.session.flush()
        return [_entry(row) for row in rows]

    def mark_sent(self, entry_id: int, provider_id: str, now: datetime) -> None:
        self.session.exec(update(OutboxRow).where(OutboxRow.id == entry_id).values(
            status=MessageStatus.SENT.value, provider_id=provider_id[:200], sent_at=now, lease_until=None,
            last_error=""))

    def mark_failed(self, entry_id: int, error: str, status: MessageStatus, next_attempt_at: datetime) -> None:
        self.session.exec(update(OutboxRow).where(OutboxRow.id == entry_id).values(
            status=status.value, last_error=error[:2000], next_attempt_at=next_attempt_at, lease_until=None))

    def entries(self, status: MessageStatus | None = None, limit: int = 100) -> list[OutboxEntry]:
        query = select(OutboxRow)
        if status is not None:
            query = query.where(OutboxRow.status == status.value)
        rows = self.session.exec(query.order_by(OutboxRow.id.desc()).limit(limit)).all()
        return [_entry(r) for r in rows]

    def counts(self) -> dict[MessageStatus, int]:
        counted = {MessageStatus(s): n for s, n in self.session.exec(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()}
        return {s: counted.get(s, 0) for s in MessageStatus}
