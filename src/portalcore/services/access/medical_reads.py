"""The one door to a patient's medical data in the portal: check that the session may see that part of the
record, then read it and write the read to the audit log in one transaction.

Every portal page that shows medical data (visits, records, forms, wallet) opens it the same way::

    with self._reads.open(session, Area.VISITS, audit.VIEW_VISITS, ip=ip) as record:
        visits = record.uow.appointments.for_patient(record.access.patient_id)

The clinic's staff (the front desk's terminal, the admin CLI) read through ``open_for_staff``, so their reads are
in the same log and the patient's "who viewed my record" page lists them as the clinic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from portalcore.domain import audit
from portalcore.domain.access import PortalSession
from portalcore.domain.errors import NotFound
from portalcore.domain.proxies import Area
from portalcore.ports import UnitOfWork
from portalcore.services.access.kit import AccessKit, Actor
from portalcore.services.access.proxies import Access, ProxyService


@attrs.frozen
class OpenRecord:
    """A transaction on the data of the one patient the session may see (``access.patient_id``)."""

    uow: UnitOfWork
    access: Access


class MedicalReads:
    def __init__(self, kit: AccessKit, proxies: ProxyService) -> None:
        self._kit, self._proxies = kit, proxies

    @contextmanager
    def open(self, session: PortalSession, area: Area, action: str, *, ip: str = "",
             **detail: Any) -> Iterator[OpenRecord]:
        """Opens the record of the patient ``session`` acts for, when its grant covers ``area``, and records the
        read as ``action`` (a ``view_…`` event: who, for whom, whether as a proxy, from where).

        The event is written after the read and commits with it, so a read that fails leaves no entry and a
        read that succeeded always has one; the page that lists reads does not see itself.
        Raises ``NotAllowed`` when the session may not see ``area`` of that patient's record."""
        if not action.startswith(audit.VIEW_PREFIX):
            raise ValueError(f"a read is audited as a view_… event, not {action!r}")
        access = self._proxies.authorize(session, area)
        with self._kit.uow() as uow:
            yield OpenRecord(uow, access)
            self._kit.audit(uow, action, Actor(access.actor, access.account_id, ip), patient_id=access.patient_id,
                            as_proxy=access.as_proxy, **detail)
            uow.commit()

    @contextmanager
    def open_for_staff(self, patient_id: int, action: str, actor: Actor, **detail: Any) -> Iterator[UnitOfWork]:
        """Opens a patient's record for the clinic's staff (``actor``: the front desk, an admin; staff have no
        portal login yet) and records the read as ``action`` by that actor, committed with the read as in
        ``open``. Raises ``NotFound`` when there is no such patient (nothing is recorded then)."""
        if not action.startswith(audit.VIEW_PREFIX):
            raise ValueError(f"a read is audited as a view_… event, not {action!r}")
        with self._kit.uow() as uow:
            if uow.patients.get(patient_id) is None:
                raise NotFound("Patient %(id)s does not exist.", id=patient_id)
            yield uow
            self._kit.audit(uow, action, attrs.evolve(actor, account_id=None), patient_id=patient_id, **detail)
            uow.commit()
