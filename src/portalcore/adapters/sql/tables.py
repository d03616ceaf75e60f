"""SQLModel tables. One portal database serves one clinic (with any number of locations).

The schema is owned by the Alembic migrations in ``migrations/``; these classes must match them
(``tests/integration/test_migrations.py`` compares the two).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portalcore.adapters.sql.types import UtcDateTime


def _utc(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


def _json(default: Any) -> Any:
    return Field(default_factory=lambda: default.copy(), sa_column=Column(JSON, nullable=False))


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False))


class ClinicRow(SQLModel, table=True):
    __tablename__ = "clinic"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    name: str = Field(max_length=200)
    time_zone: str = Field(max_length=64)
    currency: str = Field(default="USD", max_length=3)
    language: str = Field(default="en", max_length=8)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    settings: dict[str, Any] = _json({})


class LocationRow(SQLModel, table=True):
    __tablename__ = "location"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=400)
    phone: str = Field(default="", max_length=32)


class ProviderRow(SQLModel, table=True):
    __tablename__ = "provider"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=120)
    email: str = Field(default="", max_length=254)
    active: bool = True
    hours: list[dict[str, Any]] = _json([])
    breaks: list[dict[str, Any]] = _json([])


class TimeOffRow(SQLModel, table=True):
    __tablename__ = "provider_time_off"
    __table_args__ = (Index("ix_time_off_provider_start", "provider_id", "start_at"),)
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", ondelete="CASCADE")
    start_at: datetime = _utc()
    end_at: datetime = _utc()
    reason: str = Field(default="", max_length=200)


class CategoryRow(SQLModel, table=True):
    __tablename__ = "service_category"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    name: str = Field(max_length=120)
    position: int = 0


class ServiceRow(SQLModel, table=True):
    __tablename__ = "service"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    category_id: int = Field(foreign_key="service_category.id")
    name: str = Field(max_length=200)
    description: str = _text()
    duration_minutes: int
    buffer_minutes: int = 0
    price_cents: int
    deposit_cents: int = 0
    currency: str = Field(default="USD", max_length=3)
    online: bool = True


class ServiceProviderRow(SQLModel, table=True):
    __tablename__ = "service_provider"
    service_id: int = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    provider_id: int = Field(foreign_key="provider.id", primary_key=True, ondelete="CASCADE")


class FormTemplateRow(SQLModel, table=True):
    __tablename__ = "form_template"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=200)
    body: str = _text()


class ServiceFormRow(SQLModel, table=True):
    __tablename__ = "service_form"
    service_id: int = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    form_id: int = Field(foreign_key="form_template.id", primary_key=True, ondelete="CASCADE")
    position: int = 0


class PatientRow(SQLModel, table=True):
    __tablename__ = "patient"
    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(max_length=120)
    last_name: str = Field(max_length=120)
    # NULL when unknown; unique when present (NULLs do not collide on either database)
    email: str | None = Field(default=None, unique=True, max_length=254)
    mobile: str = Field(default="", max_length=32, index=True)
    date_of_birth: date | None = None
    address: dict[str, Any] = _json({})
    language: str = Field(default="en", max_length=8)
    created_at: datetime = _utc()


class AppointmentRow(SQLModel, table=True):
    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_provider_start", "provider_id", "start_at"),
        Index("ix_appointment_start", "start_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")
    location_id: int = Field(foreign_key="location.id")
    start_at: datetime = _utc()
    end_at: datetime = _utc()
    busy_until: datetime = _utc()
    status: str = Field(default="booked", max_length=16)
    price_cents: int = 0
    created_at: datetime = _utc()


class AppointmentServiceRow(SQLModel, table=True):
    __tablename__ = "appointment_service"
    appointment_id: int = Field(foreign_key="appointment.id", primary_key=True, ondelete="CASCADE")
    position: int = Field(primary_key=True)
    service_id: int = Field(foreign_key="service.id")


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    channel: str = Field(max_length=8)
    recipient: str = Field(max_length=254)
    subject: str = Field(default="", max_length=400)
    text: str = _text()
    html: str = _text()
    attachments: list[dict[str, Any]] = _json([])
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    lease_until: datetime | None = _utc(nullable=True)
    last_error: str = _text()
    provider_id: str = Field(default="", max_length=200)
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(nullable=True)


class SimulatedPaymentRow(SQLModel, table=True):
    """What the simulated payment gateway did (demo only): customers, saved cards, holds, charges, refunds."""

    __tablename__ = "simulated_payment"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_simulated_payment_key"),)
    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)  # customer | card | payment | refund
    idempotency_key: str = Field(max_length=200)
    customer_id: str = Field(default="", max_length=64)
    payment_id: str = Field(default="", max_length=64)
    amount_cents: int = 0
    currency: str = Field(default="USD", max_length=3)
    status: str = Field(default="", max_length=16)
    description: str = Field(default="", max_length=400)
    created_at: datetime = _utc()
