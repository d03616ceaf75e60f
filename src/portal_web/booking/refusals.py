"""Why a checkout form was refused, shown once on the page the form redirects to.

Every checkout form answers with a redirect, a refused one too (POST-redirect-GET throughout), so the browser's
history holds only pages it can fetch again and the Back button never asks to send a form twice. The refusal
(the service's sentence, untranslated: the page translates it; its status; what the form sent, to fill it in
again) travels in a short-lived, signed, HttpOnly cookie scoped to that checkout's path, and the page that shows
it clears it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping

import attrs
from litestar.datastructures import Cookie

from portal_web.errors import describe
from portalcore.domain.errors import PortalError

COOKIE = "checkout_refusal"
MAX_AGE = 300


@attrs.frozen
class Refusal:
    step: str  # the step's path after the checkout's own ("", "/code", "/card")
    message: str
    code: str
    status: int
    typed: dict[str, str] = attrs.field(factory=dict)


def refusal_of(step: str, error: PortalError, typed: Mapping[str, str] | None = None,
               lang: str = "en") -> Refusal:
    """Why ``step`` was refused, in the page's language (the cookie carries the sentence as it will be shown)."""
    failure = describe(error, lang)
    return Refusal(step, failure.detail, failure.code, failure.status, dict(typed or {}))


def _signature(secret: str, path: str, payload: str) -> str:
    key = hashlib.sha256(f"portal_web.refusal:{secret}".encode()).digest()
    return hmac.new(key, f"{path}|{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def refusal_cookie(secret: str, path: str, refusal: Refusal, secure: bool) -> Cookie:
    """The refusal for the checkout at ``path``, signed so it cannot be edited or moved to another checkout."""
    payload = base64.urlsafe_b64encode(json.dumps(attrs.asdict(refusal)).encode()).decode()
    return Cookie(key=COOKIE, value=f"{payload}.{_signature(secret, path, payload)}", path=path, max_age=MAX_AGE,
                  secure=secure, httponly=True, samesite="lax")


def cleared(path: str, secure: bool) -> Cookie:
    return Cookie(key=COOKIE, value="", path=path, max_age=0, secure=secure, httponly=True, samesite="lax")


def read_refusal(secret: str, path: str, cookies: Mapping[str, str]) -> Refusal | None:
    """The refusal in the cookie when it is for this checkout and untouched, else None."""
    payload, _, signature = cookies.get(COOKIE, "").rpartition(".")
    if not payload or not hmac.compare_digest(signature, _signature(secret, path, payload)):
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return Refusal(step=str(fields["step"]), message=str(fields["message"]), code=str(fields["code"]),
                       status=int(fields["status"]), typed={str(k): str(v) for k, v in fields["typed"].items()})
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return None
