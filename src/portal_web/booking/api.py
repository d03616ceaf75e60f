"""The JSON API for booking, part 1: open times, holding one, and what confirming it will cost."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from portal_web.booking.schemas import Availability, HoldInfo, HoldRequest, QuoteInfo, Slot
from portal_web.booking.views import cart_of, parse_cart
from portal_web.errors import problem_responses
from portalcore.bootstrap import Portal
from portalcore.domain.availability import Slot as OpenSlot
from portalcore.domain.booking import Hold
from portalcore.domain.clinic import Clinic
from portalcore.domain.clock import as_utc
from portalcore.services.booking.availability import ANY
from portalcore.services.booking.checkout import Quote

ServicesQuery = Annotated[str, QueryParameter(name="services", description="Service slugs, comma separated, in order.")]
FirstDay = Annotated[date, QueryParameter(name="from", description="First clinic-local day (YYYY-MM-DD).")]
LastDay = Annotated[date, QueryParameter(name="to", description="Last clinic-local day, at most 30 days after `from`.")]
ProviderQuery = Annotated[str, QueryParameter(name="provider", description='A provider slug or "any".')]
LocationQuery = Annotated[str | None, QueryParameter(name="location", description="Only times at this location.")]


class BookingApi(Controller):
    """Finding and holding a time."""

    path = "/api/v1"
    tags = ["booking"]

    @get("/availability", summary="Open times", sync_to_thread=True,
         responses=problem_responses(400, 404, 422, 503))
    def availability(self, portal: NamedDependency[Portal], clinic: NamedDependency[Clinic], services: ServicesQuery,
                     first_day: FirstDay, last_day: LastDay, provider: ProviderQuery = ANY,
                     location: LocationQuery = None) -> Availability:
        """Times the visit can start on the clinic-local days `from`..`to`, each with its provider and location."""
        found = portal.booking.availability(parse_cart(services).services, provider, first_day, last_day, location)
        return availability_info(clinic, found)

    @post("/holds", summary="Hold a time", sync_to_thread=True,
          responses=problem_responses(404, 409, 422, 503, body=True))
    def hold(self, portal: NamedDependency[Portal], data: JSONBody[HoldRequest]) -> HoldInfo:
        """Keeps the time for the clinic's hold minutes; 409 `slot_taken` with `alternatives` when it is gone."""
        held = portal.booking.hold(cart_of(data.services).services, data.provider, as_utc(data.start_at),
                                   data.location)
        return hold_info(held)

    @get("/holds/{token:str}/quote", summary="Price of a held visit", sync_to_thread=True,
         responses=problem_responses(400, 422, 503))
    def quote(self, portal: NamedDependency[Portal], token: FromPath[str]) -> QuoteInfo:
        """The deposit and whether a card is needed; 422 when the hold has run out."""
        return quote_info(portal.checkout.quote(token))


def availability_info(clinic: Clinic, slots: list[OpenSlot]) -> Availability:
    zone = ZoneInfo(clinic.time_zone)
    return Availability(time_zone=clinic.time_zone, slots=[
        Slot(start_at=s.start_at, local_time=s.start_at.astimezone(zone).isoformat(), provider=s.provider,
             location=s.location) for s in slots])


def hold_info(hold: Hold) -> HoldInfo:
    return HoldInfo(token=hold.token, expires_at=hold.expires_at, provider=hold.provider, location=hold.location,
                    start_at=hold.start_at, end_at=hold.end_at)


def quote_info(quote: Quote) -> QuoteInfo:
    return QuoteInfo(deposit_cents=quote.deposit.cents, card_required=quote.card_required,
                     card_check_cents=quote.card_check.cents, currency=quote.deposit.currency,
                     policy_text=quote.policy_text)
