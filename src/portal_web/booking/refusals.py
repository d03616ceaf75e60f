"""Why a checkout form was refused, shown once on the page the form redirects to.

Every checkout form answers with a redirect, a refused one too (POST-redirect-GET throughout), so the browser's
history holds only pages it can fetch again and the Back button never asks to send a form twice. The refusal
(the service's sentence in the page's language, its status, what the form sent, to fill it in again) travels
in a flash cookie scoped to that checkout's path (``portal_web/flash.py``), and the page that shows it clears it.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from litestar.datastructures import Cookie

from portal_web.errors import describe
from portal_web.flash import cleared as flash_cleared
from portal_web.flash import flash_cookie, read_flash
from portalcore.domain.errors import PortalError

COOKIE = "checkout_refusal"


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


def refusal_cookie(secret: str, path: str, refusal: Refusal, secure: bool) -> Cookie:
    """The refusal for the checkout at ``path``, signed so it cannot be edited or moved to another checkout."""
    return flash_cookie(secret, COOKIE, path, attrs.asdict(refusal), secure=secure)


def cleared(path: str, secure: bool) -> Cookie:
    return flash_cleared(COOKIE, path, secure=secure)


def read_refusal(secret: str, path: str, cookies: Mapping[str, str]) -> Refusal | None:
    """The refusal in the cookie when it is for this checkout and untouched, else None."""
    fields = read_flash(secret, COOKIE, path, cookies)
    if fields is None:
        return None
    try:
        return Refusal(step=str(fields["step"]), message=str(fields["message"]), code=str(fields["code"]),
                       status=int(fields["status"]), typed={str(k): str(v) for k, v in fields["typed"].items()})
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
