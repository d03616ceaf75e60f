"""What the sign-in, sign-up and password forms send (URL-encoded). Passwords are never sent back to a page."""

from __future__ import annotations

from msgspec import Struct


class LoginForm(Struct, kw_only=True):
    email: str = ""
    password: str = ""
    next: str = ""


class LoginCodeForm(Struct, kw_only=True):
    code: str = ""
    next: str = ""


class PasswordForm(Struct, kw_only=True):
    """Setting a password from an invitation or a reset link."""

    password: str = ""


class EmailForm(Struct, kw_only=True):
    email: str = ""


class SignUpForm(Struct, kw_only=True):
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
