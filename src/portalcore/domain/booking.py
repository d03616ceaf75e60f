"""The booking cart: services done back to back by one provider, in the patient's order."""

from __future__ import annotations

from datetime import datetime

import attrs

from portalcore.domain.catalog import Service
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money

MAX_SERVICES = 6


@attrs.frozen
class Cart:
    """The services a patient wants in one visit, as slugs, in the order they will be done."""

    services: tuple[str, ...] = ()

    def add(self, slug: str) -> Cart:
        if slug in self.services:
            raise InvalidInput("That service is already in your visit.")
        if len(self.services) >= MAX_SERVICES:
            raise InvalidInput("One visit can hold at most %(count)s services.", count=MAX_SERVICES)
        return Cart((*self.services, slug))

    def remove(self, slug: str) -> Cart:
        return Cart(tuple(s for s in self.services if s != slug))

    def move(self, slug: str, offset: int) -> Cart:
        """Moves a service ``offset`` places later (negative: earlier), staying inside the cart."""
        if slug not in self.services:
            raise InvalidInput("That service is not in your visit.")
        order = list(self.services)
        old = order.index(slug)
        order.pop(old)
        order.insert(max(0, min(len(order), old + offset)), slug)
        return Cart(tuple(order))


@attrs.frozen
class VisitPlan:
    """What a cart means for the calendar and the bill."""

    services: tuple[Service, ...]
    providers: tuple[str, ...]  # who can do every service, sorted
    visit_minutes: int  # from the first start to the last service's end
    busy_minutes: int  # plus the last service's buffer
    price: Money
    deposit: Money
    preparation_minutes: int = 0  # of visit_minutes: the buffers between services (the room is readied)

    @property
    def treatment_minutes(self) -> int:
        return self.visit_minutes - self.preparation_minutes


def plan_cart(services: list[Service]) -> VisitPlan:
    """Checks that one provider can do the whole visit and works out its length and price.

    Raises ``InvalidInput`` for an empty cart or when no single provider offers every service, naming the
    service that conflicts with the ones before it.
    """
    if not services:
        raise InvalidInput("Choose at least one service.")
    offline = [s.name for s in services if not s.online]
    if offline:
        raise InvalidInput("%(service)s cannot be booked online; please call the clinic.", service=offline[0])
    common = set(services[0].providers)
    if not common:
        raise InvalidInput("%(service)s has no provider who can be booked online.", service=services[0].name)
    for service in services[1:]:
        narrowed = common & set(service.providers)
        if not narrowed:
            before = ", ".join(s.name for s in services[: services.index(service)])
            raise InvalidInput("No single provider offers both %(before)s and %(service)s; all services in one visit "
                               "are done by one provider, so please book %(service)s as a separate visit.",
                               before=before, service=service.name)
        common = narrowed
    currency = services[0].price.currency
    preparation = sum(s.buffer_minutes for s in services[:-1])
    visit = sum(s.duration_minutes for s in services) + preparation
    return VisitPlan(
        services=tuple(services), providers=tuple(sorted(common)), visit_minutes=visit,
        preparation_minutes=preparation,
        busy_minutes=visit + services[-1].buffer_minutes,
        price=sum((s.price for s in services), Money.zero(currency)),
        deposit=sum((s.deposit for s in services), Money.zero(currency)))


@attrs.frozen
class Hold:
    """A time kept for one patient for a few minutes while they finish booking; others do not see it."""

    token: str
    provider: str
    location: str
    services: tuple[str, ...]
    start_at: datetime
    end_at: datetime
    busy_until: datetime
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return now < self.expires_at


@attrs.frozen
class PatientDetails:
    """Who is booking, as typed on the booking page (already checked and normalized)."""

    first_name: str
    last_name: str
    email: str
    mobile: str
    language: str = "en"


@attrs.frozen
class PaymentRecord:
    """What we asked of the patient's card for a booking, mirrored from the payment provider."""

    idempotency_key: str
    patient_id: int
    kind: str  # card_check | deposit | cancellation_fee
    provider_payment_id: str
    amount: Money
    status: str
    simulated: bool
    appointment_id: int | None = None


@attrs.frozen
class CardOnFile:
    patient_id: int
    customer_id: str
    payment_method_id: str
    brand: str = ""
    last4: str = ""
    simulated: bool = False


def books_into_profile(profile_id: int | None, profile_mobile: str, verified_mobile: str,
                       signed_in_patient: int | None = None) -> bool:
    """Whether a booking made with an existing profile's email goes straight onto that profile (issue 12).

    Anyone can type a known email, so the email alone proves nothing: the booker must have proven the mobile on
    that profile with the texted code, or be signed in to the portal as that patient. Otherwise the visit is
    booked for the booker alone and joins the profile only when someone follows the link emailed to it."""
    if signed_in_patient is not None and signed_in_patient == profile_id:
        return True
    return bool(profile_mobile) and profile_mobile == verified_mobile


@attrs.frozen
class CheckoutDraft:
    """What a patient has told us while booking one held time, kept on the server under the hold's token, so the
    Back button, a repeated submit or a new time after the hold ran out loses nothing. ``reference`` is the
    booking this hold made, once made: a repeat of the last step gets that booking back."""

    hold_token: str
    services: tuple[str, ...]
    provider: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    phone_token: str = ""  # the SMS check of ``mobile``
    reference: str = ""
    owner: str = ""  # a digest of the key of the browser that typed it: the hold's token alone shows nothing
