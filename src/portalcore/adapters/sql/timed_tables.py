"""Tables of what is due later: timed jobs (reminders, post-treatment instructions, review requests) and the
waitlist with the offers a freed time makes.

The database, not the scheduler, is the source of truth: a worker claims due rows under a lease (with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several workers never run one job twice and a restart loses
nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from portalcore.adapters.sql.types import UtcDateTime


def _utc(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable))


class TimedJobRow(SQLModel, table=True):
    __tablename__ = "timed_job"
    __table_args__ = (Index("ix_timed_job_due", "state", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=32)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True, ondelete="CASCADE")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=16)
    due_at: datetime = _utc()
    attempts: int = 0
    lease_until: datetime | None = _utc(nullable=True)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = _utc()
    done_at: datetime | None = _utc(nullable=True)


class WaitlistEntryRow(SQLModel, table=True):
    __tablename__ = "waitlist_entry"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    provider: str = Field(max_length=80)
    first_day: date
    last_day: date = Field(index=True)
    state: str = Field(default="waiting", max_length=16, index=True)
    created_at: datetime = _utc()


class WaitlistOfferRow(SQLModel, table=True):
    __tablename__ = "waitlist_offer"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="waitlist_entry.id", index=True)
    patient_id: int = Field(foreign_key="patient.id")
    token_hash: str = Field(unique=True, max_length=64)
    provider: str = Field(max_length=80)
    location: str = Field(max_length=80)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_at: datetime = _utc()
    expires_at: datetime = _utc()
    state: str = Field(default="open", max_length=16)
    created_at: datetime = _utc()
