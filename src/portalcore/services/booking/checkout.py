"""Online booking, part 2: confirming a held time: the patient, the card, the visit, forms and messages."""

from __future__ import annotations

import hashlib
import secrets

import attrs

from portalcore.domain.appointments import Appointment
from portalcore.domain.booking import CardOnFile, CheckoutDraft, Hold, PatientDetails, books_into_profile
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, NotFound, SlotTaken
from portalcore.domain.money import Money
from portalcore.domain.patients import Patient, check_names
from portalcore.domain.policies import check_prior_visits
from portalcore.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from portalcore.services.access.invitations import InvitationService
from portalcore.services.access.kit import Actor
from portalcore.services.booking.availability import load_plan
from portalcore.services.booking.card_step import CardStep, CardTaken, Quote, quote_for
from portalcore.services.booking.new_visit import settle_new_visit
from portalcore.services.booking.visit_claims import VisitClaims
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.contact import check_email, check_mobile
from portalcore.services.delivery import MessageComposer

PHONE_NEEDED = "Please confirm your mobile number with the code we texted you."


@attrs.frozen
class Confirmation:
    reference: str
    appointment: Appointment
    patient: Patient
    deposit_paid: Money
    card: CardOnFile | None
    simulated_payment: bool


def checked_details(details: PatientDetails, region: str) -> PatientDetails:
    """The details cleaned (``check_names``), the email and mobile normalized; raises ``InvalidInput`` for what
    cannot be used."""
    first, last = check_names(details.first_name, details.last_name)
    return attrs.evolve(details, first_name=first, last_name=last, email=check_email(details.email),
                        mobile=check_mobile(details.mobile, region))


def booked_with(uow: UnitOfWork, hold_token: str) -> Confirmation | None:
    """The booking a hold already made, with what was paid, or None."""
    draft = uow.bookings.draft(hold_token)
    visit = uow.appointments.by_reference(draft.reference) if draft and draft.reference else None
    patient = uow.patients.get(visit.patient_id) if visit else None
    if visit is None or visit.id is None or patient is None or patient.id is None:
        return None
    paid = uow.bookings.payments(visit.id)
    deposit = next((p.amount for p in paid if p.kind == "deposit"), Money(0))
    cards = uow.bookings.cards(patient.id) if paid else []  # newest first: the one this booking added or used
    return Confirmation(reference=visit.reference or "", appointment=visit, patient=patient, deposit_paid=deposit,
                        card=cards[0] if cards else None, simulated_payment=any(p.simulated for p in paid))


class CheckoutService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: PaymentGateway, composer: MessageComposer,
                 base_url: str, claims: VisitClaims, region: str = "US",
                 invitations: InvitationService | None = None) -> None:
        self._uow, self._clock, self._composer = uow, clock, composer
        self._cards = CardStep(uow, clock, payments)
        self._base_url, self._region, self._invitations = base_url, region, invitations
        self._claims = claims

    def quote(self, hold_token: str, email: str = "", phone_token: str = "",
              signed_in_patient: int | None = None) -> Quote:
        """The deposit and card requirement for a held visit. A patient's history (missed visits) counts only
        when the booker proved they are that patient (see ``books_into_profile``): a typed email alone must not
        reveal anything of a record."""
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            hold = self._live_hold(uow, hold_token)
            challenge = uow.bookings.challenge(phone_token) if phone_token else None
            phone = challenge.phone if challenge is not None and challenge.verified else ""
            return self._quote(uow, clinic, hold, self._proven(uow, email, phone, signed_in_patient))

    def confirm(self, hold_token: str, phone_token: str, details: PatientDetails, payment_method: str = "",
                accepted_policy: bool = False, signed_in_patient: int | None = None) -> Confirmation:
        """Books the held time for the patient, all or nothing, once per hold: a repeat (a second click, the
        Back button, a retried API call) gets back the booking the hold already made.

        Order: checks (hold alive, phone verified, policy accepted, card given when needed) → the card step
        (``CardStep.take``) with idempotency keys derived from the hold and the card → one transaction writing the
        patient, the visit, payment record, the card on file, the forms and every message, and using up the phone
        check (one check books one visit). An existing email reuses its profile only when the verified mobile is
        the profile's or ``signed_in_patient`` is that profile; otherwise the visit is booked for the booker alone
        and the profile is emailed a link to add it (``VisitClaims``); the booker is answered the same either way.
        If the card is declined nothing is booked and the hold stays, so another card can be tried; if the time
        was taken meanwhile the deposit is refunded and the hold released.
        Raises ``InvalidInput``, ``PaymentDeclined``, ``PaymentUnavailable`` or ``SlotTaken``."""
        details = self._checked(details)
        with self._uow(readonly=True) as uow:
            done = booked_with(uow, hold_token)
            if done is not None:
                return done
            clinic = require_clinic(uow.clinic.get())
            hold = self._live_hold(uow, hold_token)
            challenge = uow.bookings.challenge(phone_token)
            if challenge is None or not challenge.verified or challenge.phone != details.mobile:
                raise InvalidInput(PHONE_NEEDED)
            known = self._proven(uow, details.email, challenge.phone, signed_in_patient)
            terms = self._quote(uow, clinic, hold, known)
            history = uow.appointments.for_patient(known.id) if known and known.id else []
            catalog = {s.slug: s for s in uow.catalog.services()}
            check_prior_visits(terms.plan.services, history, catalog, self._clock.now(), clinic.settings)
        terms.check(payment_method, accepted_policy)
        taken = None
        if terms.card_required:
            # from the hold and the card given: a double click charges once, another card after a decline is new
            card_digest = hashlib.sha256(payment_method.encode()).hexdigest()[:12]
            taken = self._cards.take(f"booking:{hold.token}:{card_digest}", terms, email=details.email,
                                     name=f"{details.first_name} {details.last_name}", payment_method=payment_method)
        try:
            done, stray = self._book(clinic, hold, details, terms, taken, phone_token, signed_in_patient)
        except SlotTaken:
            self._cards.give_back(taken)
            self._drop_hold(hold.token)
            raise
        except InvalidInput:  # the phone check booked another visit meanwhile: this one books nothing
            if self._still_held(hold.token):  # (when the hold is gone, the payment is that booking's own)
                self._cards.give_back(taken)
            raise
        self._cards.give_back(stray)
        return done

    def booking(self, reference: str) -> Appointment:
        """A booking by its reference; raises ``NotFound``."""
        with self._uow(readonly=True) as uow:
            found = uow.appointments.by_reference(reference)
        if found is None:
            raise NotFound("There is no booking with that reference.")
        return found

    # -- steps
    def _checked(self, details: PatientDetails) -> PatientDetails:
        return checked_details(details, self._region)

    def _live_hold(self, uow: UnitOfWork, token: str) -> Hold:
        hold = uow.bookings.hold(token)
        if hold is None or not hold.live(self._clock.now()):
            raise InvalidInput("Your held time has run out. Please choose a time again.")
        return hold

    def _quote(self, uow: UnitOfWork, clinic: Clinic, hold: Hold, known: Patient | None) -> Quote:
        history = uow.appointments.for_patient(known.id) if known and known.id else []
        return quote_for(clinic, load_plan(uow, hold.services), history)

    @staticmethod
    def _proven(uow: UnitOfWork, email: str, phone: str, signed_in_patient: int | None) -> Patient | None:
        """The profile with ``email`` when the booker proved to be that patient; None otherwise (or no profile)."""
        profile = uow.patients.by_email(email) if email.strip() else None
        if profile is None or not books_into_profile(profile.id, profile.mobile, phone, signed_in_patient):
            return None
        return profile

    def _book(self, clinic: Clinic, hold: Hold, details: PatientDetails, terms: Quote, taken: CardTaken | None,
              phone_token: str, signed_in_patient: int | None) -> tuple[Confirmation, CardTaken | None]:
        """The booking, and what this try took from a card that the booking does not use (to give back)."""
        now = self._clock.now()
        with self._uow() as uow:
            uow.bookings.lock_provider(hold.provider)
            done = booked_with(uow, hold.token)
            if done is not None:  # a repeat that raced this one booked first; a different card is given back
                kept = {p.provider_payment_id for p in uow.bookings.payments(done.appointment.id or 0)}
                return done, taken if taken is not None and taken.payment.id not in kept else None
            if uow.bookings.challenge(phone_token) is None:  # used by another booking since the checks
                raise InvalidInput(PHONE_NEEDED)
            uow.bookings.use_challenge(phone_token)
            profile = uow.patients.by_email(details.email)
            claim_for = None
            if profile is not None and not books_into_profile(profile.id, profile.mobile, details.mobile,
                                                              signed_in_patient):
                # the email is someone's, the booker is not proven to be them: a profile of the booker's own
                claim_for, profile = profile, uow.patients.add(Patient(
                    first_name=details.first_name, last_name=details.last_name, mobile=details.mobile,
                    language=details.language))
            patient, created = (profile, False) if profile is not None else self._patient(uow, details)
            assert patient.id is not None
            visit = uow.appointments.add(Appointment(
                patient_id=patient.id, provider=hold.provider, location=hold.location, services=hold.services,
                start_at=hold.start_at, end_at=hold.end_at, busy_until=hold.busy_until,
                price_cents=terms.plan.price.cents, reference=secrets.token_urlsafe(12)))
            assert visit.id is not None
            card = self._cards.record(uow, taken, patient.id, visit.id, now) if taken is not None else None
            settle_new_visit(uow, self._composer, clinic, patient, visit, now=now,
                             manage_link=f"{self._base_url}/bookings/{visit.reference}")
            if (created and clinic.settings.activation_email_enabled and clinic.settings.portal_enabled
                    and self._invitations is not None and patient.email):
                # the welcome email carries a real invitation: a single-use link to choose a password
                self._invitations.queue_invite(uow, patient, by_email=True, by_sms=False,
                                               actor=Actor("online booking"))
            if claim_for is not None:
                self._claims.offer(uow, clinic, claim_for, visit, now)
            uow.bookings.drop_hold(hold.token)
            uow.bookings.save_draft(CheckoutDraft(
                hold.token, hold.services, hold.provider, details.first_name, details.last_name, details.email,
                details.mobile, reference=visit.reference or ""), now)
            uow.commit()
        return Confirmation(reference=visit.reference, appointment=visit, patient=patient,
                            deposit_paid=taken.deposit_paid if taken else Money(0), card=card,
                            simulated_payment=bool(taken and taken.payment.simulated)), None

    def _patient(self, uow: UnitOfWork, details: PatientDetails) -> tuple[Patient, bool]:
        """The profile with this email, or a new one: a returning patient never gets a duplicate."""
        existing = uow.patients.by_email(details.email)
        if existing is not None:
            return existing, False
        return uow.patients.add(Patient(first_name=details.first_name, last_name=details.last_name,
                                        email=details.email, mobile=details.mobile, language=details.language)), True

    def _still_held(self, token: str) -> bool:
        with self._uow(readonly=True) as uow:
            return uow.bookings.hold(token) is not None

    def _drop_hold(self, token: str) -> None:
        with self._uow() as uow:
            uow.bookings.drop_hold(token)
            uow.commit()
