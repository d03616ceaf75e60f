"""Authenticator-app codes (RFC 6238 TOTP: SHA-1, 6 digits, 30-second steps) with pyotp."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

import pyotp

_STEP = timedelta(seconds=30)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PyotpOneTimePasswords:
    """OneTimePasswords backed by pyotp.

    ``matching_step`` returns the exact step that matched, so the caller can refuse a second use of the
    last accepted step (a code seen over someone's shoulder stays usable for up to 90 seconds otherwise).
    """

    def new_secret(self) -> str:
        """A fresh random base32 secret: 32 characters, 160 bits (the HMAC-SHA-1 key size RFC 4226 advises)."""
        return pyotp.random_base32()

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The ``otpauth://totp/...`` URI (secret, account and issuer) that an authenticator app reads from a QR code."""
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)

    def matching_step(self, secret: str, code: str, at: datetime, *, window: int = 1) -> int | None:
        """The time step whose code equals ``code``: the step of ``at``, then earlier/later ones up to ``window``.

        Returns None for anything that is not exactly six ASCII digits, and when no step within the window
        matches. Raises ``ValueError`` when ``at`` is naive or ``window`` negative.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("matching_step needs a timezone-aware datetime")
        if window < 0:
            raise ValueError("window must not be negative")
        # str.isdigit() also accepts other scripts' digits ("٣"), which no authenticator app shows.
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            return None
        # Integer arithmetic on timedeltas: no float rounding at step boundaries.
        current = (at - _EPOCH) // _STEP
        totp = pyotp.TOTP(secret)
        for offset in _offsets(window):
            step = current + offset
            if step < 0:
                continue
            if hmac.compare_digest(totp.at(step * 30).encode("ascii"), code.encode("ascii")):
                return step
        return None


def _offsets(window: int) -> list[int]:
    """0, -1, +1, -2, +2, ...: the likeliest step first (clocks drift both ways, codes arrive late)."""
    offsets = [0]
    for distance in range(1, window + 1):
        offsets += [-distance, distance]
    return offsets
