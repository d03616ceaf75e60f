"""The checkout's browser key: a random cookie naming this browser's checkouts.

What a patient types at checkout is kept on the server by the hold's token (``CheckoutSteps``); it is shown and
used only with the key of the browser that typed it, so a hold's link reaching someone else shows them nothing.
The cookie ends with the browser session, like the sign-in cookie.
"""

from __future__ import annotations

import secrets
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Response

from portal_web.sessions import cookie_name, make_cookie
from portalcore.bootstrap import Portal

COOKIE = "portal_checkout"
R = TypeVar("R", bound=Response[Any])


def browser_key(request: Request[Any, Any, Any], portal: Portal) -> tuple[str, Cookie | None]:
    """This browser's key, and the cookie to set when it had none yet."""
    base_url = portal.settings.base_url
    key = request.cookies.get(cookie_name(base_url, COOKIE), "")
    if key:
        return key, None
    key = secrets.token_urlsafe(24)
    return key, make_cookie(base_url, COOKIE, key)


def with_key(response: R, cookie: Cookie | None) -> R:
    """The response, setting the browser's new key when there is one."""
    if cookie is not None:
        response.cookies.append(cookie)
    return response
