"""``/settings/security`` (authenticator app, recovery codes, passkeys) and signing in with a passkey."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.access.factor_views import (
    SECURITY,
    PasskeyFinishForm,
    PasskeySignInForm,
    PasskeyStartForm,
    PasswordCheckForm,
    Security,
    TotpConfirmForm,
)
from portal_web.access.forms import LoginCodeForm
from portal_web.access.pages import portal_open, show, sign_in
from portal_web.rendering import render
from portal_web.schemas import RecordId
from portal_web.sessions import Visitor, read_login_cookie, session_dependencies
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput

NO_PASSKEY_ATTEMPT = "This sign-in has expired. Please sign in again."


class PasskeySignInPages(Controller):
    """The passkey step of signing in: the options for the browser, then its signed answer."""

    include_in_schema = False
    guards = [portal_open]

    @get("/login/passkey/options", sync_to_thread=True, media_type=MediaType.JSON)
    def options(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> Response[bytes]:
        """What ``navigator.credentials.get`` needs for this login attempt (reading it changes nothing)."""
        attempt = read_login_cookie(portal.settings.base_url, request.cookies)
        if attempt is None or attempt[0] != "passkey":
            raise InvalidInput(NO_PASSKEY_ATTEMPT)
        return Response(portal.login.passkey_options(attempt[1]).encode(), media_type=MediaType.JSON)

    @post("/login/passkey", sync_to_thread=True, status_code=200)
    def finish(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str],
               data: URLEncodedBody[PasskeySignInForm]) -> Template | Redirect:
        """A passkey's valid answer starts the session, like a right code."""
        form = LoginCodeForm(code=data.credential, next=data.next)
        return show(request, clinic, lang, sign_in(request, portal, lang).finish(request.cookies, form, passkey=True))


class SecurityPages(Controller):
    """The signed-in patient's second factors; every change asks for the password again."""

    include_in_schema = False
    dependencies = session_dependencies()

    @get(SECURITY, name="security", sync_to_thread=True)
    def overview(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                 clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                 notice: FromQuery[str | None] = None) -> Template:
        """What protects the account besides the password."""
        return render(request, clinic, lang, Security(portal, visitor).overview(notice))

    @post(f"{SECURITY}/totp", sync_to_thread=True, status_code=200)
    def begin_totp(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                   data: URLEncodedBody[PasswordCheckForm]) -> Template:
        """A new key for an authenticator app, shown once (as text and a QR code)."""
        return render(request, clinic, lang, Security(portal, visitor).begin_totp(data))

    @post(f"{SECURITY}/totp/confirm", sync_to_thread=True, status_code=200)
    def confirm_totp(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                     clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                     data: URLEncodedBody[TotpConfirmForm]) -> Template:
        """A right code from the app turns it on and shows the recovery codes once."""
        return render(request, clinic, lang, Security(portal, visitor).confirm_totp(data))

    @post(f"{SECURITY}/totp/disable", sync_to_thread=True, status_code=200)
    def disable_totp(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                     clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                     data: URLEncodedBody[PasswordCheckForm]) -> Template | Redirect:
        return show(request, clinic, lang, Security(portal, visitor).disable_totp(data))

    @post(f"{SECURITY}/recovery-codes", sync_to_thread=True, status_code=200)
    def new_codes(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                  clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                  data: URLEncodedBody[PasswordCheckForm]) -> Template:
        """New recovery codes, shown once; the old ones stop working."""
        return render(request, clinic, lang, Security(portal, visitor).new_codes(data))

    @post(f"{SECURITY}/passkeys", sync_to_thread=True, status_code=200)
    def begin_passkey(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                      clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                      data: URLEncodedBody[PasskeyStartForm]) -> Template:
        """The page where the browser creates the passkey."""
        return render(request, clinic, lang, Security(portal, visitor).begin_passkey(data))

    @post(f"{SECURITY}/passkeys/finish", sync_to_thread=True, status_code=200)
    def add_passkey(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                    clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                    data: URLEncodedBody[PasskeyFinishForm]) -> Template | Redirect:
        return show(request, clinic, lang, Security(portal, visitor).add_passkey(data))

    @post(f"{SECURITY}/passkeys/{{passkey_id:int}}/remove", sync_to_thread=True, status_code=200)
    def remove_passkey(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                       clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                       visitor: NamedDependency[Visitor], passkey_id: RecordId,
                       data: URLEncodedBody[PasswordCheckForm]) -> Template | Redirect:
        return show(request, clinic, lang, Security(portal, visitor).remove_passkey(passkey_id, data))
