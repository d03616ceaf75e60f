"""The HTML pages patients see."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from portal_web.rendering import Page, render
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic


class PagesController(Controller):
    """Public pages; they render server-side and work without JavaScript."""

    include_in_schema = False

    @get("/", name="home", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
             lang: NamedDependency[str]) -> Template:
        """The start page: the clinic's online treatments by category, with prices and "Book now", and its locations."""
        context = {"listings": portal.catalog.online_catalog(), "locations": portal.catalog.locations()}
        return render(request, clinic, lang, Page("home.html", context))
