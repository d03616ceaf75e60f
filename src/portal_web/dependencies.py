"""What handlers ask for by parameter name: ``portal`` (the wired services), ``clinic`` and ``lang``."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from portal_web.errors import ClinicNotSetUp
from portal_web.i18n import choose
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import NotFound


def provide_clinic(portal: NamedDependency[Portal]) -> Clinic:
    """The clinic; raises ``ClinicNotSetUp`` (HTTP 503) before ``portal init`` has been run."""
    try:
        return portal.catalog.clinic()
    except NotFound as error:
        raise ClinicNotSetUp(str(error)) from None


def provide_language(request: Request[Any, Any, Any], clinic: NamedDependency[Clinic]) -> str:
    """The language of the answer: ``?lang``, the ``lang`` cookie, Accept-Language, then the clinic's language."""
    return choose(request.query_params, request.cookies, request.headers.get("accept-language", ""), clinic.language)


def dependencies(portal: Portal) -> dict[str, Provide]:
    """The app-wide dependencies for ``portal``."""

    def provide_portal() -> Portal:
        return portal

    return {
        "portal": Provide(provide_portal, use_cache=True, sync_to_thread=False),
        "clinic": Provide(provide_clinic, sync_to_thread=True),
        "lang": Provide(provide_language, sync_to_thread=False),
    }
