"""Signing in (password, then code), signing out, and the dashboard of a signed-in patient."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.access.forms import LoginCodeForm, LoginForm, PasswordlessForm
from portal_web.access.views import SignIn, dashboard
from portal_web.rendering import Page, render
from portal_web.sessions import Visitor, client_ip, find_visitor, session_dependencies
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic

NextPath = Annotated[str | None, QueryParameter(name="next", description="Where to go after signing in.")]


async def portal_open(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guards the pages that let someone in (sign-in, sign-up, invitation and password links): while the clinic's
    portal is closed they answer with the core's ``PortalClosed`` (a page saying so)."""
    portal: Portal = connection.app.state.portal
    await anyio.to_thread.run_sync(portal.login.ensure_open)


def sign_in(request: Request[Any, Any, Any], portal: Portal, lang: str) -> SignIn:
    return SignIn(portal, lang, client_ip(request), request.headers.get("user-agent", ""))


def show(request: Request[Any, Any, Any], clinic: Clinic, lang: str, result: Page | Redirect) -> Template | Redirect:
    return render(request, clinic, lang, result) if isinstance(result, Page) else result


class LoginPages(Controller):
    """``/login`` (email and password) and ``/login/code`` (the second step), then ``/logout``."""

    include_in_schema = False
    guards = [portal_open]

    @get("/login", name="login", sync_to_thread=True)
    def login_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                   next_path: NextPath = None, notice: FromQuery[str | None] = None) -> Template:
        """The sign-in form (``?next=`` is where to go afterwards)."""
        return render(request, clinic, lang, sign_in(request, portal, lang).form(next_path, notice))

    @post("/login", sync_to_thread=True, status_code=200)
    def login(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], data: URLEncodedBody[LoginForm]) -> Template | Redirect:
        """A right password leads to the code step; anything else shows the same sentence."""
        return show(request, clinic, lang, sign_in(request, portal, lang).start(data))

    @post("/login/passwordless", sync_to_thread=True, status_code=200)
    def passwordless(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                     clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                     data: URLEncodedBody[PasswordlessForm]) -> Template | Redirect:
        """Sign-in with only a code sent to an email or mobile number, where the clinic offers it (else 404)."""
        return show(request, clinic, lang, sign_in(request, portal, lang).passwordless(data))

    @get("/login/code", name="login_code", sync_to_thread=True)
    def code_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                  clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                  next_path: NextPath = None, notice: FromQuery[str | None] = None) -> Template | Redirect:
        """Where the emailed, texted (or authenticator) code is typed."""
        return show(request, clinic, lang,
                    sign_in(request, portal, lang).code_form(request.cookies, next_path, notice))

    @post("/login/code", sync_to_thread=True, status_code=200)
    def code(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], data: URLEncodedBody[LoginCodeForm]) -> Template | Redirect:
        """A right code starts the session and opens the portal."""
        return show(request, clinic, lang, sign_in(request, portal, lang).finish(request.cookies, data))

    @post("/login/code/resend", sync_to_thread=True, status_code=200)
    def resend(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str],
               data: URLEncodedBody[LoginCodeForm]) -> Template | Redirect:
        """Emails a new code for the same attempt."""
        return show(request, clinic, lang, sign_in(request, portal, lang).resend(request.cookies, data))

    @post("/logout", sync_to_thread=True, status_code=303)
    def logout(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               lang: NamedDependency[str]) -> Redirect:
        """Ends the session on the server and forgets the cookie."""
        visitor = find_visitor(request, portal)
        return sign_in(request, portal, lang).logout(request.cookies, visitor.token if visitor else None)


class PortalPages(Controller):
    """Pages of a signed-in patient: without a live session they lead to the sign-in page."""

    include_in_schema = False
    dependencies = session_dependencies()

    @get("/portal", name="portal", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], clinic: NamedDependency[Clinic], lang: NamedDependency[str],
             visitor: NamedDependency[Visitor], notice: FromQuery[str | None] = None) -> Template:
        """The patient's start page."""
        return render(request, clinic, lang, dashboard(visitor, notice))
