"""Who may get into the portal and for how long: accounts, one-time links, login codes, sessions, throttling.

Pure rules: every time comes in as an argument. Secrets (link tokens, codes, session ids) are made and hashed
by the service; here only their hashes and lifetimes appear.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

import attrs

from portalcore.domain.verification import CodeRules


class LinkPurpose(str, Enum):
    INVITE = "invite"  # set a password for a profile the clinic created
    VERIFY_EMAIL = "verify_email"  # prove the address given at sign-up
    RESET = "reset"  # forgot password
    EMAIL_CHANGE = "email_change"  # confirm a new address through that address
    CLAIM_VISIT = "claim_visit"  # add a visit booked online with this address (another mobile) to the record
    PROXY_INVITE = "proxy_invite"  # a patient asks someone to act for them; that person accepts through it


@attrs.frozen
class AccessPolicy:
    """Lifetimes and limits, each a setting of the deployment."""

    invite_ttl: timedelta = timedelta(days=7)
    verify_ttl: timedelta = timedelta(hours=24)
    reset_ttl: timedelta = timedelta(hours=1)
    email_change_ttl: timedelta = timedelta(hours=24)
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    reauth_window: timedelta = timedelta(minutes=5)  # how fresh a password must be before sensitive changes
    throttle_after: int = 10  # failed logins before each new try must wait
    throttle_first: timedelta = timedelta(seconds=30)
    throttle_max: timedelta = timedelta(hours=1)
    ip_failures_per_hour: int = 100  # a coarse guard per address, above the per-account one

    def link_ttl(self, purpose: LinkPurpose) -> timedelta:
        return {LinkPurpose.INVITE: self.invite_ttl, LinkPurpose.VERIFY_EMAIL: self.verify_ttl,
                LinkPurpose.RESET: self.reset_ttl, LinkPurpose.EMAIL_CHANGE: self.email_change_ttl,
                LinkPurpose.PROXY_INVITE: self.invite_ttl}[purpose]

    def throttle_delay(self, failures: int) -> timedelta:
        """How long the next try must wait after ``failures`` failures in a row: nothing up to
        ``throttle_after``, then ``throttle_first`` doubling with each failure, at most ``throttle_max``."""
        if failures < self.throttle_after:
            return timedelta(0)
        return min(self.throttle_max, self.throttle_first * 2 ** min(failures - self.throttle_after, 20))


@attrs.frozen
class Account:
    """A login. ``patient_id`` is the person's own record (a carer who is not a patient has none)."""

    email: str
    first_name: str = ""
    last_name: str = ""
    patient_id: int | None = None
    password_hash: str = ""
    email_verified_at: datetime | None = None
    password_changed_at: datetime | None = None
    last_login_at: datetime | None = None
    must_change_password: bool = False
    failed_logins: int = 0
    throttled_until: datetime | None = None
    totp_secret: str = ""
    totp_last_step: int | None = None
    language: str = "en"
    created_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        """Has a password and a proven email: may log in."""
        return bool(self.password_hash) and self.email_verified_at is not None

    def wait(self, now: datetime) -> int:
        """Seconds before a login may be tried again (0: now)."""
        if self.throttled_until is None or self.throttled_until <= now:
            return 0
        return int((self.throttled_until - now).total_seconds() + 0.999)

    def after_failure(self, now: datetime, policy: AccessPolicy) -> Account:
        failures = self.failed_logins + 1
        delay = policy.throttle_delay(failures)
        return attrs.evolve(self, failed_logins=failures, throttled_until=now + delay if delay else None)

    def after_login(self, now: datetime) -> Account:
        return attrs.evolve(self, failed_logins=0, throttled_until=None, last_login_at=now)


@attrs.frozen
class AccessLink:
    """A single-use link; only the keyed hash of its token is stored."""

    purpose: LinkPurpose
    token_hash: str
    expires_at: datetime
    email: str = ""
    patient_id: int | None = None
    account_id: int | None = None
    data: dict[str, str] = attrs.field(factory=dict)
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime | None = None
    id: int | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


@attrs.frozen
class LoginChallenge(CodeRules):
    """The second step of one login: the password was right, now a code (emailed, or from an authenticator
    app) must follow. Bound to that login attempt: its token lives only in that browser."""

    token_hash: str
    account_id: int | None  # None: a stand-in for a passwordless request naming no account (see login_codes)
    method: str  # "email", "sms" (the code was sent there) or "totp"
    code_hash: str
    expires_at: datetime
    last_sent_at: datetime
    failures: int = 0
    sends: int = 1
    verified_at: datetime | None = None
    ip: str = ""
    id: int | None = None


SEEN_EVERY = timedelta(minutes=1)  # how often a session's last-seen time is written

@attrs.frozen
class PortalSession:
    """A logged-in browser. The cookie holds a random id; only its keyed hash is stored."""

    token_hash: str
    account_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # the absolute end
    method: str = ""
    acting_for: int | None = None
    reauthenticated_at: datetime | None = None
    ended_at: datetime | None = None
    ip: str = ""
    user_agent: str = ""
    id: int | None = None

    def alive(self, now: datetime, policy: AccessPolicy) -> bool:
        """Not logged out, not past the absolute limit, not idle too long."""
        return (self.ended_at is None and now < self.expires_at
                and now < self.last_seen_at + policy.idle_timeout)

    def seen_long_ago(self, now: datetime) -> bool:
        """Whether ``last_seen_at`` is worth moving on: at most once a ``SEEN_EVERY``, so pages read without
        writing (the idle timeout is half an hour; a minute more or less of it does not matter)."""
        return now - self.last_seen_at >= SEEN_EVERY

    def recently_authenticated(self, now: datetime, policy: AccessPolicy) -> bool:
        last = self.reauthenticated_at or self.created_at
        return now - last <= policy.reauth_window


def new_session(token_hash: str, account_id: int, now: datetime, policy: AccessPolicy, *, method: str,
                acting_for: int | None, ip: str = "", user_agent: str = "") -> PortalSession:
    return PortalSession(token_hash=token_hash, account_id=account_id, created_at=now, last_seen_at=now,
                         expires_at=now + policy.absolute_timeout, method=method, acting_for=acting_for, ip=ip,
                         user_agent=user_agent[:300])
