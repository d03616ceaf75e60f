"""Who is signed in: the session and login-attempt cookies, and the ``visitor`` dependency read in one place.

The session cookie holds a random token only; the server decides whether it is still alive (idle and absolute
timeouts, logout), so the cookie has no Max-Age and ends with the browser session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import attrs
from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException

from portalcore.bootstrap import Portal
from portalcore.domain.access import PortalSession
from portalcore.domain.errors import NotFound
from portalcore.services.access.grants import SignedInAccount

SESSION_COOKIE = "portal_session"
LOGIN_COOKIE = "portal_login"
LOGIN_COOKIE_MAX_AGE = 15 * 60  # a little longer than an emailed code lives
STATE_KEY = "portal_visitor"
HOME = "/portal"
CHANGE_PASSWORD = "/settings/password"


@attrs.frozen
class Visitor:
    """A signed-in person: the live session, who they are and for whom they act (for the header and greetings)."""

    session: PortalSession
    token: str
    account: SignedInAccount

    @property
    def first_name(self) -> str:
        return self.account.first_name


class SignInRequired(NotAuthorizedException):
    """The page needs a live session; answered with a redirect to the sign-in page (see ``errors``)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(detail="Sign in required")
        self.next_path = next_path

    @property
    def location(self) -> str:
        return sign_in_href(self.next_path)


class PasswordChangeRequired(SignInRequired):
    """The stored password no longer meets the policy: until it is changed, every page of a signed-in patient
    leads to the change-password page."""

    def __init__(self) -> None:
        super().__init__(CHANGE_PASSWORD)

    @property
    def location(self) -> str:
        return f"{CHANGE_PASSWORD}?notice=must_change"


def is_secure(base_url: str) -> bool:
    return base_url.lower().startswith("https://")


def cookie_name(base_url: str, name: str) -> str:
    """``__Host-name`` behind https (Secure, host-only, path /), the plain name over http (development, tests)."""
    return f"__Host-{name}" if is_secure(base_url) else name


def make_cookie(base_url: str, name: str, value: str, max_age: int | None = None) -> Cookie:
    """An HttpOnly, SameSite=Lax cookie for the whole site; ``max_age=0`` deletes it."""
    return Cookie(key=cookie_name(base_url, name), value=value, path="/", max_age=max_age,
                  secure=is_secure(base_url) or None, httponly=True, samesite="lax")


def session_cookie(base_url: str, token: str) -> Cookie:
    return make_cookie(base_url, SESSION_COOKIE, token)


def login_cookie(base_url: str, method: str, token: str) -> Cookie:
    """The login attempt between password and code: which second step, and the attempt's token."""
    return make_cookie(base_url, LOGIN_COOKIE, f"{method}.{token}", LOGIN_COOKIE_MAX_AGE)


def read_login_cookie(base_url: str, cookies: dict[str, str]) -> tuple[str, str] | None:
    """``(method, token)`` of the pending login attempt, or None."""
    method, _, token = cookies.get(cookie_name(base_url, LOGIN_COOKIE), "").partition(".")
    return (method, token) if method and token else None


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path on this site only (never ``//elsewhere`` or a full URL)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return HOME
    return path


def sign_in_href(next_path: str) -> str:
    return f"/login?{urlencode({'next': next_path})}"


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


def find_visitor(request: Request[Any, Any, Any], portal: Portal) -> Visitor | None:
    """The signed-in person behind the request's session cookie, looked up once per request."""
    if STATE_KEY in request.state:
        found: Visitor | None = request.state[STATE_KEY]
        return found
    token = request.cookies.get(cookie_name(portal.settings.base_url, SESSION_COOKIE), "")
    session = portal.login.session(token) if token else None
    visitor = None
    if session is not None:
        try:
            visitor = Visitor(session, token, portal.login.account(session))
        except NotFound:  # the login was removed while the session lived: nobody is signed in
            visitor = None
    request.state[STATE_KEY] = visitor
    return visitor


def provide_visitor(request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> Visitor:
    """The signed-in person; raises ``SignInRequired`` (a redirect to /login?next=…) without a live session."""
    visitor = find_visitor(request, portal)
    if visitor is None:
        query = f"?{request.url.query}" if request.url.query and request.method == "GET" else ""
        raise SignInRequired(request.url.path + query if request.method == "GET" else request.url.path)
    if visitor.account.account.must_change_password and request.url.path != CHANGE_PASSWORD:
        raise PasswordChangeRequired()
    return visitor


def session_dependencies() -> dict[str, Provide]:
    """``visitor`` for the controllers of pages that need a session."""
    return {"visitor": Provide(provide_visitor, sync_to_thread=True)}
