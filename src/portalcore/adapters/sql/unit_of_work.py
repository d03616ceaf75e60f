"""A unit of work: one database transaction with the repositories bound to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portalcore.adapters.sql.access_repository import SqlAccessRepository
from portalcore.adapters.sql.availability_repository import SqlAvailabilityRepository
from portalcore.adapters.sql.booking_repository import SqlBookingRepository
from portalcore.adapters.sql.catalog_cache import CatalogCache, CatalogReads
from portalcore.adapters.sql.catalog_repository import SqlCatalogRepository, SqlClinicRepository
from portalcore.adapters.sql.engine import READONLY
from portalcore.adapters.sql.outbox_repository import SqlOutboxRepository
from portalcore.adapters.sql.records_repository import SqlAppointmentRepository, SqlPatientRepository
from portalcore.adapters.sql.timed_repository import SqlTimedJobRepository
from portalcore.adapters.sql.waitlist_repository import SqlWaitlistRepository


class SqlUnitOfWork:
    """``with SqlUnitOfWork(engine, now) as uow: … uow.commit()``; leaving without commit rolls back."""

    def __init__(self, engine: Engine, now: Callable[[], datetime], *, readonly: bool = False,
                 cache: CatalogCache | None = None) -> None:
        self._engine = engine.execution_options(**{READONLY: True}) if readonly else engine
        self._now = now
        self._cache = cache  # the process's snapshot of the clinic and its catalogue (None: always read)
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False)
        self.session.begin()
        reads = CatalogReads(self.session, self._cache)
        self.clinic = SqlClinicRepository(self.session, reads)
        self.catalog = SqlCatalogRepository(self.session, reads)
        self.patients = SqlPatientRepository(self.session, self._now)
        self.appointments = SqlAppointmentRepository(self.session, self._now)
        self.availability = SqlAvailabilityRepository(self.session)
        self.bookings = SqlBookingRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.access = SqlAccessRepository(self.session)
        self.jobs = SqlTimedJobRepository(self.session)
        self.waitlist = SqlWaitlistRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self.session is not None
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
