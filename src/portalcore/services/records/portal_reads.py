"""What a signed-in patient (or their proxy) reads in the portal: their visits, and who looked at their record.

Every call goes through ``MedicalReads.open``: the session's access to that part of the record is checked
first, and the read is written to the audit log.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain import audit
from portalcore.domain.access import PortalSession
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.audit import AuditEvent
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money
from portalcore.domain.policies import why_patient_may_not_cancel, why_patient_may_not_move
from portalcore.domain.translations import in_language
from portalcore.domain.proxies import Area
from portalcore.ports import Clock, UnitOfWork
from portalcore.services.access.medical_reads import MedicalReads, OpenRecord
from portalcore.services.clinic.catalog import require_clinic

# Payments that took money for a visit's deposit (an authorization alone is not a payment).
PAID = frozenset({"succeeded", "captured"})
AFTER_CANCEL = frozenset({"deposit_refund", "refund_pending", "refund_settled", "wallet_credit"})  # cancel_money.py
LOG_PAGE_SIZE = 25
MAX_LOG_PAGE_SIZE = 100


@attrs.frozen
class VisitView:
    """One visit as its patient sees it; times are in the clinic's time zone."""

    reference: str  # empty for visits the front desk booked (they have no public page)
    start_at: datetime
    end_at: datetime
    services: tuple[str, ...]  # names, in the order they are done
    provider: str
    location: str
    location_address: str
    status: AppointmentStatus
    price: Money
    deposit_paid: Money
    id: int = 0
    # what became of the deposit of a cancelled visit (the rest of it paid the fee or was kept by the clinic)
    deposit_refunded: Money = Money(0)
    deposit_refund_pending: Money = Money(0)
    deposit_to_wallet: Money = Money(0)
    may_move: bool = False  # booked, not begun, and the clinic lets patients move it online now
    may_cancel: bool = False  # booked, not begun, and the clinic lets patients cancel online


@attrs.frozen
class PatientVisits:
    patient_name: str
    as_proxy: bool  # the reader acts for someone else
    time_zone: str
    upcoming: list[VisitView]  # not yet over and not cancelled, soonest first
    past: list[VisitView]  # newest first (cancelled ones included, marked)
    cancelled: list[VisitView] = attrs.field(factory=list)  # would not be over yet, but were cancelled; soonest first


class Who(str, Enum):
    PATIENT = "patient"  # the patient themself
    PROXY = "proxy"  # someone acting for the patient with their own login
    CLINIC = "clinic"  # the front desk, an administrator or the system


@attrs.frozen
class LogEntry:
    at: datetime  # in the clinic's time zone
    who: Who
    name: str  # the person's name, or the clinic's label ("front desk", "system")
    by_reader: bool  # done by the login now reading the log
    action: str
    what: str  # the action in plain words (English; frontends translate)
    ip: str


@attrs.frozen
class AccessLog:
    patient_name: str
    as_proxy: bool
    time_zone: str
    entries: list[LogEntry]
    page: int
    has_more: bool


class PatientPortalService:
    """Read-only pages of the portal. Each call is checked against the session's grant and audited."""

    def __init__(self, reads: MedicalReads, clock: Clock) -> None:
        self._reads, self._clock = reads, clock

    def visits(self, session: PortalSession, *, ip: str = "", language: str = "") -> PatientVisits:
        """The upcoming and past visits of the patient the session acts for: when (clinic time), what (named in
        ``language`` where the clinic translated it), with whom, where, their status, price and the deposit paid.
        Audited as ``view_visits``.
        Raises ``NotAllowed`` when the session may not see that patient's visits."""
        now = self._clock.now()
        with self._reads.open(session, Area.VISITS, audit.VIEW_VISITS, ip=ip) as record:
            clinic = require_clinic(record.uow.clinic.get())
            views = VisitViews(record.uow, clinic, record.access.patient_id, now, language)
            visits = [views.view(v) for v in record.uow.appointments.for_patient(record.access.patient_id)]
            name = _patient_name(record)
        ahead = sorted((v for v in visits if v.end_at > now), key=lambda v: v.start_at)
        past = sorted((v for v in visits if v.end_at <= now), key=lambda v: v.start_at, reverse=True)
        return PatientVisits(name, record.access.as_proxy, clinic.time_zone,
                             [v for v in ahead if v.status is not AppointmentStatus.CANCELLED], past,
                             [v for v in ahead if v.status is AppointmentStatus.CANCELLED])

    def access_log(self, session: PortalSession, *, page: int = 1, per_page: int = LOG_PAGE_SIZE,
                   ip: str = "") -> AccessLog:
        """Who viewed the record of the patient the session acts for, and every security event about it (who:
        the patient, a proxy by name, or the clinic; what in plain words; when in clinic time; from which
        address), newest first, ``per_page`` at a time. Reading the log is itself audited (``view_access_log``).

        The log shows who acts for the patient and from where, so it belongs to the medical record
        (``Area.RECORD``): the patient and a proxy with full access may read it, a proxy for visits and forms
        only may not. Raises ``NotAllowed``, and ``InvalidInput`` for a page number below 1."""
        if page < 1 or not 1 <= per_page <= MAX_LOG_PAGE_SIZE:
            raise InvalidInput("There is no such page of the log.")
        with self._reads.open(session, Area.RECORD, audit.VIEW_ACCESS_LOG, ip=ip, page=page) as record:
            uow, patient_id = record.uow, record.access.patient_id
            clinic = require_clinic(uow.clinic.get())
            zone = ZoneInfo(clinic.time_zone)
            events = uow.access.patient_log(patient_id, offset=(page - 1) * per_page, limit=per_page + 1)
            own = uow.access.account_of_patient(patient_id)
            name = _patient_name(record)
            writer = _LogEntries(uow, zone, own.id if own else None, name, session.account_id)
            entries = [writer.entry(e) for e in events[:per_page]]
        return AccessLog(name, record.access.as_proxy, clinic.time_zone, entries, page, len(events) > per_page)


class VisitViews:
    """Display names of the catalog and the patient's deposits, loaded once per read rather than once per visit."""

    def __init__(self, uow: UnitOfWork, clinic: Clinic, patient_id: int, now: datetime, language: str = "") -> None:
        self._zone, self._currency = ZoneInfo(clinic.time_zone), clinic.currency
        self._settings, self._now = clinic.settings, now
        self._money: dict[tuple[str, int | None], int] = {}  # (kind, visit id): cents
        for payment in uow.bookings.patient_payments(patient_id):  # one query, not one per visit
            if payment.kind in AFTER_CANCEL or (payment.kind == "deposit" and payment.status in PAID):
                key = (payment.kind, payment.appointment_id)
                self._money[key] = self._money.get(key, 0) + payment.amount.cents
        self._providers = {p.slug: p.name for p in uow.catalog.providers()}
        self._locations = {loc.slug: loc for loc in uow.catalog.locations()}
        self._services = {s.slug: in_language(s, "name", language) for s in uow.catalog.services()}

    def view(self, visit: Appointment) -> VisitView:
        place = self._locations.get(visit.location)
        changeable = visit.status is AppointmentStatus.BOOKED and visit.start_at > self._now
        return VisitView(
            reference=visit.reference, start_at=visit.start_at.astimezone(self._zone),
            end_at=visit.end_at.astimezone(self._zone),
            services=tuple(self._services.get(s, s) for s in visit.services),
            provider=self._providers.get(visit.provider, visit.provider),
            location=place.name if place else visit.location, location_address=place.address if place else "",
            status=visit.status, price=Money(visit.price_cents, self._currency),
            deposit_paid=self._amount("deposit", visit), id=visit.id or 0,
            deposit_refunded=self._amount("deposit_refund", visit),
            deposit_refund_pending=self._amount("refund_pending", visit) - self._amount("refund_settled", visit),
            deposit_to_wallet=self._amount("wallet_credit", visit),
            may_move=changeable and why_patient_may_not_move(self._settings, visit.start_at, self._now) is None,
            may_cancel=changeable and why_patient_may_not_cancel(self._settings) is None)


    def _amount(self, kind: str, visit: Appointment) -> Money:
        return Money(self._money.get((kind, visit.id), 0), self._currency)


def _patient_name(record: OpenRecord) -> str:
    patient = record.uow.patients.get(record.access.patient_id)
    return patient.full_name if patient else ""


class _LogEntries:
    """Log events as the patient reads them; each proxy's name is looked up once per page."""

    def __init__(self, uow: UnitOfWork, zone: ZoneInfo, own_account: int | None, patient_name: str,
                 reader: int) -> None:
        self._uow, self._zone, self._own, self._patient, self._reader = uow, zone, own_account, patient_name, reader
        self._names: dict[int, str] = {}

    def entry(self, event: AuditEvent) -> LogEntry:
        if event.account_id is None:
            who, name = Who.CLINIC, event.actor or "system"
        elif event.account_id == self._own:
            who, name = Who.PATIENT, self._patient
        else:
            who, name = Who.PROXY, self._name(event.account_id) or event.actor
        return LogEntry(at=event.at.astimezone(self._zone), who=who, name=name,
                        by_reader=event.account_id is not None and event.account_id == self._reader,
                        action=event.action, what=audit.plain_words(event.action), ip=event.ip)

    def _name(self, account_id: int) -> str:
        # the login's current name: the label written with some events (a switch, a sign-out) is empty
        if account_id not in self._names:
            account = self._uow.access.account(account_id)
            self._names[account_id] = f"{account.first_name} {account.last_name}".strip() if account else ""
        return self._names[account_id]
