"""What handlers ask for by parameter name: ``portal`` (the wired services) and ``clinic``."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from portal_web.errors import ClinicNotSetUp
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import NotFound


def provide_clinic(portal: NamedDependency[Portal]) -> Clinic:
    """The clinic; raises ``ClinicNotSetUp`` (HTTP 503) before ``portal init`` has been run."""
    try:
        return portal.catalog.clinic()
    except NotFound as error:
        raise ClinicNotSetUp(str(error)) from None


def dependencies(portal: Portal) -> dict[str, Provide]:
    """The app-wide dependencies for ``portal``."""

    def provide_portal() -> Portal:
        return portal

    return {
        "portal": Provide(provide_portal, use_cache=True, sync_to_thread=False),
        "clinic": Provide(provide_clinic, sync_to_thread=True),
    }
