"""The human check (CAPTCHA) of the public forms: sign-in, sign-up, forgotten password and sign-in with a code.

It lives here, in one place of the web layer, rather than in the core services: what it proves is that a
browser form was filled in by a person, the token exists only in that form, and the staff's CLI and TUI that call
the same services have no such form. Every public form sends its fields through ``refusal`` below; with the
provider "none" (the default) nothing is shown and nothing is checked.
"""

from __future__ import annotations

from typing import Any

import msgspec

from portal_web.i18n import N_
from portalcore.bootstrap import Portal
from portalcore.domain.errors import PortalError

NOT_HUMAN = N_("Please complete the check that you are not a robot, then send the form again.")

# The provider's script and the class of the element it turns into the widget.
WIDGETS: dict[str, tuple[str, str]] = {
    "recaptcha": ("https://www.google.com/recaptcha/api.js", "g-recaptcha"),
    "hcaptcha": ("https://js.hcaptcha.com/1/api.js", "h-captcha"),
    "turnstile": ("https://challenges.cloudflare.com/turnstile/v0/api.js", "cf-turnstile"),
}
# What each provider's documentation asks the Content-Security-Policy to allow, and nothing more: its script,
# the frame the challenge runs in, and for hCaptcha the styles and requests of that frame.
CSP_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "recaptcha": {"script-src": ("https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"),
                  "frame-src": ("https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/")},
    "hcaptcha": {directive: ("https://hcaptcha.com", "https://*.hcaptcha.com")
                 for directive in ("script-src", "frame-src", "style-src", "connect-src")},
    "turnstile": {"script-src": ("https://challenges.cloudflare.com",),
                  "frame-src": ("https://challenges.cloudflare.com",)},
}


class HumanCheckFailed(PortalError):
    """The form came without a token the provider confirms. Not an ``InvalidInput``: it answers 400."""

    code = "captcha_failed"

    def __init__(self) -> None:
        super().__init__(NOT_HUMAN)


class CaptchaFields(msgspec.Struct, kw_only=True):
    """The field each provider's widget adds to the form it sits in."""

    recaptcha: str = msgspec.field(default="", name="g-recaptcha-response")
    hcaptcha: str = msgspec.field(default="", name="h-captcha-response")
    turnstile: str = msgspec.field(default="", name="cf-turnstile-response")

    def captcha_token(self, provider: str) -> str:
        return {"recaptcha": self.recaptcha, "hcaptcha": self.hcaptcha, "turnstile": self.turnstile}.get(provider, "")


def csp_sources(provider: str) -> dict[str, tuple[str, ...]]:
    """Sources to add to the Content-Security-Policy, by directive, for ``provider`` (none for "none")."""
    return CSP_SOURCES.get(provider, {})


def widget(portal: Portal) -> dict[str, Any] | None:
    """What a form shows for the configured provider (None when the check is off)."""
    captcha = portal.captcha
    if not captcha.enabled or captcha.provider not in WIDGETS:
        return None
    script, css_class = WIDGETS[captcha.provider]
    return {"script": script, "css_class": css_class, "site_key": captcha.site_key}


def refusal(portal: Portal, form: CaptchaFields, ip: str) -> HumanCheckFailed | None:
    """None when the form passes the check (always, with no provider); else the error to show with the form."""
    captcha = portal.captcha
    if not captcha.enabled:
        return None
    return None if captcha.verify(form.captcha_token(captcha.provider), remote_ip=ip or None) else HumanCheckFailed()
