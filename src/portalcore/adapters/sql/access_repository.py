"""Accounts, one-time links, login challenges, sessions, throttles, proxies and the audit log in SQL.

Rows map to domain types field by field (same names), so mapping is generic: ``_domain(Type, row)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

import attrs
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from portalcore.adapters.sql.access_tables import (
    AccessLinkRow, AccountRow, AuditRow, LoginChallengeRow, ProxyGrantRow, RecoveryCodeRow, SessionRow, ThrottleRow,
)
from portalcore.adapters.sql.access_tables import PasskeyRow
from portalcore.adapters.sql.tables import PatientRow
from portalcore.domain.access import AccessLink, Account, LinkPurpose, LoginChallenge, PortalSession
from portalcore.domain.audit import AuditEvent
from portalcore.domain.errors import Conflict
from portalcore.domain.passkeys import Passkey
from portalcore.domain.proxies import ProxyGrant, ProxyScope

T = TypeVar("T")


def _domain(kind: type[T], row: SQLModel, **overrides: Any) -> T:
    names = {f.name for f in getattr(kind, "__attrs_attrs__")}
    values = {name: getattr(row, name) for name in names if name not in overrides and hasattr(row, name)}
    return kind(**values, **overrides)


def _values(obj: Any, *skip: str) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, Enum) else v)
            for k, v in attrs.asdict(obj, recurse=False).items() if k not in skip}


class SqlAccessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- accounts
    def account(self, account_id: int, *, for_update: bool = False) -> Account | None:
        query = select(AccountRow).where(AccountRow.id == account_id)
        row = self.session.execute(query.with_for_update() if for_update else query).scalar_one_or_none()
        return _domain(Account, row) if row else None

    def account_by_email(self, email: str, *, for_update: bool = False) -> Account | None:
        query = select(AccountRow).where(AccountRow.email == email)
        row = self.session.execute(query.with_for_update() if for_update else query).scalar_one_or_none()
        return _domain(Account, row) if row else None

    def account_of_patient(self, patient_id: int) -> Account | None:
        row = self.session.execute(select(AccountRow).where(AccountRow.patient_id == patient_id)).scalar_one_or_none()
        return _domain(Account, row) if row else None

    def add_account(self, account: Account, now: datetime) -> Account:
        row = AccountRow(**_values(account, "id", "created_at"), created_at=now)
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            raise Conflict("An account with this email already exists.") from None
        return _domain(Account, row)

    def save_account(self, account: Account) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(update(AccountRow).where(AccountRow.id == account.id)
                                     .values(**_values(account, "id", "created_at")))
        except IntegrityError:
            raise Conflict("Another account already uses this email.") from None

    def never_logged_in(self, limit: int | None = None) -> list[tuple[int, int | None]]:
        """(patient id, account id or None) of patients with an email who never logged in, oldest first."""
        query = (select(PatientRow.id, AccountRow.id).outerjoin(AccountRow, AccountRow.patient_id == PatientRow.id)
                 .where(PatientRow.email != "", AccountRow.last_login_at.is_(None)).order_by(PatientRow.id))
        return [(p, a) for p, a in self.session.execute(query.limit(limit) if limit else query).all()]

    # -- links
    def add_link(self, link: AccessLink, now: datetime) -> None:
        self.session.add(AccessLinkRow(**_values(link, "id", "created_at"), created_at=now))
        self.session.flush()

    def link(self, token_hash: str) -> AccessLink | None:
        row = self.session.execute(select(AccessLinkRow).where(AccessLinkRow.token_hash == token_hash)
                                   .with_for_update()).scalar_one_or_none()
        return _domain(AccessLink, row, purpose=LinkPurpose(row.purpose)) if row else None

    def latest_link(self, purpose: LinkPurpose, *, patient_id: int) -> AccessLink | None:
        row = self.session.execute(select(AccessLinkRow).where(AccessLinkRow.purpose == purpose.value,
                                                               AccessLinkRow.patient_id == patient_id)
                                   .order_by(AccessLinkRow.id.desc()).limit(1)).scalar_one_or_none()
        return _domain(AccessLink, row, purpose=purpose) if row else None

    def links(self, purpose: LinkPurpose, *, patient_id: int) -> list[AccessLink]:
        rows = self.session.execute(select(AccessLinkRow).where(AccessLinkRow.purpose == purpose.value,
                                                                AccessLinkRow.patient_id == patient_id)
                                    .order_by(AccessLinkRow.id)).scalars()
        return [_domain(AccessLink, row, purpose=purpose) for row in rows]

    def revoke_link(self, token_hash: str, now: datetime) -> None:
        self.session.execute(update(AccessLinkRow).where(AccessLinkRow.token_hash == token_hash,
                                                         AccessLinkRow.revoked_at.is_(None)).values(revoked_at=now))

    def use_link(self, token_hash: str, now: datetime) -> None:
        self.session.execute(update(AccessLinkRow).where(AccessLinkRow.token_hash == token_hash).values(used_at=now))

    def revoke_links(self, purpose: LinkPurpose, now: datetime, *, patient_id: int | None = None,
                     account_id: int | None = None) -> int:
        """Ends every unused link of that purpose for the patient or account (a re-invite voids the old one)."""
        query = update(AccessLinkRow).where(AccessLinkRow.purpose == purpose.value, AccessLinkRow.used_at.is_(None),
                                            AccessLinkRow.revoked_at.is_(None))
        if patient_id is not None:
            query = query.where(AccessLinkRow.patient_id == patient_id)
        if account_id is not None:
            query = query.where(AccessLinkRow.account_id == account_id)
        return self.session.execute(query.values(revoked_at=now)).rowcount

    # -- login challenges
    def add_challenge(self, challenge: LoginChallenge, now: datetime) -> None:
        self.session.add(LoginChallengeRow(**_values(challenge, "id", "verified_at"),
                                           completed_at=challenge.verified_at, created_at=now))
        self.session.flush()

    def challenge(self, token_hash: str) -> LoginChallenge | None:
        row = self.session.execute(select(LoginChallengeRow).where(LoginChallengeRow.token_hash == token_hash)
                                   .with_for_update()).scalar_one_or_none()
        return _domain(LoginChallenge, row, verified_at=row.completed_at) if row else None

    def save_challenge(self, challenge: LoginChallenge) -> None:
        self.session.execute(update(LoginChallengeRow).where(LoginChallengeRow.token_hash == challenge.token_hash)
                             .values(**_values(challenge, "id", "verified_at", "token_hash"),
                                     completed_at=challenge.verified_at))

    # -- sessions
    def add_session(self, portal_session: PortalSession) -> None:
        self.session.add(SessionRow(**_values(portal_session, "id")))
        self.session.flush()

    def session_by_token(self, token_hash: str) -> PortalSession | None:
        row = self.session.execute(select(SessionRow).where(SessionRow.token_hash == token_hash)).scalar_one_or_none()
        return _domain(PortalSession, row) if row else None

    def save_session(self, portal_session: PortalSession) -> None:
        self.session.execute(update(SessionRow).where(SessionRow.token_hash == portal_session.token_hash)
                             .values(**_values(portal_session, "id", "token_hash")))

    def end_sessions(self, account_id: int, now: datetime, *, keep: str | None = None) -> int:
        query = update(SessionRow).where(SessionRow.account_id == account_id, SessionRow.ended_at.is_(None))
        if keep is not None:
            query = query.where(SessionRow.token_hash != keep)
        return self.session.execute(query.values(ended_at=now)).rowcount

    # -- throttles keyed by anything (an IP address, an email being reset)
    def throttle(self, key: str, now: datetime, window_seconds: int) -> int:
        """Failures counted under ``key`` in the current window."""
        row = self.session.execute(select(ThrottleRow).where(ThrottleRow.key == key)).scalar_one_or_none()
        if row is None or (now - row.window_started_at).total_seconds() >= window_seconds:
            return 0
        return row.failures

    def count_failure(self, key: str, now: datetime, window_seconds: int) -> int:
        # ON CONFLICT DO NOTHING, then lock: two requests counting a new key at once (the clinic's first text of
        # the day) both count, where two plain INSERTs would break the unique key on PostgreSQL
        upsert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        self.session.execute(upsert(ThrottleRow).values(key=key, failures=0, window_started_at=now)
                             .on_conflict_do_nothing(index_elements=["key"]))
        row = self.session.execute(select(ThrottleRow).where(ThrottleRow.key == key).with_for_update()
                                   .execution_options(populate_existing=True)).scalar_one()  # the locked values
        if row.failures == 0 or (now - row.window_started_at).total_seconds() >= window_seconds:
            row.failures, row.window_started_at = 1, now
        else:
            row.failures += 1
        self.session.flush()
        return row.failures

    def blocked_until(self, key: str) -> datetime | None:
        return self.session.execute(select(ThrottleRow.blocked_until).where(ThrottleRow.key == key)
                                    ).scalar_one_or_none()

    def block(self, key: str, until: datetime | None) -> None:
        self.session.execute(update(ThrottleRow).where(ThrottleRow.key == key).values(blocked_until=until))

    def accounts_by_mobile(self, mobile: str) -> list[Account]:
        rows = self.session.execute(select(AccountRow).join(PatientRow, PatientRow.id == AccountRow.patient_id)
                                    .where(PatientRow.mobile == mobile).order_by(AccountRow.id)).scalars().all()
        return [_domain(Account, row) for row in rows]

    # -- recovery codes
    def replace_recovery_codes(self, account_id: int, code_hashes: Sequence[str], now: datetime) -> None:
        self.session.execute(update(RecoveryCodeRow).where(RecoveryCodeRow.account_id == account_id,
                                                           RecoveryCodeRow.used_at.is_(None)).values(used_at=now))
        self.session.add_all(RecoveryCodeRow(account_id=account_id, code_hash=h, created_at=now) for h in code_hashes)
        self.session.flush()

    def use_recovery_code(self, account_id: int, code_hash: str, now: datetime) -> bool:
        return self.session.execute(update(RecoveryCodeRow).where(
            RecoveryCodeRow.account_id == account_id, RecoveryCodeRow.code_hash == code_hash,
            RecoveryCodeRow.used_at.is_(None)).values(used_at=now)).rowcount == 1

    def recovery_codes_left(self, account_id: int) -> int:
        return self.session.execute(select(func.count()).select_from(RecoveryCodeRow).where(
            RecoveryCodeRow.account_id == account_id, RecoveryCodeRow.used_at.is_(None))).scalar_one()

    # -- passkeys
    def passkeys(self, account_id: int) -> list[Passkey]:
        rows = self.session.execute(select(PasskeyRow).where(PasskeyRow.account_id == account_id)
                                    .order_by(PasskeyRow.id)).scalars()
        return [_domain(Passkey, r, transports=list(r.transports)) for r in rows]

    def passkey_by_credential(self, credential_id: bytes) -> Passkey | None:
        row = self.session.execute(select(PasskeyRow).where(PasskeyRow.credential_id == credential_id)
                                   .with_for_update()).scalar_one_or_none()
        return _domain(Passkey, row, transports=list(row.transports)) if row else None

    def add_passkey(self, passkey: Passkey, now: datetime) -> Passkey:
        row = PasskeyRow(**_values(passkey, "id", "created_at"), created_at=now)
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            raise Conflict("This passkey is already registered.") from None
        return _domain(Passkey, row, transports=list(row.transports))

    def save_passkey(self, passkey: Passkey) -> None:
        self.session.execute(update(PasskeyRow).where(PasskeyRow.id == passkey.id)
                             .values(sign_count=passkey.sign_count, last_used_at=passkey.last_used_at))

    def remove_passkey(self, account_id: int, passkey_id: int) -> Passkey | None:
        row = self.session.execute(select(PasskeyRow).where(PasskeyRow.id == passkey_id,
                                                            PasskeyRow.account_id == account_id)).scalar_one_or_none()
        if row is None:
            return None
        removed = _domain(Passkey, row, transports=list(row.transports))
        self.session.execute(delete(PasskeyRow).where(PasskeyRow.id == passkey_id))
        return removed

    # -- proxies
    def add_grant(self, grant: ProxyGrant, now: datetime) -> ProxyGrant:
        row = ProxyGrantRow(**_values(grant, "id", "created_at"), created_at=now)
        self.session.add(row)
        self.session.flush()
        return _domain(ProxyGrant, row, scope=grant.scope)

    def grant(self, grant_id: int) -> ProxyGrant | None:
        row = self.session.get(ProxyGrantRow, grant_id)
        return _domain(ProxyGrant, row, scope=ProxyScope(row.scope)) if row else None

    def grants_of_account(self, account_id: int) -> list[ProxyGrant]:
        rows = self.session.execute(select(ProxyGrantRow).where(ProxyGrantRow.account_id == account_id)
                                    .order_by(ProxyGrantRow.id)).scalars()
        return [_domain(ProxyGrant, r, scope=ProxyScope(r.scope)) for r in rows]

    def grants_for_patient(self, patient_id: int) -> list[ProxyGrant]:
        rows = self.session.execute(select(ProxyGrantRow).where(ProxyGrantRow.patient_id == patient_id)
                                    .order_by(ProxyGrantRow.id)).scalars()
        return [_domain(ProxyGrant, r, scope=ProxyScope(r.scope)) for r in rows]

    def save_grant(self, grant: ProxyGrant) -> None:
        self.session.execute(update(ProxyGrantRow).where(ProxyGrantRow.id == grant.id)
                             .values(**_values(grant, "id", "created_at")))

    # -- audit
    def record(self, event: AuditEvent) -> None:
        self.session.execute(insert(AuditRow).values(**_values(event, "id")))

    def events(self, *, patient_id: int | None = None, account_id: int | None = None,
               actions_prefix: str = "", limit: int = 200) -> list[AuditEvent]:
        query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if patient_id is not None:
            query = query.where(AuditRow.patient_id == patient_id)
        if account_id is not None:
            query = query.where(AuditRow.account_id == account_id)
        if actions_prefix:
            query = query.where(AuditRow.action.startswith(actions_prefix))
        return [_domain(AuditEvent, r) for r in self.session.execute(query).scalars()]

    def patient_log(self, patient_id: int, *, offset: int = 0, limit: int = 50) -> list[AuditEvent]:
        """One page of the events about a patient, newest first (ties by insertion order, also newest first)."""
        query = (select(AuditRow).where(AuditRow.patient_id == patient_id)
                 .order_by(AuditRow.at.desc(), AuditRow.id.desc()).offset(offset).limit(limit))
        return [_domain(AuditEvent, r) for r in self.session.execute(query).scalars()]
