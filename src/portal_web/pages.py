"""The HTML pages patients see."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic


class PagesController(Controller):
    """Public pages; they render server-side and work without JavaScript."""

    include_in_schema = False

    @get("/", name="home", sync_to_thread=True)
    def home(self, portal: NamedDependency[Portal], clinic: NamedDependency[Clinic]) -> Template:
        """The start page: the clinic's online treatments by category, with prices, and its locations."""
        context = {"clinic": clinic, "listings": portal.catalog.online_catalog(),
                   "locations": portal.catalog.locations()}
        return Template("home.html", context=context)
