"""Tables of portal access: logins, one-time links, login codes, sessions, second factors, proxies, audit.

Secrets never stored in the clear: link tokens, login codes, session ids and recovery codes are kept as keyed
hashes (HMAC-SHA256 with the clinic's secret key), passwords as argon2id hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from portalcore.adapters.sql.types import UtcDateTime


def _utc(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


class AccountRow(SQLModel, table=True):
    """A login. ``patient_id`` is the person's own record; a carer who is not a patient has none."""

    __tablename__ = "account"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)  # lower-cased
    patient_id: int | None = Field(default=None, foreign_key="patient.id", unique=True)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    password_hash: str = Field(default="", max_length=255)
    email_verified_at: datetime | None = _utc(nullable=True)
    password_changed_at: datetime | None = _utc(nullable=True)
    last_login_at: datetime | None = _utc(nullable=True)
    must_change_password: bool = False
    failed_logins: int = 0
    throttled_until: datetime | None = _utc(nullable=True)
    totp_secret: str = Field(default="", max_length=64)
    totp_last_step: int | None = None
    language: str = Field(default="en", max_length=8)
    created_at: datetime = _utc()


class AccessLinkRow(SQLModel, table=True):
    """A single-use link sent by email: invitation, email verification, password reset, email change."""

    __tablename__ = "access_link"
    __table_args__ = (Index("ix_access_link_patient", "purpose", "patient_id"),
                      Index("ix_access_link_account", "purpose", "account_id"))
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    purpose: str = Field(max_length=20)
    patient_id: int | None = Field(default=None, foreign_key="patient.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")
    email: str = Field(default="", max_length=254)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(nullable=True)
    revoked_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()


class LoginChallengeRow(SQLModel, table=True):
    """One login attempt after the password was right: the code sent for it, its tries and its sends."""

    __tablename__ = "login_challenge"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    method: str = Field(max_length=16)  # email, totp, passkey, sms
    code_hash: str = Field(default="", max_length=64)
    failures: int = 0
    sends: int = 0
    last_sent_at: datetime | None = _utc(nullable=True)
    expires_at: datetime = _utc()
    completed_at: datetime | None = _utc(nullable=True)
    ip: str = Field(default="", max_length=64)
    created_at: datetime = _utc()


class SessionRow(SQLModel, table=True):
    __tablename__ = "portal_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    acting_for: int | None = Field(default=None, foreign_key="patient.id")
    method: str = Field(default="", max_length=16)  # the second step that completed the login
    created_at: datetime = _utc()
    last_seen_at: datetime = _utc()
    expires_at: datetime = _utc()
    reauthenticated_at: datetime | None = _utc(nullable=True)
    ended_at: datetime | None = _utc(nullable=True)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class ThrottleRow(SQLModel, table=True):
    """Failures counted per key (``ip:…``, ``reset:…``) in the database, so every worker sees them."""

    __tablename__ = "throttle"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    failures: int = 0
    window_started_at: datetime = _utc()
    blocked_until: datetime | None = _utc(nullable=True)


class RecoveryCodeRow(SQLModel, table=True):
    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("account_id", "code_hash", name="uq_recovery_code"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()


class PasskeyRow(SQLModel, table=True):
    __tablename__ = "passkey"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    credential_id: bytes = Field(sa_column=Column(LargeBinary(1024), nullable=False, unique=True))
    public_key: bytes = Field(sa_column=Column(LargeBinary(2048), nullable=False))
    sign_count: int = 0
    name: str = Field(default="", max_length=100)
    transports: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()
    last_used_at: datetime | None = _utc(nullable=True)


class ProxyGrantRow(SQLModel, table=True):
    """``account_id`` may act for ``patient_id`` within ``scope`` until it expires or is revoked."""

    __tablename__ = "proxy_grant"
    __table_args__ = (Index("ix_proxy_grant_account", "account_id"), Index("ix_proxy_grant_patient", "patient_id"))
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    patient_id: int = Field(foreign_key="patient.id")
    scope: str = Field(max_length=20)  # all, visits_forms
    relationship: str = Field(default="", max_length=60)
    expires_at: datetime | None = _utc(nullable=True)
    until_majority: bool = False  # the patient is a minor: the grant ends at their 18th birthday unless renewed
    granted_by: str = Field(default="", max_length=120)
    created_at: datetime = _utc()
    revoked_at: datetime | None = _utc(nullable=True)
    revoked_by: str = Field(default="", max_length=120)


class AuditRow(SQLModel, table=True):
    """Append-only (the database refuses UPDATE and DELETE): who did what, for whom, when, from where."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_patient_at", "patient_id", "at"), Index("ix_audit_account_at", "account_id", "at"))
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    action: str = Field(max_length=60)
    account_id: int | None = None  # who did it (no foreign key: the log outlives what it mentions)
    actor: str = Field(default="", max_length=200)  # a readable name: "Nina Patel", "front desk", "system"
    patient_id: int | None = None  # whose data
    as_proxy: bool = False
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str = Field(default="", max_length=64)
