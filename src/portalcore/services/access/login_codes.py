"""Signing in with only a one-time code (a clinic setting), and slowing down guesses against addresses that have
no account, so that neither tells whether an email or mobile number is known.

A passwordless request naming no usable login still opens a login attempt: a stand-in challenge with no
account whose stored hash is no code's hash, so no code is ever right. The code step then answers wrong
codes, resends and expiry exactly as for a real attempt, and the wrong codes count against the address in the
``throttle`` table, as a real login's count against its account.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from portalcore.domain import audit
from portalcore.domain.access import AccessPolicy, Account, LoginChallenge
from portalcore.domain.errors import InvalidInput
from portalcore.domain.verification import CODE_TTL, MAX_FAILURES
from portalcore.ports import UnitOfWork
from portalcore.services.access.kit import AccessKit, Actor
from portalcore.services.contact import check_email, check_mobile

CODE_METHODS = ("email", "sms")  # second steps answered with a code we sent
# An account's failed logins never expire by time alone, so an unknown address's must not either: a count that
# reset after a quiet day would set unknown addresses apart from known ones.
ADDRESS_WINDOW = 100 * 365 * 24 * 3600
NOT_OFFERED = "This clinic does not offer signing in with a code only. Please sign in with your password."
NO_IDENTIFIER = "Please give the email address or the mobile number you gave the clinic."
OVER = "Too many wrong codes. Please sign in again to get a new code."


class SignInOver(InvalidInput):
    """This login attempt takes no more codes (too many wrong ones, or it was used): only signing in again
    helps, so the pages lead straight back to the sign-in form."""

    code = "sign_in_over"

    def __init__(self, message: str = OVER) -> None:
        super().__init__(message)


@attrs.frozen
class CodeSent:
    """A passwordless login attempt: its token (kept by that browser only), where the code went ("email" or
    "sms", decided by what was typed), and the messages still to send (none when nobody was found)."""

    token: str
    method: str
    pending: tuple[str, ...] = ()


def address_key(kit: AccessKit, address: str) -> str:
    """The throttle key of a normalized email or E.164 number (keyed hash: the table holds no addresses)."""
    return f"login:{kit.digest(address)}"


def address_wait(uow: UnitOfWork, key: str, now: datetime) -> int:
    """Seconds before the address may be tried again (0: now); the same rounding as ``Account.wait``."""
    until = uow.access.blocked_until(key)
    if until is None or until <= now:
        return 0
    return int((until - now).total_seconds() + 0.999)


def address_failed(uow: UnitOfWork, policy: AccessPolicy, key: str, now: datetime) -> None:
    """Counts a failure against an address without a login, with the delays ``Account.after_failure`` sets."""
    failures = uow.access.count_failure(key, now, ADDRESS_WINDOW)
    delay = policy.throttle_delay(failures)
    uow.access.block(key, now + delay if delay else None)


def read_identifier(identifier: str, region: str = "US") -> tuple[str, str]:
    """``("email", address)`` or ``("sms", +E.164 number)``; raises ``InvalidInput`` for anything else. Only
    the form of the input decides, never whether it is known."""
    text = identifier.strip()
    if "@" in text:
        return "email", check_email(text)
    try:
        return "sms", check_mobile(text, region)
    except InvalidInput:
        raise InvalidInput(NO_IDENTIFIER) from None


def account_for(uow: UnitOfWork, method: str, address: str) -> Account | None:
    """The login a code sent to ``address`` may open, or None: unknown, not active yet, shared by several
    logins (a family's one mobile: we cannot tell whom to sign in), or with an authenticator or a passkey
    enrolled (a code by email or text alone must not get round it)."""
    if method == "email":
        found = uow.access.account_by_email(address, for_update=True)
        candidates = [found] if found is not None else []
    else:
        candidates = uow.access.accounts_by_mobile(address)
    usable = [account for account in candidates if account.active and not account.totp_secret
              and not uow.access.passkeys(account.id or 0)]
    return usable[0] if len(usable) == 1 and len(candidates) == 1 else None


def stand_in(kit: AccessKit, token_hash: str, method: str, address: str, now: datetime, ip: str) -> LoginChallenge:
    """A challenge for a request that named nobody. Its code hash is the address's keyed hash: no code
    matches it (that would need an HMAC collision), and a wrong guess finds the address to throttle by it."""
    return LoginChallenge(token_hash=token_hash, account_id=None, method=method, code_hash=kit.digest(address),
                          expires_at=now + CODE_TTL, last_sent_at=now, ip=ip)


def stand_in_work(uow: UnitOfWork, kit: AccessKit, method: str, address: str, language: str, ip: str) -> None:
    """What a real request does before it answers, short of queuing the message: an audit row, the clinic and
    the rendering of the message, so the answer takes about as long whether or not the address is known."""
    kit.audit(uow, audit.LOGIN_FAILED, Actor(address, None, ip), via="code only", reason="no usable login")
    clinic = uow.clinic.get()
    context = {"clinic_name": clinic.name if clinic else "Portal", "code": "000000",
               "minutes": int(CODE_TTL.total_seconds() // 60)}
    if method == "sms":
        kit.composer.sms("login_code_sms", to=address, language=language, key="", context=context)
    else:
        kit.composer.email("login_code", to=address, language=language, key="", context=context)


def stand_in_failed(uow: UnitOfWork, kit: AccessKit, challenge: LoginChallenge, now: datetime) -> LoginChallenge:
    """Records a guess on a stand-in challenge (always wrong) as a real wrong guess would be recorded."""
    failed = challenge.after_guess(False, now)
    uow.access.save_challenge(failed)
    address_failed(uow, kit.policy, f"login:{challenge.code_hash}", now)
    kit.audit(uow, audit.LOGIN_CODE_FAILED, Actor("", None, challenge.ip))
    return failed


def wrong_code(failures: int) -> InvalidInput:
    """What a wrong code answers after ``failures`` wrong codes on this attempt."""
    left = MAX_FAILURES - failures
    if left > 0:
        return InvalidInput("That code is not right. %(count)s try left.",
                            plural="That code is not right. %(count)s tries left.", count=left)
    return InvalidInput("That code is not right. Please sign in again to get a new code.")


def code_message(kit: AccessKit, uow: UnitOfWork, account: Account, challenge: LoginChallenge, code: str,
                 language: str) -> str:
    """Queues the text with the code to the mobile of the login's own patient; returns its outbox key."""
    patient = uow.patients.get(account.patient_id) if account.patient_id is not None else None
    if patient is None or not patient.mobile:
        raise InvalidInput("This sign-in can no longer send a text. Please sign in again.")
    return kit.sms(uow, "login_code_sms", to=patient.mobile, language=account.language or language,
                   key=f"login:{challenge.token_hash[:16]}:sms:{challenge.sends}",
                   context={"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)})
