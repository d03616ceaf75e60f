"""Signing in with a password and an emailed (or authenticator) code, the dashboard, and signing out.

Each step answers with the page to show: the same page with the service's reason when it refuses, what was
typed kept (passwords never), or a redirect with the cookie that carries the attempt or the session.
"""

from __future__ import annotations

from urllib.parse import urlencode

from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect

from portal_web.access.forms import LoginCodeForm, LoginForm, PasswordlessForm
from portal_web.captcha import refusal, widget
from portal_web.errors import describe
from portal_web.i18n import N_
from portal_web.rendering import Page
from portal_web.sessions import (
    HOME,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Visitor,
    login_cookie,
    make_cookie,
    read_login_cookie,
    safe_next,
    session_cookie,
)
from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput, NotFound, PortalError
from portalcore.services.access.login_codes import SignInOver

# Messages a redirect asks the next page to show, by a short key in ``?notice=``.
NOTICES = {
    "signed_out": N_("You are signed out."),
    "password_set": N_("Your password is set. Please sign in."),
    "password_reset": N_("Your password is changed. Please sign in with the new one."),
    "password_changed": N_("Your password is changed."),
    "must_change": N_("Please choose a new password before you go on."),
    "sign_in_again": N_("Please sign in again."),
    "code_sent": N_("We sent you a new code."),
    "sign_in_over": N_("Too many wrong codes for that sign-in. Please sign in again to get a new code."),
}


def notice(key: str | None) -> str | None:
    return NOTICES.get(key or "")


class SignIn:
    """The two steps of signing in for one request; ``base_url`` decides the cookies' names and flags."""

    def __init__(self, portal: Portal, lang: str, ip: str, user_agent: str = "") -> None:
        self.portal, self.lang, self.ip, self.user_agent = portal, lang, ip, user_agent
        self.base_url = portal.settings.base_url

    def form(self, next_path: str | None, notice_key: str | None = None) -> Page:
        return self._login(LoginForm(next=safe_next(next_path)), notice=notice(notice_key))

    def start(self, form: LoginForm) -> Page | Redirect:
        """Checks the password; a right one emails a code and leads to the code step."""
        refused = refusal(self.portal, form, self.ip)
        if refused:
            return self._login(form, refused)
        try:
            step = self.portal.login.start(form.email, form.password, ip=self.ip, language=self.lang)
        except PortalError as error:
            return self._login(form, error)
        cookie = login_cookie(self.base_url, step.method, step.token)
        return Redirect(f"/login/code?{urlencode({'next': safe_next(form.next)})}", status_code=303, cookies=[cookie])

    def passwordless(self, form: PasswordlessForm) -> Page | Redirect:
        """Sign-in with only a code (when the clinic offers it): the same way on whether or not the address is
        known; the code is sent after the answer, so its timing tells nothing either. ``NotFound`` (404) when
        the clinic does not offer it."""
        refused = refusal(self.portal, form, self.ip)
        if refused:
            return self._login(LoginForm(next=form.next), refused, identifier=form.identifier)
        try:
            sent = self.portal.login.start_passwordless(form.identifier, ip=self.ip, language=self.lang)
        except NotFound:
            raise  # the clinic does not offer it: a 404 page, not the form with a message
        except PortalError as error:
            return self._login(LoginForm(next=form.next), error, identifier=form.identifier)
        cookie = login_cookie(self.base_url, sent.method, sent.token)
        return Redirect(f"/login/code?{urlencode({'next': safe_next(form.next)})}", status_code=303, cookies=[cookie],
                        background=BackgroundTask(self.portal.login.deliver, sent.pending))

    def code_form(self, cookies: dict[str, str], next_path: str | None, notice_key: str | None = None
                  ) -> Page | Redirect:
        attempt = read_login_cookie(self.base_url, cookies)
        if attempt is None:
            return Redirect("/login?notice=sign_in_again", status_code=303)
        return self._code(attempt[0], LoginCodeForm(next=safe_next(next_path)), notice=notice(notice_key))

    def resend(self, cookies: dict[str, str], form: LoginCodeForm) -> Page | Redirect:
        attempt = read_login_cookie(self.base_url, cookies)
        if attempt is None:
            return Redirect("/login?notice=sign_in_again", status_code=303)
        try:
            pending = self.portal.login.resend(attempt[1], language=self.lang, send_now=False)
        except SignInOver:
            return self._start_again(form.next)
        except PortalError as error:
            return self._code(attempt[0], form, error)
        # sent after the answer, like the first code, and a reload of the page sends nothing again
        return Redirect(f"/login/code?{urlencode({'next': safe_next(form.next), 'notice': 'code_sent'})}",
                        status_code=303, background=BackgroundTask(self.portal.login.deliver, pending))

    def finish(self, cookies: dict[str, str], form: LoginCodeForm, *, passkey: bool = False) -> Page | Redirect:
        """Checks the code (with ``passkey``, the passkey's answer in ``form.code``); a right one starts a new
        session (a new cookie value at every sign-in)."""
        attempt = read_login_cookie(self.base_url, cookies)
        if attempt is None:
            return Redirect("/login?notice=sign_in_again", status_code=303)
        try:
            signed_in = self.portal.login.finish(attempt[1], form.code, ip=self.ip, user_agent=self.user_agent,
                                                 passkey=passkey)
        except SignInOver:
            return self._start_again(form.next)
        except PortalError as error:
            return self._code(attempt[0], LoginCodeForm(next=form.next) if passkey else form, error)
        target = "/settings/password?notice=must_change" if signed_in.must_change_password else safe_next(form.next)
        return Redirect(target, status_code=303, cookies=[
            session_cookie(self.base_url, signed_in.session_token),
            make_cookie(self.base_url, LOGIN_COOKIE, "", max_age=0)])

    def logout(self, cookies: dict[str, str], visitor_token: str | None) -> Redirect:
        if visitor_token:
            self.portal.login.logout(visitor_token, ip=self.ip)
        return Redirect("/login?notice=signed_out", status_code=303, cookies=[
            make_cookie(self.base_url, SESSION_COOKIE, "", max_age=0)])

    def _start_again(self, next_path: str) -> Redirect:
        """Back to the sign-in form when the attempt takes no more codes; its cookie is of no use any more."""
        query = urlencode({"notice": "sign_in_over", "next": safe_next(next_path)})
        return Redirect(f"/login?{query}", status_code=303,
                        cookies=[make_cookie(self.base_url, LOGIN_COOKIE, "", max_age=0)])

    # -- pages
    def _login(self, form: LoginForm, error: PortalError | None = None, notice: str | None = None,
               identifier: str = "") -> Page:
        failure = describe(error) if error else None
        # a wrong password is a 400 like any refused form; throttling answers 429 with Retry-After
        status = (400 if isinstance(error, InvalidInput) else failure.status) if failure else 200
        context = {"email": form.email, "next": safe_next(form.next), "error": error,
                   "notice": notice, "captcha": widget(self.portal), "identifier": identifier}
        return Page("login.html", context, status=status, switch_path="/login",
                    headers=failure.headers if failure else {})

    def _code(self, method: str, form: LoginCodeForm, error: PortalError | None = None,
              notice: str | None = None) -> Page:
        failure = describe(error) if error else None
        status = (400 if isinstance(error, InvalidInput) else failure.status) if failure else 200
        context = {"method": method, "next": safe_next(form.next), "error": error,
                   "notice": notice}
        return Page("login_code.html", context, status=status, switch_path="/login/code",
                    headers=failure.headers if failure else {})


def dashboard(visitor: Visitor, notice_key: str | None) -> Page:
    return Page("dashboard.html", {"first_name": visitor.first_name, "notice": notice(notice_key)},
                switch_path=HOME)
