"""Second factors a patient enrols from their settings: an authenticator app (TOTP) with recovery codes, and
passkeys. Once one is enrolled it replaces the emailed code at sign-in.

Every change asks for the password again (or a session that proved it within the last few minutes), is written
to the audit log, and is told to the patient by email, so a stolen session cannot quietly add its own factor.
The factors always belong to the session's own login, also while it acts for someone else.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import attrs

from portalcore.domain import audit
from portalcore.domain.access import Account, LoginChallenge, PortalSession
from portalcore.domain.errors import Conflict, InvalidInput, NotFound
from portalcore.domain.passkeys import Passkey, passkey_name
from portalcore.domain.recovery_codes import hash_code, new_recovery_codes
from portalcore.domain.verification import CODE_TTL, MAX_FAILURES
from portalcore.ports import OneTimePasswords, PasskeyVerifier, UnitOfWork
from portalcore.services.access.kit import AccessKit, Actor, load_account, stamp
from portalcore.services.access.login import TooManyAttempts
from portalcore.services.access.passkey_login import ceremony_challenge, user_handle
from portalcore.services.delivery import when_text

MAX_PASSKEYS = 10
SETUP = "passkey_setup"  # the method of the stored ceremony row of a passkey setup
BASE32 = re.compile(r"[A-Z2-7]{16,64}")
SESSION_OVER = "Your session has ended. Please sign in again."
WRONG_PASSWORD = "Your password is not right."
PASSWORD_AGAIN = "Please type your password to confirm it is you."
# What the email names, in the account's language (the templates put it in a sentence).
FACTOR_NAMES = {
    "en": {"totp": "an authenticator app", "passkey": "the passkey “{name}”",
           "recovery_codes": "a new set of recovery codes"},
    "es": {"totp": "una aplicación de autenticación", "passkey": "la llave de acceso «{name}»",
           "recovery_codes": "un nuevo juego de códigos de recuperación"},
}


@attrs.frozen
class Factors:
    """What protects a login besides the password."""

    totp: bool
    passkeys: list[Passkey]
    recovery_codes_left: int

    @property
    def any(self) -> bool:
        return self.totp or bool(self.passkeys)


@attrs.frozen
class PendingTotp:
    """A secret not yet active: the patient adds it to an app (from the URI or typed) and proves it with a code."""

    secret: str
    uri: str


@attrs.frozen
class PasskeySetup:
    """One passkey registration: the token naming it, the options for the browser (JSON), the chosen name."""

    token: str
    options: str
    name: str


@attrs.frozen
class AddedPasskey:
    passkey: Passkey
    recovery_codes: list[str]  # fresh codes when the account had none left, else empty


class SecondFactorService:
    def __init__(self, kit: AccessKit, otp: OneTimePasswords, verifier: PasskeyVerifier) -> None:
        self._kit, self._otp, self._verifier = kit, otp, verifier

    def factors(self, session: PortalSession) -> Factors:
        """The factors of the session's own login."""
        with self._kit.uow(readonly=True) as uow:
            account = load_account(uow, session.account_id)
            assert account.id is not None
            return Factors(totp=bool(account.totp_secret), passkeys=uow.access.passkeys(account.id),
                           recovery_codes_left=uow.access.recovery_codes_left(account.id))

    # -- authenticator app
    def begin_totp(self, session: PortalSession, password: str) -> PendingTotp:
        """A new secret for an authenticator app; nothing changes until ``confirm_totp``. Raises ``InvalidInput``
        (wrong password), ``TooManyAttempts`` or ``Conflict`` (an app is already set up)."""
        with self._kit.uow() as uow:
            account = self._reauthenticate(uow, session, password)
            if account.totp_secret:
                raise Conflict("An authenticator app is already set up. Turn it off first to set up another.")
            pending = self._pending(uow, account, self._otp.new_secret())
            uow.commit()
        return pending

    def pending_totp(self, session: PortalSession, secret: str) -> PendingTotp:
        """The same not yet active setup again (to try another code). Raises ``InvalidInput`` when ``secret`` is
        not a key this service would make."""
        with self._kit.uow(readonly=True) as uow:
            return self._pending(uow, load_account(uow, session.account_id), _secret(secret))

    def confirm_totp(self, session: PortalSession, secret: str, code: str) -> list[str]:
        """Turns the app on once it shows a right code, and returns new recovery codes to show once (the old
        ones stop working). Raises ``InvalidInput`` for a wrong code or a session that has not just proved the
        password, ``Conflict`` when an app is already set up."""
        now, secret = self._kit.clock.now(), _secret(secret)
        with self._kit.uow() as uow:
            account = self._reauthenticate(uow, session, "")
            if account.totp_secret:
                raise Conflict("An authenticator app is already set up. Turn it off first to set up another.")
            digits = "".join(code.split())
            step = self._otp.matching_step(secret, digits, now)
            if step is None:
                raise InvalidInput("That code is not right. Type the newest code your app shows.")
            uow.access.save_account(attrs.evolve(account, totp_secret=secret, totp_last_step=step))
            codes = self._new_recovery_codes(uow, account)
            key = self._changed(uow, account, "totp", added=True, ip=session.ip)
            uow.commit()
        self._kit.send_now(key)
        return codes

    def disable_totp(self, session: PortalSession, password: str) -> None:
        """Turns the authenticator app off (with no passkey left, the emailed code comes back and the recovery
        codes stop working). Raises ``InvalidInput`` (wrong password, no app set up) or ``TooManyAttempts``."""
        with self._kit.uow() as uow:
            account = self._reauthenticate(uow, session, password)
            if not account.totp_secret:
                raise InvalidInput("No authenticator app is set up.")
            updated = attrs.evolve(account, totp_secret="", totp_last_step=None)
            uow.access.save_account(updated)
            self._void_codes_without_factors(uow, updated)
            key = self._changed(uow, account, "totp", added=False, ip=session.ip)
            uow.commit()
        self._kit.send_now(key)

    def regenerate_recovery_codes(self, session: PortalSession, password: str) -> list[str]:
        """New recovery codes to show once; the old ones stop working. Raises ``InvalidInput`` (wrong password,
        no second factor to recover) or ``TooManyAttempts``."""
        with self._kit.uow() as uow:
            account = self._reauthenticate(uow, session, password)
            if not account.totp_secret and not uow.access.passkeys(account.id or 0):
                raise InvalidInput("Set up an authenticator app or a passkey first; recovery codes stand in for them.")
            codes = self._new_recovery_codes(uow, account)
            key = self._changed(uow, account, "recovery_codes", added=True, ip=session.ip)
            uow.commit()
        self._kit.send_now(key)
        return codes

    # -- passkeys
    def begin_passkey(self, session: PortalSession, password: str, name: str) -> PasskeySetup:
        """Starts registering a passkey named ``name``: the options for the browser. Raises ``InvalidInput``
        (wrong password, a name too long, too many passkeys) or ``TooManyAttempts``."""
        now, chosen = self._kit.clock.now(), passkey_name(name)
        with self._kit.uow() as uow:
            account = self._reauthenticate(uow, session, password)
            assert account.id is not None
            existing = uow.access.passkeys(account.id)
            if len(existing) >= MAX_PASSKEYS:
                raise InvalidInput("You can keep at most %(count)s passkeys. Remove one first.", count=MAX_PASSKEYS)
            token, _ = self._kit.new_token()
            token_hash = self._setup_hash(token)
            uow.access.add_challenge(LoginChallenge(token_hash=token_hash, account_id=account.id, method=SETUP,
                                                    code_hash="", expires_at=now + CODE_TTL, last_sent_at=now), now)
            clinic, full_name = uow.clinic.get(), f"{account.first_name} {account.last_name}".strip()
            options = self._verifier.registration_options(
                challenge=ceremony_challenge(self._kit, token_hash, 0), user_id=user_handle(self._kit, account.id),
                user_name=account.email, display_name=full_name or account.email,
                site_name=clinic.name if clinic else "Portal", exclude=existing)
            uow.commit()
        return PasskeySetup(token=token, options=options, name=chosen)

    def add_passkey(self, session: PortalSession, token: str, response: str, name: str) -> AddedPasskey:
        """Stores the passkey the browser created for the setup ``token`` (single use, 10 minutes). Raises
        ``InvalidInput`` when the setup is over or the browser's answer does not check out, ``Conflict`` when
        that passkey is already registered."""
        now, chosen = self._kit.clock.now(), passkey_name(name)
        with self._kit.uow() as uow:
            setup = uow.access.challenge(self._setup_hash(token))
            if (setup is None or setup.method != SETUP or setup.account_id != session.account_id or setup.verified
                    or setup.failures >= MAX_FAILURES or now >= setup.expires_at):
                raise InvalidInput("This passkey setup is over. Please start again.")
            account = self._reauthenticate(uow, session, "", window=CODE_TTL)
            try:
                new = self._verifier.verify_registration(
                    response, challenge=ceremony_challenge(self._kit, setup.token_hash, setup.failures))
            except InvalidInput:
                uow.access.save_challenge(setup.after_guess(False, now))
                uow.commit()
                raise
            uow.access.save_challenge(setup.after_guess(True, now))
            assert account.id is not None
            first = uow.access.recovery_codes_left(account.id) == 0
            passkey = uow.access.add_passkey(Passkey(account_id=account.id, credential_id=new.credential_id,
                                                     public_key=new.public_key, sign_count=new.sign_count,
                                                     name=chosen, transports=new.transports), now)
            codes = self._new_recovery_codes(uow, account) if first else []
            key = self._changed(uow, account, "passkey", added=True, ip=session.ip, name=chosen)
            uow.commit()
        self._kit.send_now(key)
        return AddedPasskey(passkey=passkey, recovery_codes=codes)

    def remove_passkey(self, session: PortalSession, passkey_id: int, password: str) -> None:
        """Removes one of the session's own passkeys. Raises ``InvalidInput`` (wrong password),
        ``TooManyAttempts`` or ``NotFound`` (not a passkey of this login)."""
        with self._kit.uow() as uow:
            account = self._reauthenticate(uow, session, password)
            removed = uow.access.remove_passkey(account.id or 0, passkey_id)
            if removed is None:
                raise NotFound("That passkey is not on your account.")
            self._void_codes_without_factors(uow, account)
            key = self._changed(uow, account, "passkey", added=False, ip=session.ip, name=removed.name)
            uow.commit()
        self._kit.send_now(key)

    # -- parts
    def _reauthenticate(self, uow: UnitOfWork, session: PortalSession, password: str,
                        window: timedelta | None = None) -> Account:
        """The session's own account, after the password was typed again now or proved recently (within
        ``window``, by default the policy's re-authentication window).
        A wrong password counts towards the account's sign-in throttle (the failure is committed)."""
        now, policy = self._kit.clock.now(), self._kit.policy
        current = uow.access.session_by_token(session.token_hash)
        if current is None or not current.alive(now, policy):
            raise InvalidInput(SESSION_OVER)
        account = load_account(uow, current.account_id, for_update=True)
        if password:
            if account.wait(now):
                raise TooManyAttempts(account.wait(now))
            if not self._kit.password_matches(account, password):
                uow.access.save_account(account.after_failure(now, policy))
                uow.commit()
                raise InvalidInput(WRONG_PASSWORD)
            uow.access.save_session(attrs.evolve(current, reauthenticated_at=now))
            return account
        last = current.reauthenticated_at or current.created_at
        if now - last > (window or policy.reauth_window):
            raise InvalidInput(PASSWORD_AGAIN)
        return account

    def _pending(self, uow: UnitOfWork, account: Account, secret: str) -> PendingTotp:
        clinic = uow.clinic.get()
        return PendingTotp(secret=secret, uri=self._otp.provisioning_uri(
            secret, account=account.email, issuer=clinic.name if clinic else "Portal"))

    def _new_recovery_codes(self, uow: UnitOfWork, account: Account) -> list[str]:
        codes = new_recovery_codes()
        uow.access.replace_recovery_codes(account.id or 0, [hash_code(c, self._kit.secret) for c in codes],
                                          self._kit.clock.now())
        return codes

    def _void_codes_without_factors(self, uow: UnitOfWork, account: Account) -> None:
        # recovery codes stand in for a factor; with none left they would be a way around the emailed code
        if not account.totp_secret and not uow.access.passkeys(account.id or 0):
            uow.access.replace_recovery_codes(account.id or 0, [], self._kit.clock.now())

    def _changed(self, uow: UnitOfWork, account: Account, factor: str, *, added: bool, ip: str,
                 name: str = "") -> str:
        now = self._kit.clock.now()
        self._kit.audit(uow, audit.SECOND_FACTOR_ADDED if added else audit.SECOND_FACTOR_REMOVED,
                        Actor(account.email, account.id, ip), patient_id=account.patient_id, factor=factor,
                        **({"name": name} if name else {}))
        language = account.language if account.language in FACTOR_NAMES else "en"
        return self._kit.email(uow, "second_factor_changed", to=account.email, language=language,
                               key=f"factor:{account.id}:{factor}:{'added' if added else 'removed'}:{stamp(now)}",
                               context={"name": account.first_name, "added": added, "when": _when(uow, now, account.language),
                                        "factor": FACTOR_NAMES[language][factor].format(name=name)})

    def _setup_hash(self, token: str) -> str:
        # a prefix of its own, so a setup token can never be taken for a login attempt's token
        return self._kit.digest(f"passkey-setup:{token}")


def _secret(text: str) -> str:
    secret = "".join(text.split()).upper()
    if not BASE32.fullmatch(secret):
        raise InvalidInput("This setup is not valid any more. Please start again.")
    return secret


def _when(uow: UnitOfWork, now: datetime, language: str) -> str:
    clinic = uow.clinic.get()
    return when_text(now, clinic.time_zone if clinic else "UTC", language, with_zone=True)
