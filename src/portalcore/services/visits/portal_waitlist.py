"""The waitlist from the signed-in portal: the patient, or someone acting for them, sees the patient's entries,
joins the waitlist for a visit and leaves it.

The session's access is checked by ``ProxyService.authorize`` (the visits area); someone else's entry is not
found. Reading the entries is audited like the visits page, and joining and leaving are audited with the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain import audit
from portalcore.domain.access import PortalSession
from portalcore.domain.audit import AuditEvent
from portalcore.domain.errors import InvalidInput
from portalcore.domain.proxies import Area
from portalcore.domain.translations import in_language
from portalcore.domain.waitlist import ANY_PROVIDER, EntryState, WaitlistEntry
from portalcore.ports import Clock, UnitOfWorkFactory
from portalcore.services.access.medical_reads import MedicalReads
from portalcore.services.access.proxies import Access, ProxyService
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.visits.portal_changes import change_event
from portalcore.services.visits.waitlist import WaitlistService

NOT_ONLINE = "%(name)s is booked by phone only. Please call the clinic to wait for it."


@attrs.frozen
class WaitlistLine:
    """One entry the patient waits with, as they see it."""

    id: int
    services: tuple[str, ...]  # names, in the order they are done
    provider: str  # the provider's name, or "" for any provider
    first_day: date  # clinic-local days, both included
    last_day: date


@attrs.frozen
class PatientWaitlist:
    patient_name: str
    as_proxy: bool
    today: date  # in the clinic's time zone
    entries: list[WaitlistLine]  # still waiting and not over, soonest first


class PortalWaitlistService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, reads: MedicalReads, proxies: ProxyService,
                 waitlist: WaitlistService) -> None:
        self._uow, self._clock, self._reads, self._proxies, self._waitlist = uow, clock, reads, proxies, waitlist

    def entries(self, session: PortalSession, *, ip: str = "", language: str = "") -> PatientWaitlist:
        """What the patient the session acts for is waiting for (named in ``language`` where the clinic translated
        it): entries still waiting whose last day has not passed. Audited as ``view_waitlist``. Raises
        ``NotAllowed`` outside a proxy's grant."""
        with self._reads.open(session, Area.VISITS, audit.VIEW_WAITLIST, ip=ip) as record:
            uow, patient_id = record.uow, record.access.patient_id
            clinic = require_clinic(uow.clinic.get())
            today = self._clock.now().astimezone(ZoneInfo(clinic.time_zone)).date()
            services = {s.slug: in_language(s, "name", language) for s in uow.catalog.services()}
            providers = {p.slug: p.name for p in uow.catalog.providers()}
            entries = [WaitlistLine(e.id or 0, tuple(services.get(s, s) for s in e.services),
                                    "" if e.provider == ANY_PROVIDER else providers.get(e.provider, e.provider),
                                    e.first_day, e.last_day)
                       for e in uow.waitlist.entries_for_patient(patient_id)
                       if e.state is EntryState.WAITING and e.last_day >= today]
            patient = uow.patients.get(patient_id)
        return PatientWaitlist(patient.full_name if patient else "", record.access.as_proxy, today, entries)

    def join(self, session: PortalSession, services: Sequence[str], provider: str, first_day: date, last_day: date,
             *, ip: str = "") -> WaitlistEntry:
        """Puts the patient the session acts for on the waitlist for a visit of services booked online, with
        ``provider`` (a slug or "any") on clinic-local days ``first_day``..``last_day``; audited
        (``waitlist_joined``). Raises ``NotAllowed``, ``NotFound`` and ``InvalidInput``."""
        access = self._proxies.authorize(session, Area.VISITS)
        with self._uow(readonly=True) as uow:
            for slug in services:
                service = uow.catalog.service(slug)
                if service is not None and not service.online:
                    raise InvalidInput(NOT_ONLINE, name=service.name)
        return self._waitlist.join(access.patient_id, services, provider, first_day, last_day, by_patient=True,
                                   audit_event=self._event(access, audit.WAITLIST_JOINED, ip, services=list(services),
                                                           provider=provider))

    def leave(self, session: PortalSession, entry_id: int, *, ip: str = "") -> None:
        """Takes one of the patient's entries off the waitlist; audited (``waitlist_left``). Raises
        ``NotAllowed``, and ``NotFound`` for an entry that is not this patient's."""
        access = self._proxies.authorize(session, Area.VISITS)
        self._waitlist.leave(entry_id, patient_id=access.patient_id,
                             audit_event=self._event(access, audit.WAITLIST_LEFT, ip, entry_id=entry_id))

    def _event(self, access: Access, action: str, ip: str, **detail: object) -> AuditEvent:
        return change_event(access, action, self._clock.now(), ip, **detail)
