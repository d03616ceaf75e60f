"""Security helpers behind interfaces: password hashes, breached-password lists, CAPTCHA, passkeys and
authenticator-app codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from portalcore.domain.passkeys import NewPasskey, Passkey


class PasswordHasher(Protocol):
    """Slow, salted password hashes (argon2id)."""

    def hash(self, password: str) -> str: ...
    def verify(self, stored_hash: str, password: str) -> bool:
        """True when ``password`` matches; False (never an exception) when it does not or the hash is unreadable."""

    def dummy_verify(self) -> None:
        """Spends as long as a real ``verify`` (answers about unknown emails take the same time)."""

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with weaker parameters than today's and should be replaced at login."""


class BreachedPasswords(Protocol):
    """Knows passwords that are common or appeared in breaches (checked after NFKC normalization)."""

    def is_breached(self, password: str) -> bool: ...


class Captcha(Protocol):
    """A human check on sign-up, login and reset forms; the null adapter accepts everyone (off by default)."""

    enabled: bool
    site_key: str
    provider: str  # "none", "recaptcha", "hcaptcha" or "turnstile": which widget the page must show

    def verify(self, response_token: str, remote_ip: str | None = None) -> bool:
        """True when the provider confirms the token; False when it refuses or cannot be reached."""


class PasskeyVerifier(Protocol):
    """WebAuthn for this site (the relying party is the host of ``base_url``): the options for the browser's
    ``navigator.credentials`` calls, as JSON, and the checks of what the authenticator answered."""

    def registration_options(self, *, challenge: bytes, user_id: bytes, user_name: str, display_name: str,
                             site_name: str, exclude: Sequence[Passkey]) -> str:
        """Options for ``navigator.credentials.create`` (the passkeys in ``exclude`` are not created twice);
        ``site_name`` is what the browser shows as the site (the clinic's name)."""

    def verify_registration(self, response: str, *, challenge: bytes) -> NewPasskey:
        """The credential the browser created; raises ``InvalidInput`` when the answer does not check out."""

    def authentication_options(self, *, challenge: bytes, passkeys: Sequence[Passkey]) -> str:
        """Options for ``navigator.credentials.get`` limited to these passkeys."""

    def credential_id(self, response: str) -> bytes:
        """Which credential an answer of ``navigator.credentials.get`` claims to come from; raises ``InvalidInput``
        when the answer cannot be read."""

    def verify_authentication(self, response: str, *, challenge: bytes, passkey: Passkey) -> int:
        """The authenticator's new signature count; raises ``InvalidInput`` for a wrong signature, challenge or
        origin, and for a count that did not go up (a sign of a cloned authenticator)."""


class OneTimePasswords(Protocol):
    """Authenticator-app codes (RFC 6238 TOTP, 6 digits, 30-second steps)."""

    def new_secret(self) -> str: ...
    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The ``otpauth://`` URI an authenticator app reads (usually from a QR code)."""

    def matching_step(self, secret: str, code: str, at: datetime, *, window: int = 1) -> int | None:
        """The time step (``at`` // 30 s, ± ``window``) whose code equals ``code``, or None."""
