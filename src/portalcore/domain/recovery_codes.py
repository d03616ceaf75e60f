"""Recovery codes: the one-time codes a patient writes down in case the authenticator app is lost.

Codes are shown once and stored only as keyed hashes, so a copy of the database does not reveal them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford's base32 alphabet in lower case: no i, l, o or u, so nothing reads as 1, 0 or v.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CODE_LENGTH = 10  # 50 bits each: far beyond guessing under a rate limit


def new_recovery_codes(count: int = 10) -> list[str]:
    """``count`` distinct random codes formatted ``xxxxx-xxxxx`` (from ``secrets``), to show the patient once."""
    codes: list[str] = []
    while len(codes) < count:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        code = f"{raw[:5]}-{raw[5:]}"
        if code not in codes:
            codes.append(code)
    return codes


def normalize_recovery_code(text: str) -> str:
    """The code as typed, lower-cased, without spaces or dashes: ``"ABCDE-fghij "`` -> ``"abcdefghij"``."""
    return "".join(text.split()).replace("-", "").lower()


def hash_code(code: str, pepper: bytes) -> str:
    """The hex HMAC-SHA256 of the normalized code under ``pepper`` (a server-side secret), for storing and lookup."""
    return hmac.new(pepper, normalize_recovery_code(code).encode("utf-8"), hashlib.sha256).hexdigest()
