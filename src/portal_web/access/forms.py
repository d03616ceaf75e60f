"""What the sign-in, sign-up and password forms send (URL-encoded). Passwords are never sent back to a page."""

from __future__ import annotations

from msgspec import Struct

from portal_web.captcha import CaptchaFields


class LoginForm(CaptchaFields, kw_only=True):
    email: str = ""
    password: str = ""
    next: str = ""


class LoginCodeForm(Struct, kw_only=True):
    code: str = ""
    next: str = ""


class PasswordForm(Struct, kw_only=True):
    """Setting a password from an invitation or a reset link."""

    password: str = ""


class EmailForm(CaptchaFields, kw_only=True):
    email: str = ""


class PasswordlessForm(CaptchaFields, kw_only=True):
    """Signing in with only a code: an email address or a mobile number."""

    identifier: str = ""
    next: str = ""


class SignUpForm(CaptchaFields, kw_only=True):
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    date_of_birth: str = ""
    password: str = ""


class ChangePasswordForm(Struct, kw_only=True):
    current_password: str = ""
    new_password: str = ""
    end_other_sessions: str = ""  # a checkbox: "on" when ticked, absent otherwise
