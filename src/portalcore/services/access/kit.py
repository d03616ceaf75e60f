"""What the portal-access services share: secrets and their keyed hashes, the password check, audit entries,
and queuing messages about an account."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from portalcore.domain.access import AccessPolicy, Account
from portalcore.domain.audit import AuditEvent
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import NotFound
from portalcore.domain.patients import normalize_email
from portalcore.domain.passwords import PasswordPolicy, check_password, context_words, normalize_password
from portalcore.ports import BreachedPasswords, Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from portalcore.services.delivery import MessageComposer, OutboxDispatcher


EMAILS_PER_HOUR = 5  # links of one kind (password reset, sign-up proof) one address is sent per hour at most
CLOSED = "This clinic's patient portal is closed. Please call the clinic."


class PortalClosed(NotFound):
    """The clinic switched its patient portal off (the ``portal_enabled`` setting): nobody signs in, signs up,
    accepts an invitation or resets a password until it is on again."""

    code = "portal_closed"

    def __init__(self, message: str = CLOSED) -> None:
        super().__init__(message)


@attrs.frozen
class Actor:
    """Who asks: a patient's login (``account_id``), the front desk, an admin or the system; and from where."""

    label: str
    account_id: int | None = None
    ip: str = ""

    @classmethod
    def front_desk(cls, name: str = "front desk") -> Actor:
        return cls(label=name)


@attrs.frozen
class AccessKit:
    """The parts every access service needs, built once in ``bootstrap``."""

    uow: UnitOfWorkFactory
    clock: Clock
    composer: MessageComposer
    dispatcher: OutboxDispatcher
    hasher: PasswordHasher
    breached: BreachedPasswords
    secret: bytes
    base_url: str
    policy: AccessPolicy = AccessPolicy()
    passwords: PasswordPolicy = PasswordPolicy()

    @staticmethod
    def is_open(uow: UnitOfWork) -> bool:
        """False when the clinic switched its patient portal off (``portal_enabled``)."""
        clinic = uow.clinic.get()
        return clinic is None or clinic.settings.portal_enabled

    def require_open(self, uow: UnitOfWork) -> None:
        """Raises ``PortalClosed`` when the clinic switched its patient portal off."""
        if not self.is_open(uow):
            raise PortalClosed()

    def new_token(self) -> tuple[str, str]:
        """A fresh random token (256 bits, URL-safe) and the keyed hash that is stored instead of it."""
        token = secrets.token_urlsafe(32)
        return token, self.digest(token)

    def digest(self, token: str) -> str:
        return hmac.new(self.secret, token.encode(), hashlib.sha256).hexdigest()

    def new_code(self) -> str:
        return f"{secrets.randbelow(10**6):06d}"

    def over_email_limit(self, uow: UnitOfWork, kind: str, address: str) -> bool:
        """Counts one more ``kind`` email asked for ``address`` (kept under its keyed hash) and says whether that
        is more than ``EMAILS_PER_HOUR`` this hour; the caller then sends nothing and answers as usual."""
        key = f"{kind}:{self.digest(normalize_email(address))}"
        return uow.access.count_failure(key, self.clock.now(), 3600) > EMAILS_PER_HOUR

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"

    def password_policy(self, clinic: Clinic | None) -> PasswordPolicy:
        """The clinic's own minimum length when it set one; else the deployment's (PORTAL_PASSWORD_MIN_LENGTH)."""
        wanted = clinic.settings.password_min_length if clinic else None
        return attrs.evolve(self.passwords, min_length=wanted) if wanted else self.passwords

    def check_new_password(self, password: str, *, clinic: Clinic | None, first_name: str, last_name: str,
                           email: str) -> str:
        """The argon2id hash of an acceptable password; raises ``InvalidInput`` saying why it is not."""
        words = context_words(clinic_name=clinic.name if clinic else "", first_name=first_name,
                              last_name=last_name, email=email)
        check_password(password, policy=self.password_policy(clinic), context=words,
                       breached=self.breached.is_breached)
        return self.hasher.hash(normalize_password(password))

    def password_matches(self, account: Account | None, password: str) -> bool:
        """Checks a password in about the same time whether or not the account exists."""
        if account is None or not account.password_hash:
            self.hasher.dummy_verify()
            return False
        return self.hasher.verify(account.password_hash, normalize_password(password))

    def audit(self, uow: UnitOfWork, action: str, actor: Actor, *, patient_id: int | None = None,
              as_proxy: bool = False, **detail: Any) -> None:
        uow.access.record(AuditEvent(action=action, at=self.clock.now(), account_id=actor.account_id,
                                     actor=actor.label, patient_id=patient_id, as_proxy=as_proxy, detail=detail,
                                     ip=actor.ip))

    def email(self, uow: UnitOfWork, template: str, *, to: str, language: str, key: str,
              context: Mapping[str, Any]) -> str:
        """Queues an email in this transaction; returns its idempotency key (to send it at once after commit)."""
        clinic = uow.clinic.get()
        full = {"clinic_name": clinic.name if clinic else "Portal", **context}
        uow.outbox.add(self.composer.email(template, to=to, language=language, key=key, context=full),
                       self.clock.now())
        return key

    def sms(self, uow: UnitOfWork, template: str, *, to: str, language: str, key: str,
            context: Mapping[str, Any]) -> str:
        clinic = uow.clinic.get()
        full = {"clinic_name": clinic.name if clinic else "Portal", **context}
        uow.outbox.add(self.composer.sms(template, to=to, language=language, key=key, context=full), self.clock.now())
        return key

    def send_now(self, *keys: str) -> None:
        """Sends security messages at once instead of waiting for the worker (retries still come from it)."""
        for key in keys:
            self.dispatcher.dispatch_key(key)


def load_account(uow: UnitOfWork, account_id: int, *, for_update: bool = False) -> Account:
    account = uow.access.account(account_id, for_update=for_update)
    if account is None:
        raise NotFound("This account does not exist.")
    return account


def stamp(at: datetime) -> str:
    """A moment for a key: unique per second, the same on a retry of the same request."""
    return at.strftime("%Y%m%dT%H%M%S")
