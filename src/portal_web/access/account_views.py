"""Getting a password: from an invitation, by signing up, from a reset link, or by changing it when signed in.

Answers never tell whether an email address is known: sign-up and "forgot password" lead to the same page
either way. A link that expired or was used shows why, with the way to a new one.
"""

from __future__ import annotations

from datetime import date

from litestar.response import Redirect

from portal_web.access.forms import ChangePasswordForm, EmailForm, PasswordForm, SignUpForm
from portal_web.captcha import refusal, widget
from portal_web.errors import describe
from portal_web.i18n import N_
from portal_web.rendering import Page
from portal_web.sessions import HOME, Visitor
from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput, PortalError
from portalcore.services.access.invitations import LINK_GONE

BAD_DATE = N_("Please give your date of birth as a date (year-month-day), or leave it empty.")
CHECK_EMAIL = N_("Check your email")
SIGNUP_SENT = N_("We sent a message to the address you gave. Open the link in it to finish. If you already "
                 "have an account, the message tells you how to sign in.")
RESET_SENT = N_("If an account exists for that address, we sent a link to choose a new password. It works "
                "for a short time only.")
EMAIL_CONFIRMED = N_("Your email is confirmed")
SIGN_IN_NOW = N_("Your account is ready. Please sign in.")
EMAIL_CHANGED = N_("Your sign-in email is changed")
EMAIL_CHANGED_TEXT = N_("From now on, sign in with your new email address.")
LINK_PROBLEM = N_("This link does not work any more")


def message(heading: str, text: str | PortalError, *, status: int = 200, sign_in: bool = False,
            forgot: bool = False, switch_path: str = "/") -> Page:
    """A page that only tells something, with the way on."""
    return Page("message.html", {"heading": heading, "text": text, "sign_in": sign_in, "forgot": forgot},
                status=status, switch_path=switch_path)


def link_gone(error: PortalError) -> Page:
    return message(LINK_PROBLEM, error, status=400, forgot=True)


def _status(error: PortalError | None) -> int:
    return describe(error).status if error else 200


class Accounts:
    """The password pages for one request."""

    def __init__(self, portal: Portal, lang: str, ip: str) -> None:
        self.portal, self.lang, self.ip = portal, lang, ip

    # -- invitation
    def invitation(self, token: str, error: PortalError | None = None) -> Page:
        try:
            invited = self.portal.invitations.invitation(token)
        except PortalError as gone:
            return link_gone(gone)
        context = {"first_name": invited.first_name, "email": invited.email, "error": error,
                   "action": f"/access/invite/{token}", "min_length": self.portal.credentials.min_password_length()}
        return Page("set_password.html", context, status=_status(error), switch_path=f"/access/invite/{token}")

    def accept(self, token: str, form: PasswordForm) -> Page | Redirect:
        try:
            self.portal.invitations.accept(token, form.password, ip=self.ip)
        except PortalError as error:
            return self.invitation(token, error)  # a link that died meanwhile shows as gone
        return Redirect("/login?notice=password_set", status_code=303)

    # -- sign-up
    def signup_form(self, form: SignUpForm | None = None, error: PortalError | None = None) -> Page:
        context = {"form": form or SignUpForm(), "error": error,
                   "captcha": widget(self.portal), "min_length": self.portal.credentials.min_password_length()}
        return Page("signup.html", context, status=_status(error), switch_path="/signup")

    def signup(self, form: SignUpForm) -> Page | Redirect:
        refused = refusal(self.portal, form, self.ip)
        if refused:
            return self.signup_form(form, refused)
        try:
            born = date.fromisoformat(form.date_of_birth) if form.date_of_birth.strip() else None
        except ValueError:
            return self.signup_form(form, InvalidInput(BAD_DATE))
        try:
            self.portal.invitations.register(first_name=form.first_name, last_name=form.last_name, email=form.email,
                                             password=form.password, mobile=form.mobile, date_of_birth=born,
                                             language=self.lang, ip=self.ip)
        except PortalError as error:
            return self.signup_form(form, error)
        return Redirect("/signup/sent", status_code=303)

    def verify(self, token: str) -> Page:
        try:
            self.portal.invitations.verify_email(token)
        except PortalError as error:
            return link_gone(error)
        return message(EMAIL_CONFIRMED, SIGN_IN_NOW, sign_in=True)

    # -- forgotten password
    def forgot_form(self, form: EmailForm | None = None, error: PortalError | None = None) -> Page:
        context = {"email": (form or EmailForm()).email, "error": error,
                   "captcha": widget(self.portal)}
        return Page("forgot_password.html", context, status=_status(error), switch_path="/password/forgot")

    def forgot(self, form: EmailForm) -> Page | Redirect:
        refused = refusal(self.portal, form, self.ip)
        if refused:
            return self.forgot_form(form, refused)
        self.portal.credentials.forgot_password(form.email, ip=self.ip)
        return Redirect("/password/forgot/sent", status_code=303)

    def reset_form(self, token: str, error: PortalError | None = None) -> Page:
        if not self.portal.credentials.reset_link_valid(token):
            return link_gone(error or InvalidInput(LINK_GONE))
        context = {"first_name": "", "email": "", "error": error,
                   "action": f"/password/reset/{token}", "min_length": self.portal.credentials.min_password_length()}
        return Page("set_password.html", context, status=_status(error), switch_path=f"/password/reset/{token}")

    def reset(self, token: str, form: PasswordForm) -> Page | Redirect:
        try:
            self.portal.credentials.reset_password(token, form.password, ip=self.ip)
        except PortalError as error:
            return self.reset_form(token, error)
        return Redirect("/login?notice=password_reset", status_code=303)

    # -- signed in
    def change_form(self, visitor: Visitor, notice: str | None = None, form: ChangePasswordForm | None = None,
                    error: PortalError | None = None) -> Page:
        end_others = form is None or bool(form.end_other_sessions)
        context = {"first_name": visitor.first_name, "end_others": end_others, "notice": notice,
                   "error": error,
                   "min_length": self.portal.credentials.min_password_length()}
        return Page("change_password.html", context, status=_status(error), switch_path="/settings/password")

    def change(self, visitor: Visitor, form: ChangePasswordForm) -> Page | Redirect:
        try:
            self.portal.credentials.change_password(visitor.session, form.current_password, form.new_password,
                                                    end_other_sessions=bool(form.end_other_sessions), ip=self.ip)
        except PortalError as error:
            return self.change_form(visitor, form=form, error=error)
        return Redirect(f"{HOME}?notice=password_changed", status_code=303)

    def confirm_email(self, token: str) -> Page:
        try:
            self.portal.credentials.confirm_email_change(token)
        except PortalError as error:
            return link_gone(error)
        return message(EMAIL_CHANGED, EMAIL_CHANGED_TEXT, sign_in=True)
