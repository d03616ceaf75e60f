"""Argon2PasswordHasher: argon2id password hashes with argon2-cffi (RFC 9106 low-memory profile by default)."""

from __future__ import annotations

import dataclasses

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from portalcore.domain.passwords import normalize_password

# What dummy_verify checks against: any fixed text will do, it is never a real patient's password.
_DUMMY_PASSWORD = "portal dummy password for unknown accounts"


class Argon2PasswordHasher:
    """The ``PasswordHasher`` port with argon2id.

    Passwords are NFKC-normalized before hashing and verifying (NIST SP 800-63B-4), so the same password typed
    on another keyboard still matches. The defaults are RFC 9106's second recommended profile (t=3, m=64 MiB,
    p=4); tests pass cheap parameters.
    """

    def __init__(self, *, time_cost: int | None = None, memory_cost: int | None = None,
                 parallelism: int | None = None) -> None:
        changes = {name: value for name, value in
                   (("time_cost", time_cost), ("memory_cost", memory_cost), ("parallelism", parallelism))
                   if value is not None}
        parameters = dataclasses.replace(RFC_9106_LOW_MEMORY, **changes)
        self._hasher = argon2.PasswordHasher.from_parameters(parameters)
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        """A new salted argon2id hash (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) of the NFKC form."""
        return self._hasher.hash(normalize_password(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        """True when ``password`` matches ``stored_hash``; False when it does not or the hash is unreadable."""
        try:
            return self._hasher.verify(stored_hash, normalize_password(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was not made with this hasher's parameters (weaker ones, an older type or
        version, or parameters an admin has since changed), or cannot be read; replace it at the next login."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True

    def dummy_verify(self) -> None:
        """Spends the time of one real ``verify`` against a fixed hash made with today's parameters.

        Called when a login names an unknown email, so that the answer takes as long as for a known one and
        the timing does not tell which emails have accounts. The fixed hash is made once, on first use.
        """
        if self._dummy_hash is None:
            # two threads may both build it on first use; harmless, the result is equivalent
            self._dummy_hash = self._hasher.hash(_DUMMY_PASSWORD)
        self.verify(self._dummy_hash, "not the dummy password")
