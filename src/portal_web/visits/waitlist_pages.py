"""``/portal/waitlist``: the signed-in patient (or their proxy) sees what the patient waits for, joins the waitlist
and leaves it. Without a live session it leads to sign-in."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal_web.access.pages import show
from portal_web.rendering import render
from portal_web.schemas import RecordId
from portal_web.sessions import Visitor, client_ip, session_dependencies
from portal_web.visits.waitlist_views import JoinForm, PortalWaitlist, prefilled
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic


def pages(request: Request[Any, Any, Any], portal: Portal, clinic: Clinic, lang: str) -> PortalWaitlist:
    return PortalWaitlist(portal, clinic, lang, client_ip(request))


class PortalWaitlistPages(Controller):
    """The patient's waitlist entries, joining and leaving."""

    path = "/portal/waitlist"
    include_in_schema = False
    dependencies = session_dependencies()

    @get("/", name="portal_waitlist", sync_to_thread=True)
    def entries(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                notice: FromQuery[str | None] = None, services: FromQuery[str] = "",
                provider: FromQuery[str] = "") -> Template:
        """The entries with a "Leave" button each, and the join form (filled in from the booking times page)."""
        return render(request, clinic, lang, pages(request, portal, clinic, lang).page(
            visitor, notice, prefilled(services, provider)))

    @post("/", sync_to_thread=True, status_code=200)
    def join(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str], visitor: NamedDependency[Visitor],
             data: URLEncodedBody[JoinForm]) -> Template | Redirect:
        """Puts the patient on the waitlist; a refusal shows the form again with the reason."""
        return show(request, clinic, lang, pages(request, portal, clinic, lang).join(visitor, data))

    @post("/{entry_id:int}/leave", sync_to_thread=True, status_code=200)
    def leave(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
              lang: NamedDependency[str], visitor: NamedDependency[Visitor],
              entry_id: RecordId) -> Template | Redirect:
        """Takes one of the patient's entries off the waitlist."""
        return show(request, clinic, lang, pages(request, portal, clinic, lang).leave(visitor, entry_id))
