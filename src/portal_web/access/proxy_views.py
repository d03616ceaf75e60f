"""The signed-in person's own pages: whose portal to open, who may act for them, and a new sign-in email.

Each method answers with the page to show or a redirect. Refusals keep what was typed (never the password) and
show the service's reason; a proxy who opens a page only the patient may use gets a 403 page saying so.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from litestar.response import Redirect
from msgspec import Struct

from portal_web.access.account_views import CHECK_EMAIL, LINK_PROBLEM, message
from portal_web.errors import describe
from portal_web.i18n import LOCALES, N_
from portal_web.rendering import Page
from portal_web.sessions import HOME, Visitor
from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput, NotAllowed, PortalError
from portalcore.domain.proxies import ProxyScope
from portalcore.services.access.proxies import ProxyHolder
from portalcore.services.access.proxy_invites import PendingProxy

NOT_YOURS = N_("This page is for the patient only")
EMAIL_SENT = N_("We sent a link to your new email address. Open it to finish the change; until then, sign in "
                "with your current email.")
BAD_END_DATE = N_("Please give the last day of access as a date (year-month-day), or leave it empty.")
BAD_SCOPE = N_("Please choose what the person may see.")
SCOPES = {ProxyScope.ALL: N_("Everything in your portal"),
          ProxyScope.VISITS_FORMS: N_("Appointments and forms only")}
NOTICES = {"invited": N_("We emailed the person a link to accept. They can act for you once they accept."),
           "withdrawn": N_("Invitation withdrawn."),
           "revoked": N_("Access removed.")}
INVITATION_ACCEPTED = N_("Invitation accepted")
ACCEPTED_TEXT = N_("You can now act for them in the portal. We emailed you how to sign in.")
# Sentences the services say on these pages; listed so they are in the catalog and shown translated.
CORE_MESSAGES = (
    N_("Only the patient can choose who may act for them. Switch back to your own record first."),
    N_("Your password is not right."),
    N_("That person already has access. Remove it first to give different access."),
    N_("The end date of the access must be in the future."),
    N_("You do not have access to that person's portal."),
    N_("This access does not exist."),
    N_("That is already your sign-in email."),
    N_("Give the first and last name of the person who will have access."),
    N_("A patient cannot be their own proxy."),
    N_("This invitation has expired, was withdrawn or was already used. Ask the person who sent it for a new one."),
    N_("This invitation does not exist."),
    N_("front desk"),
)


class SwitchForm(Struct, kw_only=True):
    patient_id: int = 0


class GrantForm(Struct, kw_only=True):
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    relationship: str = ""
    scope: str = ProxyScope.VISITS_FORMS.value
    last_day: str = ""  # optional: the last day of access, year-month-day
    password: str = ""  # the patient's own, asked again before giving access


class EmailChangeForm(Struct, kw_only=True):
    new_email: str = ""
    password: str = ""


def _status(error: PortalError | None) -> int:
    return describe(error).status if error else 200


def not_yours(error: PortalError) -> Page:
    return Page("message.html", {"heading": NOT_YOURS, "text": error, "sign_in": False, "forgot": False},
                status=403, switch_path=HOME)


class AccountSettings:
    """The pages of one signed-in request."""

    def __init__(self, portal: Portal, lang: str, ip: str) -> None:
        self.portal, self.lang, self.ip = portal, lang, ip

    # -- whose portal
    def choices(self, visitor: Visitor, error: NotAllowed | None = None) -> Page:
        people = self.portal.proxies.represented(visitor.session.account_id)
        context = {"people": people, "current": visitor.session.acting_for, "scopes": SCOPES,
                   "error": error}
        return Page("switch.html", context, status=403 if error else 200, switch_path="/portal/switch")

    def switch(self, visitor: Visitor, form: SwitchForm) -> Page | Redirect:
        try:
            self.portal.proxies.switch(visitor.session, form.patient_id, ip=self.ip)
        except NotAllowed as error:
            return self.choices(visitor, error)
        return Redirect(HOME, status_code=303)

    # -- who may act for me
    def holders(self, visitor: Visitor, notice_key: str | None = None, form: GrantForm | None = None,
                error: PortalError | None = None) -> Page:
        try:
            holders = self.portal.proxies.holders(visitor.session)
            pending = self.portal.proxy_invites.pending(visitor.session)
        except NotAllowed as refused:
            return not_yours(refused)
        context = {"holders": [self._row(h) for h in holders], "pending": [self._row(p) for p in pending],
                   "form": form or GrantForm(), "scopes": SCOPES,
                   "notice": NOTICES.get(notice_key or ""), "error": error}
        return Page("proxies.html", context, status=_status(error), switch_path="/settings/proxies")

    def grant(self, visitor: Visitor, form: GrantForm) -> Page | Redirect:
        try:
            scope, last_day = self._scope(form.scope), self._day(form.last_day)
            self.portal.proxy_invites.invite(visitor.session, password=form.password, email=form.email,
                                             first_name=form.first_name, last_name=form.last_name, scope=scope,
                                             relationship=form.relationship, expires_on=last_day, ip=self.ip)
        except NotAllowed as refused:
            return not_yours(refused)
        except PortalError as error:
            return self.holders(visitor, form=form, error=error)
        return Redirect("/settings/proxies?notice=invited", status_code=303)

    def withdraw(self, visitor: Visitor, invitation_id: int) -> Page | Redirect:
        try:
            self.portal.proxy_invites.withdraw(visitor.session, invitation_id, ip=self.ip)
        except NotAllowed as refused:
            return not_yours(refused)
        except PortalError as error:
            return self.holders(visitor, error=error)
        return Redirect("/settings/proxies?notice=withdrawn", status_code=303)

    # -- the invited person, from the link in their email (no session needed)
    def offer(self, token: str, error: PortalError | None = None) -> Page:
        try:
            offer = self.portal.proxy_invites.offer(token)
        except PortalError as gone:
            return message(LINK_PROBLEM, str(gone), status=400)
        context = {"offer": offer, "scope": SCOPES[offer.scope], "last_day": self._day_text(offer.last_day),
                   "action": f"/access/proxy/{token}", "error": str(error) if error else None}
        return Page("proxy_accept.html", context, status=_status(error), switch_path=f"/access/proxy/{token}")

    def accept(self, token: str) -> Page | Redirect:
        try:
            self.portal.proxy_invites.accept(token, ip=self.ip)
        except PortalError as error:
            return self.offer(token, error)
        return Redirect("/access/accepted", status_code=303)

    @staticmethod
    def accepted() -> Page:
        return message(INVITATION_ACCEPTED, ACCEPTED_TEXT, sign_in=True, switch_path="/access/accepted")

    def revoke(self, visitor: Visitor, grant_id: int) -> Page | Redirect:
        try:
            self.portal.proxies.revoke_own(visitor.session, grant_id, ip=self.ip)
        except NotAllowed as refused:
            return not_yours(refused)
        except PortalError as error:
            return self.holders(visitor, error=error)
        return Redirect("/settings/proxies?notice=revoked", status_code=303)

    # -- a new sign-in email
    def email_form(self, visitor: Visitor, form: EmailChangeForm | None = None,
                   error: PortalError | None = None) -> Page:
        context = {"current_email": visitor.account.account.email, "form": form or EmailChangeForm(),
                   "error": error}
        return Page("change_email.html", context, status=_status(error), switch_path="/settings/email")

    def change_email(self, visitor: Visitor, form: EmailChangeForm) -> Page | Redirect:
        try:
            self.portal.credentials.request_email_change(visitor.session, form.password, form.new_email, ip=self.ip)
        except PortalError as error:
            return self.email_form(visitor, form, error)
        return Redirect("/settings/email/sent", status_code=303)

    @staticmethod
    def email_sent() -> Page:
        return message(CHECK_EMAIL, EMAIL_SENT, switch_path="/settings/email/sent")

    # -- parts
    def _row(self, holder: ProxyHolder | PendingProxy) -> dict[str, object]:
        return {"holder": holder, "scope": SCOPES[holder.scope], "last_day": self._day_text(holder.last_day)}

    def _day_text(self, day: date | None) -> str:
        return format_date(day, "long", locale=LOCALES[self.lang]) if day else ""

    @staticmethod
    def _scope(value: str) -> ProxyScope:
        try:
            return ProxyScope(value)
        except ValueError:
            raise InvalidInput(BAD_SCOPE) from None

    @staticmethod
    def _day(value: str) -> date | None:
        try:
            return date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            raise InvalidInput(BAD_END_DATE) from None
