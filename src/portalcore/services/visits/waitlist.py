"""The waitlist: joining it, offering a freed time to the patients waiting for it, and the first to accept
booking it. Offers are made in the transaction that frees the time (a cancellation or a move)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.appointments import Appointment
from portalcore.domain import audit
from portalcore.domain.audit import AuditEvent
from portalcore.domain.availability import open_slots
from portalcore.domain.booking import CardOnFile
from portalcore.domain.clinic import Clinic
from portalcore.domain.clock import OUT_OF_REACH, local_day_bounds
from portalcore.domain.errors import Conflict, InvalidInput, NotFound, SlotTaken
from portalcore.domain.money import Money
from portalcore.domain.patients import Patient
from portalcore.domain.waitlist import (
    ANY_PROVIDER, OFFERS_PER_FREED_TIME, EntryState, OfferState, WaitlistEntry, WaitlistOffer,
)
from portalcore.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from portalcore.services.access.kit import Actor
from portalcore.services.access.medical_reads import MedicalReads
from portalcore.services.booking.availability import bookable_days, load_plan, staff_days
from portalcore.services.booking.card_step import CardStep, CardTaken, Quote, quote_for
from portalcore.services.booking.checkout import Confirmation
from portalcore.services.booking.new_visit import settle_new_visit
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.delivery import MessageComposer
from portalcore.services.visits.messages import patient_language, time_context
from portalcore.services.visits.timed_events import schedule_visit

GONE = "Sorry, someone else has just booked this time. You stay on the waitlist for the next one."
BAD_OFFER = "This offer link is not valid."


class OfferGone(Conflict):
    """The freed time went to someone else, or the offer ran out."""


@attrs.frozen
class WaitlistKit:
    """What offering and accepting need besides the database: messages, links and their keyed hashes."""

    clock: Clock
    composer: MessageComposer
    secret: bytes
    base_url: str

    def digest(self, token: str) -> str:
        return hmac.new(self.secret, f"waitlist-offer:{token}".encode(), hashlib.sha256).hexdigest()

    def link(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/waitlist/offer/{token}"


def offer_freed_time(uow: UnitOfWork, kit: WaitlistKit, clinic: Clinic, freed: Appointment) -> int:
    """Offers ``freed``'s time to the patients waiting for a visit that fits there, in the order they joined
    (at most ``OFFERS_PER_FREED_TIME``); returns how many offers went out. Runs in the freeing transaction."""
    now, zone = kit.clock.now(), ZoneInfo(clinic.time_zone)
    day = freed.start_at.astimezone(zone).date()
    if freed.start_at < now + timedelta(minutes=clinic.settings.min_notice_minutes):
        return 0
    offered = 0
    for entry in uow.waitlist.waiting_on(day):
        if offered >= OFFERS_PER_FREED_TIME:
            break
        if entry.patient_id == freed.patient_id or not entry.wants(freed.provider, day):
            continue
        if not _fits(uow, clinic, entry, freed, now):
            continue
        token = secrets.token_urlsafe(32)
        expires = min(now + timedelta(minutes=clinic.settings.waitlist_offer_minutes), freed.start_at)
        assert entry.id is not None
        offer = uow.waitlist.add_offer(WaitlistOffer(
            entry_id=entry.id, patient_id=entry.patient_id, token_hash=kit.digest(token), provider=freed.provider,
            location=freed.location, services=entry.services, start_at=freed.start_at, expires_at=expires), now)
        patient = uow.patients.get(entry.patient_id)
        if patient is not None:
            _tell(uow, kit, clinic, patient, offer, "waitlist_offer",
                  {"link": kit.link(token), "minutes": clinic.settings.waitlist_offer_minutes})
        offered += 1
    return offered


def _fits(uow: UnitOfWork, clinic: Clinic, entry: WaitlistEntry, freed: Appointment, now: datetime) -> bool:
    """Whether the waiting patient's visit can start at the freed time with that provider."""
    try:
        plan = load_plan(uow, entry.services)
    except (NotFound, InvalidInput):
        return False
    provider = uow.catalog.provider(freed.provider)
    if provider is None or freed.provider not in plan.providers:
        return False
    zone = ZoneInfo(clinic.time_zone)
    day = freed.start_at.astimezone(zone).date()
    first, last = local_day_bounds(day, zone)
    slots = open_slots(provider, first_day=day, last_day=day, zone=zone, visit_minutes=plan.visit_minutes,
                       busy_minutes=plan.busy_minutes,
                       busy=uow.availability.busy_times([freed.provider], first, last, now)[freed.provider],
                       slot_minutes=clinic.settings.slot_minutes, earliest=now, latest=freed.start_at,
                       location=freed.location)
    return any(slot.start_at == freed.start_at for slot in slots)


def _tell(uow: UnitOfWork, kit: WaitlistKit, clinic: Clinic, patient: Patient, offer: WaitlistOffer, template: str,
          extra: dict[str, object]) -> None:
    assert offer.id is not None
    language, now = patient_language(patient, clinic), kit.clock.now()
    context = time_context(uow, clinic, patient, services=offer.services, provider=offer.provider,
                           location=offer.location, start_at=offer.start_at) | extra
    if patient.email:
        uow.outbox.add(kit.composer.email(template, to=patient.email, language=language, context=context,
                                          key=f"waitlist-offer:{offer.id}:{template}:email"), now)
    if patient.mobile and template == "waitlist_offer":
        uow.outbox.add(kit.composer.sms("waitlist_offer_sms", to=patient.mobile, language=language, context=context,
                                        key=f"waitlist-offer:{offer.id}:{template}:sms"), now)


@attrs.frozen
class OfferTerms:
    """An offer and what accepting it asks: the same deposit, card and policy as an online booking."""

    offer: WaitlistOffer
    quote: Quote
    cards: tuple[CardOnFile, ...]  # on the patient's file, usable with this clinic's payment gateway


class WaitlistService:
    def __init__(self, uow: UnitOfWorkFactory, kit: WaitlistKit, payments: PaymentGateway,
                 reads: MedicalReads | None = None) -> None:
        self._uow, self._kit, self._reads = uow, kit, reads
        self._cards = CardStep(uow, kit.clock, payments)

    def join(self, patient_id: int, services: Sequence[str], provider: str, first_day: date,
             last_day: date, *, by_patient: bool = False, audit_event: AuditEvent | None = None) -> WaitlistEntry:
        """Puts a patient on the waitlist for a visit (``provider`` a slug or "any") on clinic-local days
        ``first_day``..``last_day``, within the clinic's online horizon when ``by_patient``, else within what the
        front desk may book; ``audit_event`` (who did it in the portal) is written with it.
        Raises ``NotFound`` or ``InvalidInput``."""
        now = self._kit.clock.now()
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            if uow.patients.get(patient_id) is None:
                raise NotFound("Patient %(id)s does not exist.", id=patient_id)
            plan = load_plan(uow, services)
            if provider != ANY_PROVIDER and provider not in plan.providers:
                raise InvalidInput("That provider does not offer every service in this visit.")
            if first_day < now.astimezone(ZoneInfo(clinic.time_zone)).date():
                raise InvalidInput("The first day must not be in the past.")
            wanted = WaitlistEntry(patient_id=patient_id, services=tuple(services), provider=provider,
                                   first_day=first_day, last_day=last_day)
            reach = bookable_days if by_patient else staff_days
            if reach(clinic, first_day, last_day, now) != (first_day, last_day):
                raise InvalidInput(OUT_OF_REACH)
            entry = uow.waitlist.add_entry(wanted, now)
            if audit_event is not None:
                uow.access.record(attrs.evolve(audit_event, detail={**audit_event.detail, "entry_id": entry.id}))
            uow.commit()
        return entry

    def leave(self, entry_id: int, *, patient_id: int | None = None, audit_event: AuditEvent | None = None) -> None:
        """Takes an entry off the waitlist (only the patient's own, when ``patient_id`` is given); ``audit_event``
        (who did it in the portal) is written with it. Raises ``NotFound``."""
        with self._uow() as uow:
            entry = uow.waitlist.entry(entry_id)
            if entry is None or (patient_id is not None and entry.patient_id != patient_id):
                raise NotFound("There is no such waitlist entry.")
            uow.waitlist.set_entry_state(entry_id, EntryState.LEFT)
            if audit_event is not None:
                uow.access.record(audit_event)
            uow.commit()

    def entries(self, patient_id: int, *, actor: Actor | None = None) -> list[WaitlistEntry]:
        """The patient's waitlist entries. A read by the clinic's staff names them as ``actor`` and is audited
        (``view_waitlist``), so the patient's "who viewed my record" page lists it; raises ``NotFound`` then for
        an unknown patient."""
        if actor is not None and self._reads is not None:
            with self._reads.open_for_staff(patient_id, audit.VIEW_WAITLIST, actor) as uow:
                return uow.waitlist.entries_for_patient(patient_id)
        with self._uow(readonly=True) as uow:
            return uow.waitlist.entries_for_patient(patient_id)

    def offer(self, token: str) -> WaitlistOffer:
        """The offer a link names; raises ``InvalidInput`` for an unknown link."""
        with self._uow(readonly=True) as uow:
            return self._find(uow, token)

    def terms(self, token: str) -> OfferTerms:
        """What accepting the offer will ask, as an online booking would, and the cards on file the patient may
        use; raises ``InvalidInput`` for an unknown link."""
        with self._uow(readonly=True) as uow:
            offer = self._find(uow, token)
            clinic = require_clinic(uow.clinic.get())
            return OfferTerms(offer, self._quote(uow, clinic, offer),
                              tuple(self._cards.usable(uow.bookings.cards(offer.patient_id))))

    def accept(self, token: str, payment_method: str = "", accepted_policy: bool = False) -> Confirmation:
        """Books the offered time for the patient, if it is still free, with the clinic's payment step: the policy
        accepted and a card (new, or one on file) when a deposit or late-cancellation fee applies, the deposit
        charged or the card checked before booking. The first to accept wins; a deposit taken from someone who
        lost the race is refunded, and the others with an open offer for that time are told it is gone. A
        declined card books nothing and leaves the offer open.
        Raises ``OfferGone``, ``InvalidInput``, ``PaymentDeclined`` or ``PaymentUnavailable``."""
        now = self._kit.clock.now()
        with self._uow(readonly=True) as uow:
            offer = self._find(uow, token)
            if not offer.open(now):
                raise OfferGone(GONE)
            clinic = require_clinic(uow.clinic.get())
            terms = self._quote(uow, clinic, offer)
            patient = uow.patients.get(offer.patient_id)
            cards = uow.bookings.cards(offer.patient_id)
        if patient is None:
            raise InvalidInput(BAD_OFFER)
        terms.check(payment_method, accepted_policy)
        taken = None
        if terms.card_required:
            # from the offer and the card given: a double click charges once, another card after a decline is new
            card_digest = hashlib.sha256(payment_method.encode()).hexdigest()[:12]
            taken = self._cards.take(f"waitlist:{offer.token_hash[:32]}:{card_digest}", terms, email=patient.email,
                                     name=f"{patient.first_name} {patient.last_name}",
                                     payment_method=payment_method, on_file=cards)
        try:
            visit, card = self._book(offer, taken)
        except OfferGone:
            self._cards.give_back(taken)
            raise
        return Confirmation(reference=visit.reference, appointment=visit, patient=patient,
                            deposit_paid=taken.deposit_paid if taken else Money(0), card=card,
                            simulated_payment=bool(taken and taken.payment.simulated))

    def _find(self, uow: UnitOfWork, token: str) -> WaitlistOffer:
        found = uow.waitlist.offer_by_token(self._kit.digest(token))
        if found is None:
            raise InvalidInput(BAD_OFFER)
        return found

    def _quote(self, uow: UnitOfWork, clinic: Clinic, offer: WaitlistOffer) -> Quote:
        return quote_for(clinic, load_plan(uow, offer.services), uow.appointments.for_patient(offer.patient_id))

    def _book(self, offer: WaitlistOffer, taken: CardTaken | None) -> tuple[Appointment, CardOnFile | None]:
        now = self._kit.clock.now()
        with self._uow() as uow:
            clinic = require_clinic(uow.clinic.get())
            # offers for one provider are accepted one at a time; the provider lock comes before any offer row
            uow.bookings.lock_provider(offer.provider)
            current = uow.waitlist.offer_by_token(offer.token_hash, for_update=True)
            if current is None or not current.open(now):
                raise OfferGone(GONE)
            visit = self._add_visit(uow, current)
            if visit is None:
                assert current.id is not None
                uow.waitlist.set_offer_state(current.id, OfferState.GONE)
                uow.commit()
                raise OfferGone(GONE)
            assert visit.id is not None
            card = self._cards.record(uow, taken, visit.patient_id, visit.id, now) if taken else None
            self._settle(uow, clinic, current, visit)
            uow.commit()
        return visit, card

    def _add_visit(self, uow: UnitOfWork, offer: WaitlistOffer) -> Appointment | None:
        plan = load_plan(uow, offer.services)
        try:
            return uow.appointments.add(Appointment(
                patient_id=offer.patient_id, provider=offer.provider, location=offer.location,
                services=offer.services, start_at=offer.start_at,
                end_at=offer.start_at + timedelta(minutes=plan.visit_minutes),
                busy_until=offer.start_at + timedelta(minutes=plan.busy_minutes), price_cents=plan.price.cents,
                reference=secrets.token_urlsafe(12)))
        except SlotTaken:
            return None

    def _settle(self, uow: UnitOfWork, clinic: Clinic, offer: WaitlistOffer, visit: Appointment) -> None:
        assert offer.id is not None
        now = self._kit.clock.now()
        uow.waitlist.set_offer_state(offer.id, OfferState.TAKEN)
        uow.waitlist.set_entry_state(offer.entry_id, EntryState.BOOKED)
        for other in uow.waitlist.open_offers_at(offer.provider, offer.start_at):
            assert other.id is not None
            uow.waitlist.set_offer_state(other.id, OfferState.GONE)
            patient = uow.patients.get(other.patient_id)
            if patient is not None:
                _tell(uow, self._kit, clinic, patient, other, "waitlist_gone", {})
        patient = uow.patients.get(visit.patient_id)
        if patient is None:
            schedule_visit(uow, clinic, visit, now)
            return
        settle_new_visit(uow, self._kit.composer, clinic, patient, visit, now=now,
                         manage_link=f"{self._kit.base_url.rstrip('/')}/bookings/{visit.reference}")
