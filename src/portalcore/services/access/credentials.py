"""Forgotten and changed passwords, and a change of sign-in email confirmed through the new address.

Every change is told to the patient by email, so a stolen session cannot change things unnoticed.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from portalcore.domain import audit
from portalcore.domain.access import AccessLink, Account, LinkPurpose, PortalSession
from portalcore.domain.errors import InvalidInput, NotAllowed
from portalcore.domain.patients import normalize_email
from portalcore.domain.timed_events import JobKind, TimedJob
from portalcore.ports import UnitOfWork
from portalcore.services.access.invitations import LINK_GONE
from portalcore.services.access.kit import AccessKit, Actor, load_account, stamp
from portalcore.services.contact import check_email
from portalcore.services.delivery import when_text


class CredentialService:
    def __init__(self, kit: AccessKit) -> None:
        self._kit = kit

    def forgot_password(self, email: str, *, ip: str = "") -> None:
        """Asks for a link to choose a new password. The request itself only counts the ask and queues a job
        for the worker (``queue_reset`` sends the link when the address has an account), so it does the same
        work, in the same time, whether or not the address is known. At most ``EMAILS_PER_HOUR`` asks per
        address and hour lead anywhere. Raises ``PortalClosed``."""
        now, address = self._kit.clock.now(), normalize_email(email)
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            if not self._kit.over_email_limit(uow, "reset", address):
                uow.jobs.add(TimedJob(JobKind.PASSWORD_RESET, f"reset:{self._kit.digest(address)[:16]}:{stamp(now)}",
                                      now, data={"email": address, "ip": ip}), now)
            uow.commit()

    def queue_reset(self, uow: UnitOfWork, email: str, ip: str = "") -> int:
        """The worker's half of "forgot password": when ``email`` belongs to a login, voids its earlier reset
        links and queues an email with a new one in ``uow``; returns how many emails were queued (0 or 1)."""
        now = self._kit.clock.now()
        account = uow.access.account_by_email(normalize_email(email))
        if account is None or account.id is None or not self._kit.is_open(uow):
            return 0
        uow.access.revoke_links(LinkPurpose.RESET, now, account_id=account.id)
        token, token_hash = self._kit.new_token()
        uow.access.add_link(AccessLink(purpose=LinkPurpose.RESET, token_hash=token_hash, account_id=account.id,
                                       email=account.email, expires_at=now + self._kit.policy.reset_ttl), now)
        self._kit.email(uow, "password_reset", to=account.email, language=account.language,
                        key=f"reset:{token_hash[:16]}",
                        context={"name": account.first_name, "link": self._kit.url(f"/password/reset/{token}"),
                                 "minutes": int(self._kit.policy.reset_ttl.total_seconds() // 60)})
        self._kit.audit(uow, audit.PASSWORD_RESET_SENT, Actor(account.email, account.id, ip),
                        patient_id=account.patient_id)
        return 1

    def min_password_length(self) -> int:
        """The fewest characters a new password may have: the clinic's setting, else the deployment's."""
        with self._kit.uow(readonly=True) as uow:
            return self._kit.password_policy(uow.clinic.get()).min_length

    def reset_link_valid(self, token: str) -> bool:
        with self._kit.uow(readonly=True) as uow:
            self._kit.require_open(uow)
            link = uow.access.link(self._kit.digest(token))
            return link is not None and link.purpose is LinkPurpose.RESET and link.usable(self._kit.clock.now())

    def reset_password(self, token: str, password: str, *, ip: str = "") -> None:
        """Sets a new password from a reset link, ends every session and tells the patient. A reset link also
        proves the email, so an invited patient who never set a password is activated by it. Raises
        ``InvalidInput`` for a used or expired link or a refused password, ``PortalClosed``."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            link = uow.access.link(self._kit.digest(token))
            if link is None or link.purpose is not LinkPurpose.RESET or not link.usable(now) or link.account_id is None:
                raise InvalidInput(LINK_GONE)
            account = load_account(uow, link.account_id, for_update=True)
            self._set_password(uow, account, password, Actor(account.email, account.id, ip))
            uow.access.use_link(link.token_hash, now)
            uow.access.end_sessions(account.id or 0, now)
            uow.commit()
        self._kit.send_now(self._changed_key(account, now))

    def change_password(self, session: PortalSession, current: str, new: str, *, end_other_sessions: bool,
                        ip: str = "") -> None:
        """Changes the password of the signed-in patient (the current one proves it is them). Raises
        ``InvalidInput`` for a wrong current password or a refused new one."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            account = load_account(uow, session.account_id, for_update=True)
            if not self._kit.password_matches(account, current):
                raise InvalidInput("Your current password is not right.")
            self._set_password(uow, account, new, Actor(account.email, account.id, ip))
            if end_other_sessions:
                uow.access.end_sessions(account.id or 0, now, keep=session.token_hash)
            uow.access.save_session(attrs.evolve(session, reauthenticated_at=now))
            uow.commit()
        self._kit.send_now(self._changed_key(account, now))

    def request_email_change(self, session: PortalSession, password: str, new_email: str, *, ip: str = "") -> None:
        """Sends a confirmation link to the new address (the change happens when it is opened) after checking
        the password again. When the address already belongs to someone else, that person is told instead and
        the answer is the same, so the form tells nobody whose address it is. Raises ``InvalidInput``."""
        now, address = self._kit.clock.now(), check_email(new_email)
        with self._kit.uow() as uow:
            account = load_account(uow, session.account_id)
            if not self._kit.password_matches(account, password):
                raise InvalidInput("Your password is not right.")
            if address == account.email:
                raise InvalidInput("That is already your sign-in email.")
            uow.access.revoke_links(LinkPurpose.EMAIL_CHANGE, now, account_id=account.id)
            owner = self._owner_name(uow, address, account)
            if owner is not None:
                key = self._tell_owner(uow, account, address, owner, ip)
                uow.commit()
                self._kit.send_now(key)
                return
            token, token_hash = self._kit.new_token()
            uow.access.add_link(AccessLink(purpose=LinkPurpose.EMAIL_CHANGE, token_hash=token_hash,
                                           account_id=account.id, email=address,
                                           expires_at=now + self._kit.policy.email_change_ttl), now)
            key = self._kit.email(uow, "email_change_confirm", to=address, language=account.language,
                                  key=f"email-change:{token_hash[:16]}",
                                  context={"name": account.first_name, "new_email": address,
                                           "link": self._kit.url(f"/settings/email/confirm/{token}"),
                                           "hours": int(self._kit.policy.email_change_ttl.total_seconds() // 3600)})
            self._kit.audit(uow, audit.EMAIL_CHANGE_REQUESTED, Actor(account.email, account.id, ip),
                            patient_id=account.patient_id, new_email=address)
            uow.commit()
        self._kit.send_now(key)

    def confirm_email_change(self, token: str) -> Account:
        """Moves the sign-in (and the patient's) email to the confirmed address and tells the old one. Raises
        ``InvalidInput`` for a used or expired link, ``PortalClosed``."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            link = uow.access.link(self._kit.digest(token))
            if (link is None or link.purpose is not LinkPurpose.EMAIL_CHANGE or not link.usable(now)
                    or link.account_id is None):
                raise InvalidInput(LINK_GONE)
            account = load_account(uow, link.account_id, for_update=True)
            updated = attrs.evolve(account, email=link.email, email_verified_at=now)
            uow.access.save_account(updated)
            if account.patient_id is not None:
                uow.patients.change_email(account.patient_id, link.email)
            uow.access.use_link(link.token_hash, now)
            key = self._kit.email(uow, "email_changed", to=account.email, language=account.language,
                                  key=f"email-changed:{account.id}:{stamp(now)}",
                                  context={"name": account.first_name, "new_email": link.email,
                                           "when": self._when(uow, now, account.language)})
            self._kit.audit(uow, audit.EMAIL_CHANGED, Actor(link.email, account.id), patient_id=account.patient_id,
                            old_email=account.email, new_email=link.email)
            uow.commit()
        self._kit.send_now(key)
        return updated

    # -- parts
    @staticmethod
    def _owner_name(uow: UnitOfWork, address: str, account: Account) -> tuple[str, str] | None:
        """The first name and language of whoever else has ``address`` (a login or a patient), or None."""
        login = uow.access.account_by_email(address)
        if login is not None:
            return login.first_name, login.language
        patient = uow.patients.by_email(address)
        if patient is not None and patient.id != account.patient_id:
            return patient.first_name, patient.language
        return None

    def _tell_owner(self, uow: UnitOfWork, account: Account, address: str, owner: tuple[str, str], ip: str) -> str:
        """Emails the owner of an address another login asked for; nothing changes. Returns the outbox key."""
        now = self._kit.clock.now()
        name, language = owner
        key = self._kit.email(uow, "email_in_use", to=address, language=language,
                              key=f"email-in-use:{account.id}:{self._kit.digest(address)[:16]}:{stamp(now)}",
                              context={"name": name, "login_link": self._kit.url("/login"),
                                       "reset_link": self._kit.url("/password/forgot")})
        self._kit.audit(uow, audit.EMAIL_CHANGE_REQUESTED, Actor(account.email, account.id, ip),
                        patient_id=account.patient_id, new_email=address, refused="address in use")
        return key

    def _set_password(self, uow: UnitOfWork, account: Account, password: str, actor: Actor) -> None:
        if account.id is None:
            raise NotAllowed("This account cannot change its password.")
        now = self._kit.clock.now()
        password_hash = self._kit.check_new_password(password, clinic=uow.clinic.get(), first_name=account.first_name,
                                                     last_name=account.last_name, email=account.email)
        uow.access.save_account(attrs.evolve(account, password_hash=password_hash, password_changed_at=now,
                                             must_change_password=False, email_verified_at=account.email_verified_at
                                             or now, failed_logins=0, throttled_until=None))
        self._kit.email(uow, "password_changed", to=account.email, language=account.language,
                        key=self._changed_key(account, now),
                        context={"name": account.first_name, "when": self._when(uow, now, account.language),
                                 "reset_link": self._kit.url("/password/forgot")})
        self._kit.audit(uow, audit.PASSWORD_CHANGED, actor, patient_id=account.patient_id)

    @staticmethod
    def _changed_key(account: Account, now: datetime) -> str:
        return f"password-changed:{account.id}:{stamp(now)}"

    def _when(self, uow: UnitOfWork, now: datetime, language: str) -> str:
        clinic = uow.clinic.get()
        return when_text(now, clinic.time_zone if clinic else "UTC", language, with_zone=True)
