"""Security headers on every response, and the host names the app answers to."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import urlsplit

from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

CSP_DIRECTIVES = {
    "default-src": "'self'", "img-src": "'self' data:", "style-src": "'self'", "script-src": "'self'",
    "frame-ancestors": "'none'", "base-uri": "'self'", "form-action": "'self'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES.items())


def content_security_policy(extra: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """The policy, with ``extra`` sources per directive (a CAPTCHA provider's, only when one is configured)."""
    directives = dict(CSP_DIRECTIVES)
    for name, sources in (extra or {}).items():
        directives[name] = " ".join([directives.get(name, "'self'"), *sources])
    return "; ".join(f"{name} {value}" for name, value in directives.items())
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
# Pages will carry medical data: nothing is cached unless a route says otherwise (static files do).
DEFAULT_CACHE_CONTROL = "no-store"
# Local names for development, the test client ("testserver.local") and live-server tests.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "testserver", "testserver.local")


def security_headers(base_url: str, csp_extra: Mapping[str, tuple[str, ...]] | None = None
                     ) -> BeforeMessageSendHookHandler:
    """A before-send hook adding the security headers (and HSTS behind https) unless a route set them itself;
    ``csp_extra`` adds sources to the Content-Security-Policy."""
    headers = dict(SECURITY_HEADERS, **{"Cache-Control": DEFAULT_CACHE_CONTROL,
                                        "Content-Security-Policy": content_security_policy(csp_extra)})
    if base_url.lower().startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableScopeHeaders.from_message(message)
            for name, value in headers.items():
                if name not in response_headers:
                    response_headers[name] = value

    return add_security_headers


def allowed_hosts(base_url: str) -> AllowedHostsConfig:
    """Requests must name the host of ``base_url`` (with or without its port) or a local name; others get 400.

    The Host header is compared with its port, so a server on another port than ``base_url`` is only reachable
    through the local names without a port; set ``PORTAL_BASE_URL`` to the address people really use.
    """
    parts = urlsplit(base_url)
    hosts = [h for h in (parts.hostname, parts.netloc.rpartition("@")[2]) if h]
    return AllowedHostsConfig(allowed_hosts=list(dict.fromkeys([*hosts, *LOCAL_HOSTS])), www_redirect=False)


# The JSON API takes no cookies, so a forged cross-site request has nothing to ride on; static files and the
# health check change nothing and should not set a cookie (a cached response must not carry one).
CSRF_EXEMPT = ["^/api/", "^/static/", "^/healthz$", "^/schema"]


def csrf_config(base_url: str, secret_key: str) -> CSRFConfig:
    """Every POST form carries ``_csrf_token`` matching a signed cookie (``__Host-csrf`` behind https)."""
    secure = base_url.lower().startswith("https://")
    secret = hashlib.sha256(f"portal_web.csrf:{secret_key}".encode()).hexdigest()
    return CSRFConfig(secret=secret, cookie_name="__Host-csrf" if secure else "csrftoken", cookie_secure=secure,
                      cookie_httponly=True, cookie_samesite="lax", exclude=CSRF_EXEMPT)
