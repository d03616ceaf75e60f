"""SQLModel tables. One portal database serves one clinic (with any number of locations).

The schema is owned by the Alembic migrations in ``migrations/``; these classes must match them
(``tests/integration/test_migrations.py`` compares the two).
"""

from __future__ import annotations

from datetime import date, datetime
from importlib import import_module
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


class CatalogVersionRow(SQLModel, table=True):
    """One row: a random token that every change to the clinic or its catalogue replaces (``catalog_cache``)."""

    __tablename__ = "catalog_version"
    id: int = Field(primary_key=True)
    token: str = Field(max_length=32)


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
    translations: dict[str, Any] = _json({})


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
    translations: dict[str, Any] = _json({})  # language -> field -> text


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
    requires_prior: str = Field(default="", max_length=80)
    translations: dict[str, Any] = _json({})


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
    translations: dict[str, Any] = _json({})


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
        Index("uq_appointment_reference", "reference", unique=True),
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
    # the public handle of a booking (GET /api/v1/bookings/{reference}); unguessable, unlike the id
    reference: str | None = Field(default=None, max_length=32)
    created_at: datetime = _utc()
    confirmed_at: datetime | None = _utc(nullable=True)  # the patient confirmed from a reminder


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


class SlotHoldRow(SQLModel, table=True):
    """A time offered to one patient while they verify their phone and give a card; others do not see it."""

    __tablename__ = "slot_hold"
    __table_args__ = (Index("ix_slot_hold_provider_start", "provider_id", "start_at"),)
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(unique=True, max_length=64)
    provider_id: int = Field(foreign_key="provider.id", ondelete="CASCADE")
    location_id: int = Field(foreign_key="location.id")
    services: list[str] = _json([])
    start_at: datetime = _utc()
    end_at: datetime = _utc()
    busy_until: datetime = _utc()
    expires_at: datetime = _utc(index=True)
    created_at: datetime = _utc()


class CheckoutDraftRow(SQLModel, table=True):
    """What a patient typed while booking a held time, by the hold's token; outlives the hold (see CheckoutDraft)."""

    __tablename__ = "checkout_draft"
    id: int | None = Field(default=None, primary_key=True)
    hold_token: str = Field(unique=True, max_length=64)
    services: list[str] = _json([])
    provider: str = Field(default="", max_length=80)
    first_name: str = Field(default="", max_length=120)
    last_name: str = Field(default="", max_length=120)
    email: str = Field(default="", max_length=254)
    mobile: str = Field(default="", max_length=32)
    phone_token: str = Field(default="", max_length=64)
    reference: str = Field(default="", max_length=32)
    owner: str = Field(default="", max_length=64)
    updated_at: datetime = _utc(index=True)


class PhoneVerificationRow(SQLModel, table=True):
    """A 6-digit code sent by SMS to prove a mobile number; only its hash is kept."""

    __tablename__ = "phone_verification"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(unique=True, max_length=64)
    phone: str = Field(max_length=32, index=True)
    code_hash: str = Field(max_length=128)
    failures: int = 0
    sends: int = 1
    last_sent_at: datetime = _utc()
    expires_at: datetime = _utc()
    verified_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()


class PatientCardRow(SQLModel, table=True):
    """A card kept on file at the payment provider (only its provider ids, brand and last four digits)."""

    __tablename__ = "patient_card"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    customer_id: str = Field(max_length=64)
    payment_method_id: str = Field(max_length=64)
    brand: str = Field(default="", max_length=32)
    last4: str = Field(default="", max_length=4)
    simulated: bool = False
    created_at: datetime = _utc()


class PaymentRow(SQLModel, table=True):
    """Money asked of a patient: a card check, a deposit, a fee; mirrors what the payment provider did."""

    __tablename__ = "payment"
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    kind: str = Field(max_length=16)  # card_check | deposit | cancellation_fee | no_show_fee
    provider_payment_id: str = Field(default="", max_length=64)
    amount_cents: int
    currency: str = Field(default="USD", max_length=3)
    status: str = Field(max_length=16)
    simulated: bool = False
    created_at: datetime = _utc()


class PatientFormRow(SQLModel, table=True):
    """A questionnaire, consent or instruction sheet routed to a patient for one visit."""

    __tablename__ = "patient_form"
    __table_args__ = (UniqueConstraint("appointment_id", "form_id", name="uq_patient_form_visit"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    appointment_id: int = Field(foreign_key="appointment.id", ondelete="CASCADE")
    form_id: int = Field(foreign_key="form_template.id")
    status: str = Field(default="pending", max_length=16)  # pending | completed
    visible_from: datetime = _utc()  # post-treatment instructions appear at the visit's start
    completed_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()



# Portal access lives in its own module; loading it here registers its tables on the same metadata, after the
# tables its foreign keys name, so whoever imports this module sees the whole schema.
import_module("portalcore.adapters.sql.access_tables")
import_module("portalcore.adapters.sql.timed_tables")
