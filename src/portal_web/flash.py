"""A few facts carried across a redirect (POST-redirect-GET): what a form just did that the page it leads to
cannot read back from the core, e.g. which part of a cancellation fee the deposit paid.

They travel in a short-lived, signed, HttpOnly cookie scoped to the path of the page that shows them, never in
the URL; the signature binds them to that path, so they cannot be edited or replayed elsewhere, and the page
clears the cookie once it has read it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from litestar.datastructures import Cookie

MAX_AGE = 300


def _signature(secret: str, name: str, path: str, payload: str) -> str:
    key = hashlib.sha256(f"portal_web.flash.{name}:{secret}".encode()).digest()
    return hmac.new(key, f"{path}|{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def flash_cookie(secret: str, name: str, path: str, facts: Mapping[str, Any], *, secure: bool,
                 max_age: int = MAX_AGE) -> Cookie:
    """``facts`` (JSON-able) for the page at ``path``, for ``max_age`` seconds."""
    payload = base64.urlsafe_b64encode(json.dumps(dict(facts)).encode()).decode()
    return Cookie(key=name, value=f"{payload}.{_signature(secret, name, path, payload)}", path=path,
                  max_age=max_age, secure=secure, httponly=True, samesite="lax")


def read_flash(secret: str, name: str, path: str, cookies: Mapping[str, str]) -> dict[str, Any] | None:
    """The facts in the cookie when they are for ``path`` and untouched, else None."""
    payload, _, signature = cookies.get(name, "").rpartition(".")
    if not payload or not hmac.compare_digest(signature, _signature(secret, name, path, payload)):
        return None
    try:
        facts = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, binascii.Error):
        return None
    return facts if isinstance(facts, dict) else None


def cleared(name: str, path: str, *, secure: bool) -> Cookie:
    return Cookie(key=name, value="", path=path, max_age=0, secure=secure, httponly=True, samesite="lax")
