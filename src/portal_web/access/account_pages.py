"""Pages that give a password: invitation links, sign-up, forgotten and changed passwords, email confirmation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.access.account_views import CHECK_EMAIL, RESET_SENT, SIGNUP_SENT, Accounts, message
from portal_web.access.forms import ChangePasswordForm, EmailForm, PasswordForm, SignUpForm
from portal_web.access.pages import portal_open, show
from portal_web.access.views import notice as notice_text
from portal_web.rendering import render
from portal_web.sessions import Visitor, client_ip, session_dependencies
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic


def accounts(request: Request[Any, Any, Any], portal: Portal, lang: str) -> Accounts:
    return Accounts(portal, lang, client_ip(request))


class AccessLinkPages(Controller):
    """Links from emails (invitation, sign-up proof, reset, email change) and the forms that send them."""

    include_in_schema = False
    guards = [portal_open]

    @get("/access/invite/{token:str}", name="invitation", sync_to_thread=True)
    def invitation(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """Set a password for an invited patient."""
        return render(request, clinic, lang, accounts(request, portal, lang).invitation(token))

    @post("/access/invite/{token:str}", sync_to_thread=True, status_code=200)
    def accept(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], token: FromPath[str],
               data: URLEncodedBody[PasswordForm]) -> Template | Redirect:
        return show(request, clinic, lang, accounts(request, portal, lang).accept(token, data))

    @get("/signup", name="signup", sync_to_thread=True)
    def signup_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                    clinic: NamedDependency[Clinic], lang: NamedDependency[str]) -> Template:
        """Create an account."""
        return render(request, clinic, lang, accounts(request, portal, lang).signup_form())

    @post("/signup", sync_to_thread=True, status_code=200)
    def signup(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], data: URLEncodedBody[SignUpForm]) -> Template | Redirect:
        return show(request, clinic, lang, accounts(request, portal, lang).signup(data))

    @get("/signup/sent", name="signup_sent", sync_to_thread=False)
    def signup_sent(self, request: Request[Any, Any, Any], clinic: NamedDependency[Clinic],
                    lang: NamedDependency[str]) -> Template:
        return render(request, clinic, lang, message(CHECK_EMAIL, SIGNUP_SENT, switch_path="/signup/sent"))

    @get("/signup/verify/{token:str}", name="signup_verify", sync_to_thread=True)
    def verify(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], token: FromPath[str]) -> Template:
        return render(request, clinic, lang, accounts(request, portal, lang).verify(token))

    @get("/password/forgot", name="forgot_password", sync_to_thread=True)
    def forgot_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                    clinic: NamedDependency[Clinic], lang: NamedDependency[str]) -> Template:
        return render(request, clinic, lang, accounts(request, portal, lang).forgot_form())

    @post("/password/forgot", sync_to_thread=True, status_code=303)
    def forgot(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], data: URLEncodedBody[EmailForm]) -> Template | Redirect:
        """Always the same answer, whether or not the address has an account."""
        return show(request, clinic, lang, accounts(request, portal, lang).forgot(data))

    @get("/password/forgot/sent", name="forgot_sent", sync_to_thread=False)
    def forgot_sent(self, request: Request[Any, Any, Any], clinic: NamedDependency[Clinic],
                    lang: NamedDependency[str]) -> Template:
        return render(request, clinic, lang, message(CHECK_EMAIL, RESET_SENT, switch_path="/password/forgot/sent"))

    @get("/password/reset/{token:str}", name="reset_password", sync_to_thread=True)
    def reset_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        return render(request, clinic, lang, accounts(request, portal, lang).reset_form(token))

    @post("/password/reset/{token:str}", sync_to_thread=True, status_code=200)
    def reset(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], token: FromPath[str],
              data: URLEncodedBody[PasswordForm]) -> Template | Redirect:
        return show(request, clinic, lang, accounts(request, portal, lang).reset(token, data))

    @get("/settings/email/confirm/{token:str}", name="confirm_email", sync_to_thread=True)
    def confirm_email(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                      clinic: NamedDependency[Clinic], lang: NamedDependency[str], token: FromPath[str]) -> Template:
        return render(request, clinic, lang, accounts(request, portal, lang).confirm_email(token))


class SettingsPages(Controller):
    """Settings of the signed-in patient."""

    include_in_schema = False
    dependencies = session_dependencies()

    @get("/settings/password", name="change_password", sync_to_thread=True)
    def password_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                      clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                      notice: FromQuery[str | None] = None) -> Template:
        return render(request, clinic, lang, accounts(request, portal, lang).change_form(visitor, notice_text(notice)))

    @post("/settings/password", sync_to_thread=True, status_code=200)
    def change_password(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                        clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                        visitor: NamedDependency[Visitor],
                        data: URLEncodedBody[ChangePasswordForm]) -> Template | Redirect:
        return show(request, clinic, lang, accounts(request, portal, lang).change(visitor, data))
