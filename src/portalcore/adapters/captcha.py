"""Human checks on public forms: a null adapter (off) and the siteverify APIs of reCAPTCHA, hCaptcha and Turnstile.

The three providers share one protocol: POST the form fields ``secret``, ``response`` and (optionally)
``remoteip`` to a siteverify URL and read ``success`` from the JSON answer. Only the standard library is
used (``urllib``), so no SDK is needed.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import ClassVar

from portalcore.domain.errors import ConfigurationError
from portalcore.ports import Captcha

log = logging.getLogger(__name__)

# An answer is a few hundred bytes; reading more than this means something else is talking.
_MAX_ANSWER_BYTES = 64 * 1024
# Real tokens are a few thousand characters at most; anything far larger is junk not worth forwarding.
_MAX_TOKEN_CHARS = 16 * 1024


class NullCaptcha:
    """Captcha that is switched off: pages show no widget and every check passes (the default)."""

    enabled = False
    provider = "none"
    site_key = ""

    def verify(self, response_token: str, remote_ip: str | None = None) -> bool:
        """Always True: with no captcha configured nobody is asked to prove anything."""
        return True


class _SiteverifyCaptcha:
    """The shared siteverify call; subclasses name the provider and its official URL."""

    enabled = True
    provider: str
    default_verify_url: ClassVar[str]

    def __init__(self, site_key: str, secret: str, *, verify_url: str = "", timeout: float = 5.0) -> None:
        url = verify_url or self.default_verify_url
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ConfigurationError(f"The {self.provider} verify URL must start with https:// (got {url!r}).")
        self.site_key = site_key
        self.verify_url = url
        self.timeout = timeout
        self._secret = secret

    def __repr__(self) -> str:
        # Never show the secret in logs or tracebacks.
        return f"{type(self).__name__}(site_key={self.site_key!r}, verify_url={self.verify_url!r})"

    def verify(self, response_token: str, remote_ip: str | None = None) -> bool:
        """True when the provider confirms ``response_token``.

        False (never an exception) when the token is empty or oversized, the provider refuses it, cannot be
        reached, answers with a status other than 200 or with something that is not the expected JSON.
        """
        if not response_token or len(response_token) > _MAX_TOKEN_CHARS:
            return False
        form = {"secret": self._secret, "response": response_token}
        if remote_ip:
            form["remoteip"] = remote_ip
        request = urllib.request.Request(
            self.verify_url,
            data=urllib.parse.urlencode(form).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                if answer.status != 200:
                    log.warning("%s siteverify answered HTTP %s", self.provider, answer.status)
                    return False
                payload = json.loads(answer.read(_MAX_ANSWER_BYTES))
        except urllib.error.HTTPError as error:  # before OSError: it is one, but says more
            log.warning("%s siteverify answered HTTP %s", self.provider, error.code)
            return False
        except (OSError, http.client.HTTPException, ValueError) as error:
            # OSError covers refused connections, DNS failures and timeouts; ValueError covers bad JSON.
            log.warning("%s siteverify unreachable or unreadable: %s", self.provider, type(error).__name__)
            return False
        return isinstance(payload, dict) and payload.get("success") is True


class RecaptchaCaptcha(_SiteverifyCaptcha):
    """Google reCAPTCHA (v2 checkbox or invisible)."""

    provider = "recaptcha"
    default_verify_url = "https://www.google.com/recaptcha/api/siteverify"


class HcaptchaCaptcha(_SiteverifyCaptcha):
    """hCaptcha."""

    provider = "hcaptcha"
    default_verify_url = "https://api.hcaptcha.com/siteverify"


class TurnstileCaptcha(_SiteverifyCaptcha):
    """Cloudflare Turnstile."""

    provider = "turnstile"
    default_verify_url = "https://challenges.cloudflare.com/turnstile/v0/siteverify"


_PROVIDERS: dict[str, type[_SiteverifyCaptcha]] = {
    adapter.provider: adapter for adapter in (RecaptchaCaptcha, HcaptchaCaptcha, TurnstileCaptcha)
}


def make_captcha(provider: str, site_key: str, secret: str, verify_url: str = "") -> Captcha:
    """The Captcha adapter for ``provider`` ("none", "recaptcha", "hcaptcha" or "turnstile").

    ``verify_url`` replaces the provider's official siteverify URL (tests point it at a loopback fake).
    Raises ``ConfigurationError`` for an unknown provider, or a real one without a site key and secret
    (which would refuse every visitor).
    """
    name = provider.strip().lower()
    if name == "none":
        return NullCaptcha()
    adapter = _PROVIDERS.get(name)
    if adapter is None:
        choices = ", ".join(["none", *_PROVIDERS])
        raise ConfigurationError(f"PORTAL_CAPTCHA_PROVIDER must be one of {choices}; got {provider!r}.")
    if not site_key or not secret:
        raise ConfigurationError(
            f"PORTAL_CAPTCHA_PROVIDER={name} needs both the site key and the secret of your {name} account."
        )
    return adapter(site_key, secret, verify_url=verify_url)
