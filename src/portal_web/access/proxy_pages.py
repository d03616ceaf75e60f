"""Pages of the signed-in person about themselves: switching between records, the people who may act for them,
and changing the sign-in email. Without a live session they lead to the sign-in page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.access.pages import portal_open, show
from portal_web.access.proxy_views import AccountSettings, EmailChangeForm, GrantForm, SwitchForm
from portal_web.rendering import render
from portal_web.schemas import RecordId
from portal_web.sessions import Visitor, client_ip, session_dependencies
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic


def settings(request: Request[Any, Any, Any], portal: Portal, lang: str) -> AccountSettings:
    return AccountSettings(portal, lang, client_ip(request))


class ProxyPages(Controller):
    """``/portal/switch``, ``/settings/proxies`` and ``/settings/email``."""

    include_in_schema = False
    dependencies = session_dependencies()

    @get("/portal/switch", name="switch_person", sync_to_thread=True)
    def choices(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                visitor: NamedDependency[Visitor]) -> Template:
        """The person's own record and everyone they may act for now."""
        return render(request, clinic, lang, settings(request, portal, lang).choices(visitor))

    @post("/portal/switch", sync_to_thread=True, status_code=200)
    def switch(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], visitor: NamedDependency[Visitor],
               data: URLEncodedBody[SwitchForm]) -> Template | Redirect:
        """Opens the chosen record's portal."""
        return show(request, clinic, lang, settings(request, portal, lang).switch(visitor, data))

    @get("/settings/proxies", name="proxies", sync_to_thread=True)
    def holders(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                notice: FromQuery[str | None] = None) -> Template:
        """Who may act for the patient, and the form to give someone access."""
        return render(request, clinic, lang, settings(request, portal, lang).holders(visitor, notice))

    @post("/settings/proxies", sync_to_thread=True, status_code=200)
    def grant(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], visitor: NamedDependency[Visitor],
              data: URLEncodedBody[GrantForm]) -> Template | Redirect:
        """Gives someone access after the patient's password."""
        return show(request, clinic, lang, settings(request, portal, lang).grant(visitor, data))

    @post("/settings/proxies/{grant_id:int}/revoke", sync_to_thread=True, status_code=200)
    def revoke(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
               grant_id: RecordId) -> Template | Redirect:
        """Ends someone's access at once."""
        return show(request, clinic, lang, settings(request, portal, lang).revoke(visitor, grant_id))

    @post("/settings/proxies/invitations/{invitation_id:int}/withdraw", sync_to_thread=True, status_code=200)
    def withdraw(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                 clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                 invitation_id: RecordId) -> Template | Redirect:
        """Withdraws an invitation nobody accepted yet."""
        return show(request, clinic, lang, settings(request, portal, lang).withdraw(visitor, invitation_id))

    @get("/settings/email", name="change_email", sync_to_thread=True)
    def email_form(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                   clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                   visitor: NamedDependency[Visitor]) -> Template:
        """The form for a new sign-in email (the password is asked again)."""
        return render(request, clinic, lang, settings(request, portal, lang).email_form(visitor))

    @post("/settings/email", sync_to_thread=True, status_code=200)
    def change_email(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                     clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                     data: URLEncodedBody[EmailChangeForm]) -> Template | Redirect:
        """Emails a confirmation link to the new address."""
        return show(request, clinic, lang, settings(request, portal, lang).change_email(visitor, data))

    @get("/settings/email/sent", name="change_email_sent", sync_to_thread=False)
    def email_sent(self, request: Request[Any, Any, Any], clinic: NamedDependency[Clinic], lang: NamedDependency[str],
                   visitor: NamedDependency[Visitor]) -> Template:
        """Check the new inbox."""
        return render(request, clinic, lang, AccountSettings.email_sent())


class ProxyInvitePages(Controller):
    """``/access/proxy/{token}``: the person a patient invited sees who asks, for what, and accepts."""

    include_in_schema = False
    guards = [portal_open]

    @get("/access/proxy/{token:str}", name="proxy_invitation", sync_to_thread=True)
    def offer(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], token: FromPath[str]) -> Template:
        """Who asks, and what the person would see."""
        return render(request, clinic, lang, settings(request, portal, lang).offer(token))

    @post("/access/proxy/{token:str}", sync_to_thread=True, status_code=200)
    def accept(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
               lang: NamedDependency[str], token: FromPath[str]) -> Template | Redirect:
        """Accepts: the access starts, and the person is emailed how to sign in."""
        return show(request, clinic, lang, settings(request, portal, lang).accept(token))

    @get("/access/accepted", name="proxy_accepted", sync_to_thread=False)
    def accepted(self, request: Request[Any, Any, Any], clinic: NamedDependency[Clinic],
                 lang: NamedDependency[str]) -> Template:
        return render(request, clinic, lang, AccountSettings.accepted())
