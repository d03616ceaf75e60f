"""Online booking, part 2: confirming a held time: the patient, the card, the visit, forms and messages."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import attrs
from babel.dates import format_datetime

from portalcore.domain.appointments import Appointment
from portalcore.domain.booking import CardOnFile, Hold, PatientDetails, PaymentRecord, VisitPlan
from portalcore.domain.catalog import FormKind, FormTemplate
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, NotFound, PaymentDeclined, PaymentUnavailable, SlotTaken
from portalcore.domain.forms import route_forms
from portalcore.domain.money import Money
from portalcore.domain.patients import Patient
from portalcore.domain.payments import Payment
from portalcore.domain.policies import card_required, check_prior_visits, deposit_due
from portalcore.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from portalcore.services.access_kit import Actor
from portalcore.services.booking import load_plan
from portalcore.services.calendar import visit_ics
from portalcore.services.catalog import require_clinic
from portalcore.services.contact import check_email, check_mobile
from portalcore.services.delivery import MessageComposer
from portalcore.services.timed_events import schedule_visit
from portalcore.services.invitations import InvitationService


@attrs.frozen
class Quote:
    """What confirming will ask of the patient: shown before they give a card."""

    plan: VisitPlan
    deposit: Money
    card_required: bool
    card_check: Money
    policy_text: str


@attrs.frozen
class Confirmation:
    reference: str
    appointment: Appointment
    patient: Patient
    deposit_paid: Money
    card: CardOnFile | None
    simulated_payment: bool


class CheckoutService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: PaymentGateway, composer: MessageComposer,
                 base_url: str, region: str = "US", invitations: InvitationService | None = None) -> None:
        self._uow, self._clock, self._payments, self._composer = uow, clock, payments, composer
        self._base_url, self._region, self._invitations = base_url, region, invitations

    def quote(self, hold_token: str, email: str = "") -> Quote:
        """The deposit and card requirement for a held visit (for a known patient, their history counts)."""
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            hold = self._live_hold(uow, hold_token)
            return self._quote(uow, clinic, hold, email)

    def confirm(self, hold_token: str, phone_token: str, details: PatientDetails, payment_method: str = "",
                accepted_policy: bool = False) -> Confirmation:
        """Books the held time for the patient, all or nothing.

        Order: checks (hold alive, phone verified, policy accepted, card given when needed) → card saved and
        deposit charged, or a small authorization placed and released, with idempotency keys derived from the
        hold → one transaction writing the patient (an existing email reuses its profile), the visit, payment
        records, the card on file, the forms and every message. If the card is declined nothing is booked and
        the hold is released; if the time was taken meanwhile the deposit is refunded.
        Raises ``InvalidInput``, ``PaymentDeclined``, ``PaymentUnavailable`` or ``SlotTaken``."""
        details = self._checked(details)
        with self._uow(readonly=True) as uow:
            clinic = require_clinic(uow.clinic.get())
            hold = self._live_hold(uow, hold_token)
            challenge = uow.bookings.challenge(phone_token)
            if challenge is None or not challenge.verified or challenge.phone != details.mobile:
                raise InvalidInput("Please confirm your mobile number with the code we texted you.")
            quote = self._quote(uow, clinic, hold, details.email)
            existing = uow.patients.by_email(details.email)
            history = uow.appointments.for_patient(existing.id) if existing and existing.id else []
            catalog = {s.slug: s for s in uow.catalog.services()}
            check_prior_visits(quote.plan.services, history, catalog, self._clock.now(), clinic.settings)
        if quote.card_required and not accepted_policy:
            raise InvalidInput("Please read and accept the cancellation and deposit policy.")
        if quote.card_required and not payment_method:
            raise InvalidInput("A card is needed to secure this visit.")
        key = f"booking:{hold.token}"
        card, payment = None, None
        try:
            if quote.card_required:
                card, payment = self._take_card(key, details, quote, payment_method)
            return self._book(clinic, hold, details, quote, key, card, payment)
        except (PaymentDeclined, PaymentUnavailable):
            self._drop_hold(hold.token)
            raise
        except SlotTaken:
            if payment is not None and quote.deposit.cents:
                self._payments.refund(payment.id, amount_cents=payment.amount_cents,
                                      idempotency_key=f"{key}:deposit:refund")
            self._drop_hold(hold.token)
            raise

    def booking(self, reference: str) -> Appointment:
        """A booking by its reference; raises ``NotFound``."""
        with self._uow(readonly=True) as uow:
            found = uow.appointments.by_reference(reference)
        if found is None:
            raise NotFound("There is no booking with that reference.")
        return found

    # -- steps
    def _checked(self, details: PatientDetails) -> PatientDetails:
        first, last = details.first_name.strip(), details.last_name.strip()
        if not first or not last:
            raise InvalidInput("Please give your first and last name.")
        return attrs.evolve(details, first_name=first, last_name=last, email=check_email(details.email),
                            mobile=check_mobile(details.mobile, self._region))

    def _live_hold(self, uow: UnitOfWork, token: str) -> Hold:
        hold = uow.bookings.hold(token)
        if hold is None or not hold.live(self._clock.now()):
            raise InvalidInput("Your held time has run out. Please choose a time again.")
        return hold

    def _quote(self, uow: UnitOfWork, clinic: Clinic, hold: Hold, email: str) -> Quote:
        plan = load_plan(uow, hold.services)
        patient = uow.patients.by_email(email) if email else None
        history = uow.appointments.for_patient(patient.id) if patient and patient.id else []
        deposit = deposit_due(plan, clinic.settings, history)
        return Quote(plan=plan, deposit=deposit, card_required=card_required(clinic.settings, deposit),
                     card_check=clinic.settings.card_check, policy_text=clinic.settings.cancellation.text)

    def _take_card(self, key: str, details: PatientDetails, quote: Quote,
                   payment_method: str) -> tuple[CardOnFile, Payment]:
        customer = self._payments.create_customer(email=details.email, idempotency_key=f"{key}:customer",
                                                  name=f"{details.first_name} {details.last_name}")
        card = self._payments.save_card(customer_id=customer.id, payment_method=payment_method,
                                        idempotency_key=f"{key}:card")
        names = ", ".join(s.name for s in quote.plan.services)
        if quote.deposit.cents:
            payment = self._payments.charge(
                customer_id=customer.id, payment_method_id=card.payment_method_id, amount_cents=quote.deposit.cents,
                currency=quote.deposit.currency, idempotency_key=f"{key}:deposit", description=f"Deposit: {names}")
        else:  # prove the card works with a small hold, released at once (seed 002 step 23)
            check = self._payments.authorize(
                customer_id=customer.id, payment_method_id=card.payment_method_id,
                amount_cents=quote.card_check.cents, currency=quote.card_check.currency,
                idempotency_key=f"{key}:card-check", description="Card check (released)")
            payment = self._payments.cancel(check.id, idempotency_key=f"{key}:card-check:release")
        on_file = CardOnFile(0, customer.id, card.payment_method_id, card.brand, card.last4, card.simulated)
        return on_file, payment

    def _book(self, clinic: Clinic, hold: Hold, details: PatientDetails, quote: Quote, key: str,
              card: CardOnFile | None, payment: Payment | None) -> Confirmation:
        now = self._clock.now()
        with self._uow() as uow:
            uow.bookings.lock_provider(hold.provider)
            patient, created = self._patient(uow, details)
            assert patient.id is not None
            visit = uow.appointments.add(Appointment(
                patient_id=patient.id, provider=hold.provider, location=hold.location, services=hold.services,
                start_at=hold.start_at, end_at=hold.end_at, busy_until=hold.busy_until,
                price_cents=quote.plan.price.cents, reference=secrets.token_urlsafe(12)))
            assert visit.id is not None
            on_file = None
            if card is not None and payment is not None:
                on_file = attrs.evolve(card, patient_id=patient.id)
                uow.bookings.add_card(on_file, now)
                kind = "deposit" if quote.deposit.cents else "card_check"
                uow.bookings.add_payment(PaymentRecord(
                    idempotency_key=f"{key}:{kind}", patient_id=patient.id, kind=kind,
                    provider_payment_id=payment.id, amount=Money(payment.amount_cents, payment.currency),
                    status=payment.status.value, simulated=payment.simulated, appointment_id=visit.id), now)
            templates = {f.slug: f for f in uow.catalog.forms()}
            wanted = [templates[slug] for service in quote.plan.services for slug in service.forms
                      if slug in templates]
            uow.bookings.add_forms(patient.id, route_forms(wanted, visit.id, now, visit.start_at), now)
            self._messages(uow, clinic, patient, visit, quote, wanted, created, now)
            schedule_visit(uow, clinic, visit, now)
            uow.bookings.drop_hold(hold.token)
            uow.commit()
        return Confirmation(reference=visit.reference, appointment=visit, patient=patient,
                            deposit_paid=quote.deposit if payment is not None else Money(0), card=on_file,
                            simulated_payment=bool(payment and payment.simulated))

    def _patient(self, uow: UnitOfWork, details: PatientDetails) -> tuple[Patient, bool]:
        """The profile with this email, or a new one: a returning patient never gets a duplicate."""
        existing = uow.patients.by_email(details.email)
        if existing is not None:
            return existing, False
        return uow.patients.add(Patient(first_name=details.first_name, last_name=details.last_name,
                                        email=details.email, mobile=details.mobile, language=details.language)), True

    def _messages(self, uow: UnitOfWork, clinic: Clinic, patient: Patient, visit: Appointment, quote: Quote,
                  forms: list[FormTemplate], new_patient: bool, now: datetime) -> None:
        """Confirmation email (with .ics) and SMS, pre-treatment instructions, and for a new patient the portal
        welcome when the clinic sends activation emails; all in the booking's transaction."""
        zone = ZoneInfo(clinic.time_zone)
        language = patient.language or clinic.language
        provider = uow.catalog.provider(visit.provider)
        location = {loc.slug: loc for loc in uow.catalog.locations()}.get(visit.location)
        names = [s.name for s in quote.plan.services]
        when = format_datetime(visit.start_at.astimezone(zone), "EEEE d MMMM y, h:mm a", tzinfo=zone, locale=language)
        manage = f"{self._base_url}/bookings/{visit.reference}"
        context = {"clinic_name": clinic.name, "patient_name": patient.first_name, "when": when, "services": names,
                   "provider_name": provider.name if provider else visit.provider,
                   "location_name": location.name if location else visit.location, "manage_link": manage}
        ics = visit_ics(reference=visit.reference, start_at=visit.start_at, end_at=visit.end_at, now=now,
                        summary=f"{', '.join(names)} at {clinic.name}",
                        location=f"{location.name}, {location.address}" if location else visit.location,
                        description=f"With {context['provider_name']}. Manage your visit: {manage}",
                        organizer_email=clinic.email)
        prefix = f"appointment:{visit.id}"
        uow.outbox.add(self._composer.email("appointment_confirmation", to=patient.email, language=language,
                                            context=context, key=f"{prefix}:confirmation:email",
                                            attachments=(ics,)), now)
        if patient.mobile:
            uow.outbox.add(self._composer.sms("appointment_confirmation_sms", to=patient.mobile, language=language,
                                              context=context, key=f"{prefix}:confirmation:sms"), now)
        instructions = [{"title": f.title, "body": f.body} for f in forms if f.kind is FormKind.PRE_INSTRUCTIONS]
        if instructions:
            uow.outbox.add(self._composer.email(
                "pre_instructions", to=patient.email, language=language, key=f"{prefix}:pre-instructions:email",
                context={"clinic_name": clinic.name, "patient_name": patient.first_name,
                         "instructions": instructions}), now)
        if (new_patient and clinic.settings.activation_email_enabled and clinic.settings.portal_enabled
                and self._invitations is not None and patient.email):
            # the welcome email carries a real invitation: a single-use link to choose a password
            self._invitations.queue_invite(uow, patient, by_email=True, by_sms=False, actor=Actor("online booking"))

    def _drop_hold(self, token: str) -> None:
        with self._uow() as uow:
            uow.bookings.drop_hold(token)
            uow.commit()
