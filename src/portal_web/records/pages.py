"""``/portal/visits`` and ``/portal/activity``: what a signed-in patient (or their proxy) reads about the record.

Both need a live session; the core decides whose record it is and audits every read. Nothing here is cached
(the app's default ``Cache-Control: no-store``).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from portal_web.records.views import activity_page, visits_page
from portal_web.rendering import render
from portal_web.sessions import Visitor, client_ip, session_dependencies
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic

LogPage = Annotated[int, QueryParameter(name="page", ge=1, le=1_000_000, description="Page of the log, from 1.")]


class RecordPages(Controller):
    """Pages of a signed-in patient that show medical data; without a live session they lead to sign-in."""

    include_in_schema = False
    dependencies = session_dependencies()

    @get("/portal/visits", name="portal_visits", sync_to_thread=True)
    def visits(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
               clinic: NamedDependency[Clinic], lang: NamedDependency[str],
               visitor: NamedDependency[Visitor]) -> Template:
        """Upcoming and past visits, in the clinic's time zone."""
        return render(request, clinic, lang, visits_page(portal, visitor, lang, client_ip(request)))

    @get("/portal/activity", name="portal_activity", sync_to_thread=True)
    def activity(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal],
                 clinic: NamedDependency[Clinic], lang: NamedDependency[str], visitor: NamedDependency[Visitor],
                 page: LogPage = 1) -> Template:
        """Who viewed the record, and what happened to the account, newest first."""
        return render(request, clinic, lang, activity_page(portal, visitor, lang, client_ip(request), page))
