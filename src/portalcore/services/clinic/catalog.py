"""What the clinic offers, as patients and staff see it."""

from __future__ import annotations

from collections.abc import Sequence

from portalcore.domain.catalog import CategoryListing, Service, group_by_category
from portalcore.domain.clinic import Clinic, Location
from portalcore.domain.errors import NotFound
from portalcore.domain.providers import Provider
from portalcore.ports import UnitOfWorkFactory

NOT_SET_UP = "The clinic is not set up yet: run `portal init` (or `portal init --demo`)."


def require_clinic(clinic: Clinic | None) -> Clinic:
    if clinic is None:
        raise NotFound(NOT_SET_UP)
    return clinic


class CatalogService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def clinic(self) -> Clinic:
        """The clinic's name, time zone and settings; raises ``NotFound`` before ``portal init``."""
        with self._uow(readonly=True) as uow:
            return require_clinic(uow.clinic.get())

    def online_catalog(self) -> list[CategoryListing]:
        """Services a patient can book online, grouped by category in the clinic's order."""
        with self._uow(readonly=True) as uow:
            return group_by_category(uow.catalog.categories(), uow.catalog.services())

    def services(self, slugs: Sequence[str]) -> list[Service]:
        """The services with these slugs, in that order, read at once; a slug no longer in the catalogue is left
        out (a visit booked with it still stands)."""
        with self._uow(readonly=True) as uow:
            known = {service.slug: service for service in uow.catalog.services()}
        return [known[slug] for slug in slugs if slug in known]

    def service(self, slug: str) -> Service:
        """One service; raises ``NotFound`` for an unknown slug."""
        with self._uow(readonly=True) as uow:
            found = uow.catalog.service(slug)
        if found is None:
            raise NotFound("There is no service '%(slug)s'.", slug=slug)
        return found

    def providers(self) -> list[Provider]:
        with self._uow(readonly=True) as uow:
            return [p for p in uow.catalog.providers() if p.active]

    def locations(self) -> list[Location]:
        with self._uow(readonly=True) as uow:
            return uow.catalog.locations()
