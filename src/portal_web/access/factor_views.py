"""The security settings of a signed-in patient: authenticator app, recovery codes and passkeys.

Each change asks for the password again; a refusal shows the overview again with the service's reason.
Secrets (a new app's key, recovery codes) appear only in the answer to a POST, never in a URL.
"""

from __future__ import annotations

import segno
from litestar.response import Redirect
from msgspec import Struct

from portal_web.errors import describe
from portal_web.i18n import N_
from portal_web.rendering import Page
from portal_web.sessions import Visitor
from portalcore.bootstrap import Portal
from portalcore.domain.errors import PortalError

SECURITY = "/settings/security"
NOTICES = {
    "totp_on": N_("Your authenticator app is set up. From now on, sign in with its codes."),
    "totp_off": N_("Your authenticator app is turned off."),
    "passkey_added": N_("Your passkey is added. From now on, sign in with it."),
    "passkey_removed": N_("The passkey is removed."),
}


class PasswordCheckForm(Struct, kw_only=True):
    """Any change of a second factor: the password, typed again."""

    password: str = ""


class TotpConfirmForm(Struct, kw_only=True):
    secret: str = ""
    code: str = ""


class PasskeyStartForm(Struct, kw_only=True):
    name: str = ""
    password: str = ""


class PasskeyFinishForm(Struct, kw_only=True):
    token: str = ""
    name: str = ""
    credential: str = ""  # the browser's answer (JSON), filled in by passkeys.js


class PasskeySignInForm(Struct, kw_only=True):
    credential: str = ""
    next: str = ""


def qr_code(uri: str) -> str:
    """The ``otpauth://`` URI as a QR code (an SVG data URI, which the page's Content-Security-Policy allows)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


class Security:
    """The security pages for one request."""

    def __init__(self, portal: Portal, visitor: Visitor) -> None:
        self.portal, self.visitor = portal, visitor

    def overview(self, notice_key: str | None = None, error: PortalError | None = None) -> Page:
        factors = self.portal.factors.factors(self.visitor.session)
        context = {"factors": factors, "notice": NOTICES.get(notice_key or ""),
                   "error": error, "first_name": self.visitor.first_name}
        return Page("security.html", context, status=describe(error).status if error else 200,
                    switch_path=SECURITY)

    def begin_totp(self, form: PasswordCheckForm) -> Page:
        try:
            pending = self.portal.factors.begin_totp(self.visitor.session, form.password)
        except PortalError as error:
            return self.overview(error=error)
        return self._totp_setup(pending.secret, pending.uri)

    def confirm_totp(self, form: TotpConfirmForm) -> Page:
        try:
            codes = self.portal.factors.confirm_totp(self.visitor.session, form.secret, form.code)
        except PortalError as error:
            try:  # the same key again, to try another code
                pending = self.portal.factors.pending_totp(self.visitor.session, form.secret)
            except PortalError:
                return self.overview(error=error)
            return self._totp_setup(pending.secret, pending.uri, error)
        return recovery_codes(codes, NOTICES["totp_on"])

    def disable_totp(self, form: PasswordCheckForm) -> Page | Redirect:
        try:
            self.portal.factors.disable_totp(self.visitor.session, form.password)
        except PortalError as error:
            return self.overview(error=error)
        return Redirect(f"{SECURITY}?notice=totp_off", status_code=303)

    def new_codes(self, form: PasswordCheckForm) -> Page:
        try:
            codes = self.portal.factors.regenerate_recovery_codes(self.visitor.session, form.password)
        except PortalError as error:
            return self.overview(error=error)
        return recovery_codes(codes, None)

    def begin_passkey(self, form: PasskeyStartForm) -> Page:
        try:
            setup = self.portal.factors.begin_passkey(self.visitor.session, form.password, form.name)
        except PortalError as error:
            return self.overview(error=error)
        return Page("passkey_new.html", {"setup": setup}, switch_path=SECURITY)

    def add_passkey(self, form: PasskeyFinishForm) -> Page | Redirect:
        try:
            added = self.portal.factors.add_passkey(self.visitor.session, form.token, form.credential, form.name)
        except PortalError as error:
            return self.overview(error=error)
        if added.recovery_codes:
            return recovery_codes(added.recovery_codes, NOTICES["passkey_added"])
        return Redirect(f"{SECURITY}?notice=passkey_added", status_code=303)

    def remove_passkey(self, passkey_id: int, form: PasswordCheckForm) -> Page | Redirect:
        try:
            self.portal.factors.remove_passkey(self.visitor.session, passkey_id, form.password)
        except PortalError as error:
            return self.overview(error=error)
        return Redirect(f"{SECURITY}?notice=passkey_removed", status_code=303)

    def _totp_setup(self, secret: str, uri: str, error: PortalError | None = None) -> Page:
        context = {"secret": secret, "grouped": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                   "uri": uri, "qr": qr_code(uri), "error": error}
        return Page("totp_setup.html", context, status=describe(error).status if error else 200,
                    switch_path=SECURITY)


def recovery_codes(codes: list[str], notice: str | None) -> Page:
    return Page("recovery_codes.html", {"codes": codes, "notice": notice}, switch_path=SECURITY)
