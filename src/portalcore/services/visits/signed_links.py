"""Signed links to one visit, carried by reminders: whoever holds the link may confirm or cancel that visit.

The link names the visit and when it stops working, signed with the clinic's secret key; nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import attrs

from portalcore.domain.errors import InvalidInput

BAD_LINK = "This link is not valid. Please use the newest reminder we sent, or call the clinic."
EXPIRED_LINK = "This link has expired. Please call the clinic or sign in to your portal."


@attrs.frozen
class VisitLinks:
    secret: bytes
    base_url: str

    def token(self, visit_id: int, expires_at: datetime) -> str:
        payload = f"{visit_id}.{int(expires_at.timestamp())}"
        return f"{payload}.{self._sign(payload)}"

    def url(self, visit_id: int, expires_at: datetime) -> str:
        return f"{self.base_url.rstrip('/')}/visit/{self.token(visit_id, expires_at)}"

    def read(self, token: str, now: datetime) -> int:
        """The visit id a link names; raises ``InvalidInput`` for a forged, mangled or expired link."""
        visit, _, rest = token.partition(".")
        expires, _, signature = rest.partition(".")
        if not (visit.isdigit() and expires.isdigit()) or not hmac.compare_digest(
                signature.encode(), self._sign(f"{visit}.{expires}").encode()):
            raise InvalidInput(BAD_LINK)
        if now >= datetime.fromtimestamp(int(expires), UTC):
            raise InvalidInput(EXPIRED_LINK)
        return int(visit)

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self.secret, f"visit-link:{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")

