"""The JSON API, version 1: read-only catalog data for widgets and integrations."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from portal_web.errors import problem_responses
from portal_web.schemas import Catalog, CategoryInfo, ClinicInfo, ServiceInfo
from portalcore.bootstrap import Portal
from portalcore.domain.catalog import CategoryListing, Service
from portalcore.domain.clinic import Clinic


class CatalogController(Controller):
    """What the clinic offers online."""

    path = "/api/v1"
    tags = ["catalog"]

    @get("/catalog", summary="Online catalog", sync_to_thread=True, responses=problem_responses(503))
    def catalog(self, portal: NamedDependency[Portal], clinic: NamedDependency[Clinic]) -> Catalog:
        """The clinic and the services bookable online, grouped by category; 503 before the clinic is set up."""
        return catalog_info(clinic, portal.catalog.online_catalog())


def catalog_info(clinic: Clinic, listings: list[CategoryListing]) -> Catalog:
    """The API view of the clinic and its online catalog."""
    return Catalog(
        clinic=ClinicInfo(name=clinic.name, time_zone=clinic.time_zone, currency=clinic.currency),
        categories=[CategoryInfo(slug=listing.category.slug, name=listing.category.name,
                                 services=[service_info(s) for s in listing.services]) for listing in listings],
    )


def service_info(service: Service) -> ServiceInfo:
    """The API view of one service; amounts stay in cents."""
    return ServiceInfo(slug=service.slug, name=service.name, description=service.description,
                       duration_minutes=service.duration_minutes, price_cents=service.price.cents,
                       deposit_cents=service.deposit.cents, currency=service.price.currency)
