"""Passkeys (WebAuthn credentials) a patient registered as a second step of signing in.

Only the public half of the key is kept; the private key never leaves the patient's device.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

import attrs

from portalcore.domain.errors import InvalidInput

NAME_MAX = 100
DEFAULT_NAME = "Passkey"


@attrs.frozen
class Passkey:
    """A registered credential: its id, public key (COSE), and the authenticator's signature counter."""

    account_id: int
    credential_id: bytes
    public_key: bytes
    sign_count: int = 0
    name: str = DEFAULT_NAME
    transports: list[str] = attrs.field(factory=list)
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    id: int | None = None


@attrs.frozen
class NewPasskey:
    """What a verified registration yields, before it is stored."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: list[str] = attrs.field(factory=list)


def passkey_name(text: str) -> str:
    """The name a patient gives a passkey ("Work laptop"), trimmed, control characters removed; "Passkey" when
    empty. Raises ``InvalidInput`` when longer than 100 characters."""
    visible = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    cleaned = " ".join(visible.split())
    if len(cleaned) > NAME_MAX:
        raise InvalidInput("Please give the passkey a name of at most %(limit)s characters.", limit=NAME_MAX)
    return cleaned or DEFAULT_NAME
