"""Passkeys in the second step of signing in: the options the browser needs, and the check of its answer.

The WebAuthn challenge of a ceremony is never sent ahead and stored: it is derived from the server's secret,
the ceremony's stored token hash and its count of failed tries. Only this server can compute it, it belongs to
one login attempt (or one passkey setup), and every check uses it up: a success ends the attempt, a failure
moves the count on and so changes the challenge. Showing the options again (a reload) changes nothing stored.
"""

from __future__ import annotations

import attrs

from portalcore.domain.access import Account, LoginChallenge
from portalcore.domain.errors import InvalidInput
from portalcore.domain.verification import MAX_FAILURES
from portalcore.ports import PasskeyVerifier, UnitOfWork
from portalcore.services.access.kit import AccessKit


def ceremony_challenge(kit: AccessKit, token_hash: str, failures: int) -> bytes:
    """The 32-byte WebAuthn challenge of the ceremony stored under ``token_hash`` after ``failures`` failed tries."""
    return bytes.fromhex(kit.digest(f"webauthn:{token_hash}:{failures}"))


def user_handle(kit: AccessKit, account_id: int) -> bytes:
    """The WebAuthn user id of an account: stable, opaque (no email or number a device could leak), 32 bytes."""
    return bytes.fromhex(kit.digest(f"webauthn-user:{account_id}"))


class PasskeyLogin:
    """Used by ``LoginService`` when the account has a passkey."""

    def __init__(self, kit: AccessKit, verifier: PasskeyVerifier) -> None:
        self._kit, self._verifier = kit, verifier

    def has_passkey(self, uow: UnitOfWork, account_id: int) -> bool:
        return bool(uow.access.passkeys(account_id))

    def options(self, uow: UnitOfWork, challenge: LoginChallenge) -> str:
        """The JSON for ``navigator.credentials.get``: this attempt's challenge and the account's passkeys."""
        return self._verifier.authentication_options(
            challenge=ceremony_challenge(self._kit, challenge.token_hash, challenge.failures),
            passkeys=uow.access.passkeys(challenge.account_id))

    def check(self, uow: UnitOfWork, challenge: LoginChallenge, account: Account,
              response: str) -> tuple[bool, Account]:
        """True when ``response`` is a valid signature of this attempt's challenge by one of the account's own
        passkeys, whose signature count went up (then stored with the time of use)."""
        try:
            passkey = uow.access.passkey_by_credential(self._verifier.credential_id(response))
            if passkey is None or passkey.account_id != account.id:
                return False, account
            count = self._verifier.verify_authentication(
                response, challenge=ceremony_challenge(self._kit, challenge.token_hash, challenge.failures),
                passkey=passkey)
        except InvalidInput:
            return False, account
        uow.access.save_passkey(attrs.evolve(passkey, sign_count=count, last_used_at=self._kit.clock.now()))
        return True, account


def passkey_failed(failures: int) -> InvalidInput:
    """What a passkey answer that does not check out says after ``failures`` failed tries on this attempt."""
    left = MAX_FAILURES - failures
    if left > 0:
        return InvalidInput("Your passkey could not be checked. %(count)s try left.",
                            plural="Your passkey could not be checked. %(count)s tries left.", count=left)
    return InvalidInput("Your passkey could not be checked. Please sign in again.")
