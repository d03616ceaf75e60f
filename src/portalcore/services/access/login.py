"""Logging in (password, then a 6-digit code emailed every time or an authenticator app), sessions, logout.

Login answers the same way for an unknown email, an inactive account and a wrong password, and spends the
same password-hashing time on each; only a right password leads to a code.
"""

from __future__ import annotations

import hmac

import attrs

from portalcore.domain import audit
from portalcore.domain.access import Account, LoginChallenge, PortalSession, new_session
from portalcore.domain.errors import InvalidInput, NotFound, PortalError
from portalcore.domain.passwords import normalize_password, password_problems
from portalcore.domain.patients import normalize_email
from portalcore.domain.recovery_codes import hash_code
from portalcore.domain.verification import CODE_TTL, MAX_FAILURES
from portalcore.ports import OneTimePasswords, UnitOfWork
from portalcore.services.access.grants import SignedInAccount, signed_in_account
from portalcore.services.access.kit import AccessKit, Actor, load_account
from portalcore.services.access.login_codes import (
    CODE_METHODS, NOT_OFFERED, CodeSent, SignInOver, account_for, address_failed, address_key, address_wait,
    code_message, read_identifier, stand_in, stand_in_failed, stand_in_work, wrong_code,
)
from portalcore.services.access.passkey_login import PasskeyLogin, passkey_failed

WRONG = "That email and password do not match an active account."
IP_WINDOW = 3600


class TooManyAttempts(PortalError):
    """Slow down: too many failures from this account or address."""

    code = "too_many_attempts"

    def __init__(self, seconds: int) -> None:
        if seconds < 120:
            super().__init__("Too many failed attempts. Please wait %(count)s second and try again.",
                             plural="Too many failed attempts. Please wait %(count)s seconds and try again.",
                             count=seconds)
        else:
            super().__init__("Too many failed attempts. Please wait %(count)s minute and try again.",
                             plural="Too many failed attempts. Please wait %(count)s minutes and try again.",
                             count=(seconds + 59) // 60)
        self.retry_after = seconds


@attrs.frozen
class LoginStep:
    """What comes after a right password: which second step, and the token naming this login attempt."""

    token: str
    method: str  # "email" or "totp"


@attrs.frozen
class SignedIn:
    session_token: str
    account: Account
    must_change_password: bool


class LoginService:
    def __init__(self, kit: AccessKit, otp: OneTimePasswords, passkeys: PasskeyLogin | None = None) -> None:
        self._kit, self._otp, self._passkeys = kit, otp, passkeys

    def start(self, email: str, password: str, *, ip: str = "", language: str = "en") -> LoginStep:
        """First step. Raises ``InvalidInput`` (the same sentence whatever was wrong), ``TooManyAttempts`` or
        ``PortalClosed``."""
        now, address = self._kit.clock.now(), normalize_email(email)
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            self._check_ip(uow, ip)
            account = uow.access.account_by_email(address, for_update=True)
            wait = account.wait(now) if account is not None else address_wait(uow, address_key(self._kit, address), now)
            if wait:
                raise TooManyAttempts(wait)
            right = self._kit.password_matches(account, password) and account is not None and account.active
            if not right or account is None:
                self._failed(uow, account, ip, address)
                uow.commit()
                raise InvalidInput(WRONG)
            assert account.id is not None
            stale = bool(password_problems(password, policy=self._kit.password_policy(uow.clinic.get()), context=(),
                                           breached=self._kit.breached.is_breached))
            updated = account
            if self._kit.hasher.needs_rehash(account.password_hash):
                updated = attrs.evolve(updated, password_hash=self._kit.hasher.hash(normalize_password(password)))
            if stale and not account.must_change_password:
                updated = attrs.evolve(updated, must_change_password=True)
            if updated != account:
                uow.access.save_account(updated)
            # a real second factor, once enrolled, replaces the emailed code (a passkey first)
            method = ("passkey" if self._passkeys and self._passkeys.has_passkey(uow, account.id) else
                      "totp" if account.totp_secret else "email")
            token, token_hash = self._kit.new_token()
            code = self._kit.new_code() if method == "email" else ""
            challenge = LoginChallenge(token_hash=token_hash, account_id=account.id, method=method,
                                       code_hash=self._kit.digest(f"{token_hash}:{code}") if code else "",
                                       expires_at=now + CODE_TTL, last_sent_at=now, ip=ip)
            uow.access.add_challenge(challenge, now)
            key = self._send_code(uow, account, challenge, code, language) if code else None
            uow.commit()
        if key:
            self._kit.send_now(key)
        return LoginStep(token=token, method=method)

    def resend(self, token: str, *, language: str = "en", send_now: bool = True) -> tuple[str, ...]:
        """Sends a new code (email or text) for the same login attempt; the count of wrong tries stays. With
        ``send_now=False`` the returned outbox keys are left for ``deliver``. Raises ``InvalidInput`` when
        asked again too soon, ``SignInOver`` when the attempt takes no more codes."""
        now, code = self._kit.clock.now(), self._kit.new_code()
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            challenge = self._challenge(uow, token)
            if challenge.method not in CODE_METHODS:
                raise InvalidInput("This sign-in uses your authenticator app; no code is sent by email.")
            if challenge.verified or challenge.failures >= MAX_FAILURES:
                raise SignInOver()
            wait = challenge.resend_wait(now)
            if wait:
                raise InvalidInput("Please wait %(count)s second before asking for a new code.",
                                   plural="Please wait %(count)s seconds before asking for a new code.", count=wait)
            if challenge.account_id is None:  # a stand-in keeps its hash (see login_codes) and sends nothing
                uow.access.save_challenge(challenge.resent(challenge.code_hash, now))
                uow.commit()
                return ()
            updated = challenge.resent(self._kit.digest(f"{challenge.token_hash}:{code}"), now)
            uow.access.save_challenge(updated)
            key = self._send_code(uow, load_account(uow, challenge.account_id), updated, code, language)
            uow.commit()
        if send_now:
            self._kit.send_now(key)
        return (key,)

    def start_passwordless(self, identifier: str, *, ip: str = "", language: str = "en") -> CodeSent:
        """Signing in with only a code, when the clinic offers it: a fresh 6-digit code goes by email or text
        to the address typed when it belongs to an active login, valid 10 minutes for this attempt only;
        otherwise nothing is sent, and the answer is the same. The code leaves when ``deliver`` is called
        (the web does it after the response, so its timing tells nothing either). Raises ``NotFound`` when
        the clinic does not offer it, ``InvalidInput`` for neither an email nor a mobile number, or
        ``TooManyAttempts``."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            clinic = uow.clinic.get()
            if clinic is None or not clinic.settings.passwordless_login:
                raise NotFound(NOT_OFFERED)
            method, address = read_identifier(identifier)
            self._check_ip(uow, ip)
            account = account_for(uow, method, address)
            wait = account.wait(now) if account is not None else address_wait(uow, address_key(self._kit, address), now)
            if wait:
                raise TooManyAttempts(wait)
            token, token_hash = self._kit.new_token()
            code = self._kit.new_code()
            if account is None or account.id is None:
                uow.access.add_challenge(stand_in(self._kit, token_hash, method, address, now, ip), now)
                stand_in_work(uow, self._kit, method, address, language, ip)
                uow.commit()
                return CodeSent(token, method)
            challenge = LoginChallenge(token_hash=token_hash, account_id=account.id, method=method,
                                       code_hash=self._kit.digest(f"{token_hash}:{code}"),
                                       expires_at=now + CODE_TTL, last_sent_at=now, ip=ip)
            uow.access.add_challenge(challenge, now)
            key = self._send_code(uow, account, challenge, code, language)
            uow.commit()
        return CodeSent(token, method, (key,))

    def deliver(self, keys: tuple[str, ...]) -> None:
        """Sends queued sign-in codes now (``CodeSent.pending``, ``resend(send_now=False)``); a failure is left
        to the outbox worker's retries."""
        self._kit.send_now(*keys)

    def finish(self, token: str, code: str, *, ip: str = "", user_agent: str = "", passkey: bool = False) -> SignedIn:
        """Second step: the emailed code, the authenticator code or a recovery code (or, with ``passkey``, the
        JSON answer of ``navigator.credentials.get``). Starts a new session (a new id at every login). Raises
        ``InvalidInput`` for a wrong or expired code, ``SignInOver`` after too many wrong ones."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            challenge = self._challenge(uow, token)
            if not challenge.verified and challenge.failures >= MAX_FAILURES:
                raise SignInOver()  # a new code for this attempt would not help: it takes no more guesses
            challenge.usable(now)
            if challenge.verified:
                raise InvalidInput("This sign-in was already used. Please sign in again.")
            if challenge.account_id is None:  # a passwordless attempt that named nobody: no code is right
                failed = stand_in_failed(uow, self._kit, challenge, now)
                uow.commit()
                raise wrong_code(failed.failures)
            account = load_account(uow, challenge.account_id, for_update=True)
            correct, account = (self._passkeys.check(uow, challenge, account, code) if passkey and self._passkeys
                                else self._check_code(uow, challenge, account, code.strip()))
            uow.access.save_challenge(challenge.after_guess(correct, now))
            actor = Actor(f"{account.first_name} {account.last_name}".strip(), account.id, ip)
            if not correct:
                uow.access.save_account(account.after_failure(now, self._kit.policy))
                self._kit.audit(uow, audit.LOGIN_CODE_FAILED, actor, patient_id=account.patient_id)
                uow.commit()
                failures = challenge.failures + 1
                raise passkey_failed(failures) if passkey else wrong_code(failures)
            session_token, session_hash = self._kit.new_token()
            uow.access.add_session(new_session(session_hash, challenge.account_id, now, self._kit.policy,
                                               method=challenge.method, acting_for=account.patient_id, ip=ip,
                                               user_agent=user_agent))
            signed_in = account.after_login(now)
            uow.access.save_account(signed_in)
            self._kit.audit(uow, audit.LOGIN, actor, patient_id=account.patient_id, method=challenge.method)
            uow.commit()
        return SignedIn(session_token, signed_in, signed_in.must_change_password)

    def passkey_options(self, token: str) -> str:
        """The JSON options for the browser's ``navigator.credentials.get`` in a login attempt that asks for a
        passkey (reading them changes nothing). Raises ``InvalidInput`` when the attempt is over or asks for
        something else."""
        with self._kit.uow(readonly=True) as uow:
            challenge = self._challenge(uow, token)
            challenge.usable(self._kit.clock.now())
            if challenge.method != "passkey" or challenge.verified or self._passkeys is None:
                raise InvalidInput("This sign-in has expired. Please sign in again.")
            return self._passkeys.options(uow, challenge)

    def session(self, token: str) -> PortalSession | None:
        """The live session behind a cookie, its last-seen time moved on; None when unknown, ended, idle too
        long, past its absolute limit, or while the clinic's portal is closed."""
        if not token:
            return None
        now = self._kit.clock.now()
        with self._kit.uow(readonly=True) as uow:  # most requests only read: no write lock for them
            found = uow.access.session_by_token(self._kit.digest(token))
            if found is None or not found.alive(now, self._kit.policy) or not self._kit.is_open(uow):
                return None
        if found.seen_long_ago(now):
            found = attrs.evolve(found, last_seen_at=now)
            with self._kit.uow() as uow:
                uow.access.save_session(found)
                uow.commit()
        return found

    def ensure_open(self) -> None:
        """Raises ``PortalClosed`` when the clinic switched its patient portal off (pages check it first)."""
        with self._kit.uow(readonly=True) as uow:
            self._kit.require_open(uow)

    def logout(self, token: str, *, ip: str = "") -> None:
        """Ends the session on the server (the cookie alone is worth nothing afterwards)."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            found = uow.access.session_by_token(self._kit.digest(token))
            if found is None or found.ended_at is not None:
                return
            uow.access.save_session(attrs.evolve(found, ended_at=now))
            self._kit.audit(uow, audit.LOGOUT, Actor("", found.account_id, ip))
            uow.commit()

    # -- parts
    def _check_ip(self, uow: UnitOfWork, ip: str) -> None:
        if ip and uow.access.throttle(f"ip:{ip}", self._kit.clock.now(), IP_WINDOW) >= \
                self._kit.policy.ip_failures_per_hour:
            raise TooManyAttempts(IP_WINDOW)

    def _failed(self, uow: UnitOfWork, account: Account | None, ip: str, address: str) -> None:
        now = self._kit.clock.now()
        if ip:
            uow.access.count_failure(f"ip:{ip}", now, IP_WINDOW)
        if account is not None:
            uow.access.save_account(account.after_failure(now, self._kit.policy))
        else:  # slowed down exactly like a known account, so the delay does not tell the two apart
            address_failed(uow, self._kit.policy, address_key(self._kit, address), now)
        self._kit.audit(uow, audit.LOGIN_FAILED, Actor(address, account.id if account else None, ip),
                        patient_id=account.patient_id if account else None)

    def _challenge(self, uow: UnitOfWork, token: str) -> LoginChallenge:
        challenge = uow.access.challenge(self._kit.digest(token))
        if challenge is None:
            raise InvalidInput("This sign-in has expired. Please sign in again.")
        return challenge

    def _check_code(self, uow: UnitOfWork, challenge: LoginChallenge, account: Account,
                    typed: str) -> tuple[bool, Account]:
        digits = "".join(ch for ch in typed if ch.isdigit())
        if challenge.method in CODE_METHODS:
            expected = self._kit.digest(f"{challenge.token_hash}:{digits}")
            return len(digits) == 6 and hmac.compare_digest(expected, challenge.code_hash), account
        if account.totp_secret and len(digits) == 6 and len(typed.replace(" ", "")) == 6:
            step = self._otp.matching_step(account.totp_secret, digits, self._kit.clock.now())
            if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
                return False, account  # a code already used (or older) never works twice
            updated = attrs.evolve(account, totp_last_step=step)
            uow.access.save_account(updated)
            return True, updated
        used = uow.access.use_recovery_code(account.id or 0, hash_code(typed, self._kit.secret), self._kit.clock.now())
        return used, account

    def _send_code(self, uow: UnitOfWork, account: Account, challenge: LoginChallenge, code: str,
                   language: str) -> str:
        self._kit.audit(uow, audit.LOGIN_CODE_SENT, Actor("system", account.id), patient_id=account.patient_id)
        if challenge.method == "sms":
            return code_message(self._kit, uow, account, challenge, code, language)
        return self._kit.email(uow, "login_code", to=account.email, language=account.language or language,
                               key=f"login:{challenge.token_hash[:16]}:code:{challenge.sends}",
                               context={"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)})

    def account(self, session: PortalSession) -> SignedInAccount:
        """Who is signed in on ``session``: the login with its own name, the patient it acts for (named when
        it is someone else), and how many records it may switch between. Raises ``NotFound`` when the
        account no longer exists."""
        with self._kit.uow(readonly=True) as uow:
            return signed_in_account(uow, session, self._kit.clock.now())
