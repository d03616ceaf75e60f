"""What the booking pages show: the cart, the provider choice and the open times, built from service calls.

The cart lives in the query string (``services=a,b``), so every cart page is a plain link and a GET only reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import attrs

from portal_web.errors import describe
from portal_web.i18n import day_label, time_label
from portal_web.rendering import Page
from portalcore.bootstrap import Portal
from portalcore.domain.availability import Slot
from portalcore.domain.booking import Cart
from portalcore.domain.catalog import Service, ServiceCategory
from portalcore.domain.clinic import Clinic, ProviderChoice
from portalcore.domain.clock import as_utc, plausible_day
from portalcore.domain.errors import InvalidInput
from portalcore.services.booking.availability import ANY, TimeTaken

WEEK = 7


def cart_of(slugs: Iterable[str]) -> Cart:
    """The cart of these services in this order; the cart's rules apply (no service twice, not too many)."""
    cart = Cart()
    for slug in slugs:
        cart = cart.add(slug)
    return cart


def parse_cart(services: str) -> Cart:
    """``"a,b"`` → the cart of services a and b."""
    return cart_of(slug.strip() for slug in services.split(",") if slug.strip())


def href(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params, safe=',')}" if params else path


def cart_href(services: Sequence[str]) -> str:
    return href("/book", services=",".join(services)) if services else "/book"


def parse_instant(value: str) -> datetime:
    """A start time from a form: ISO 8601 with an offset, as UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput("That time is not valid; please choose a time again.")
    return as_utc(moment)


def parse_day(value: str) -> date | None:
    """A day from a hidden form field; None (this week) when it is missing or not a day a clinic deals with."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if plausible_day(day) else None


def clinic_today(portal: Portal, clinic: Clinic) -> date:
    return portal.clock.now().astimezone(ZoneInfo(clinic.time_zone)).date()


@attrs.frozen
class CartLine:
    service: Service
    remove_href: str
    up_href: str | None
    down_href: str | None


def cart_lines(cart: Cart, services: Iterable[Service]) -> list[CartLine]:
    slugs = cart.services
    return [CartLine(service, cart_href(cart.remove(service.slug).services),
                     cart_href(cart.move(service.slug, -1).services) if i > 0 else None,
                     cart_href(cart.move(service.slug, 1).services) if i < len(slugs) - 1 else None)
            for i, service in enumerate(services)]


def addable(portal: Portal, cart: Cart) -> list[tuple[ServiceCategory, list[tuple[Service, str]]]]:
    """Per category, the services one provider can still do together with the cart (and their add links)."""
    return [(listing.category, [(service, cart_href(cart.add(service.slug).services)) for service in listing.services])
            for listing in portal.booking.addable(cart.services)]


def cart_page(portal: Portal, cart: Cart) -> Page:
    """The visit being put together; a cart no single provider can do shows why, with a 4xx status."""
    context: dict[str, object] = {"cart": cart, "services_param": ",".join(cart.services), "plan": None,
                                  "error": None, "lines": [], "addable": []}
    if not cart.services:
        return Page("cart.html", {**context, "addable": addable(portal, cart)})
    try:
        plan = portal.booking.plan(cart.services)
    except InvalidInput as error:
        services = [portal.catalog.service(slug) for slug in cart.services]
        return Page("cart.html", {**context, "lines": cart_lines(cart, services), "error": error},
                    status=describe(error).status)
    return Page("cart.html", {**context, "plan": plan, "lines": cart_lines(cart, plan.services),
                              "addable": addable(portal, cart)})


def provider_page(portal: Portal, clinic: Clinic, cart: Cart) -> Page:
    """Who can do the whole visit, and "first available" when the clinic allows it."""
    plan = portal.booking.plan(cart.services)
    providers = {p.slug: p for p in portal.catalog.providers()}
    first_available = clinic.settings.provider_choice is ProviderChoice.NAMED_OR_FIRST_AVAILABLE
    return Page("provider.html", {"plan": plan, "cart": cart, "services_param": ",".join(cart.services),
                                  "any": ANY if first_available and len(plan.providers) > 1 else None,
                                  "providers": [providers[s] for s in plan.providers if s in providers]})


@attrs.frozen
class SlotGroup:
    """Times on one day with one provider at one location: one form, one button per time."""

    provider: str
    provider_name: str
    location: str
    location_name: str
    times: list[tuple[str, str]]  # (ISO start for the form, local time label)


@attrs.frozen
class Day:
    label: str
    groups: list[SlotGroup]


class Names:
    """Provider and location names by slug, for showing slots."""

    def __init__(self, portal: Portal) -> None:
        self.providers = {p.slug: p.name for p in portal.catalog.providers()}
        self.locations = {loc.slug: loc for loc in portal.catalog.locations()}

    def provider(self, slug: str) -> str:
        return self.providers.get(slug, slug)

    def location(self, slug: str) -> str:
        found = self.locations.get(slug)
        return found.name if found else slug


def days_of(slots: Sequence[Slot], zone: ZoneInfo, lang: str, names: Names) -> list[Day]:
    """Slots grouped by clinic-local day, then by provider and location, in time order."""
    days: dict[date, dict[tuple[str, str], SlotGroup]] = {}
    for slot in slots:
        groups = days.setdefault(slot.start_at.astimezone(zone).date(), {})
        key = (slot.provider, slot.location)
        if key not in groups:
            groups[key] = SlotGroup(slot.provider, names.provider(slot.provider), slot.location,
                                    names.location(slot.location), [])
        groups[key].times.append((slot.start_at.isoformat(), time_label(slot.start_at, zone, lang)))
    return [Day(day_label(day, lang), list(groups.values())) for day, groups in days.items()]


def alternatives_of(taken: TimeTaken | None, zone: ZoneInfo, lang: str, names: Names) -> list[Day]:
    """The next open times after a time was taken: each its own little group (they may be on any day)."""
    if taken is None:
        return []
    return [Day(day_label(s.start_at.astimezone(zone).date(), lang), days_of([s], zone, lang, names)[0].groups)
            for s in taken.alternatives]


def times_page(portal: Portal, clinic: Clinic, lang: str, cart: Cart, choice: str, first_day: date | None,
               taken: TimeTaken | None = None, resume: str = "") -> Page:
    """A week of open times from ``first_day`` (default: today at the clinic), with the week before and after.

    With ``taken`` (a hold lost a race) the page answers 409 and offers the next open times first. ``resume`` is
    the hold of a checkout that lost its time: the time chosen here takes over what was typed there."""
    zone, today = ZoneInfo(clinic.time_zone), clinic_today(portal, clinic)
    first = first_day if first_day and plausible_day(first_day) else today
    last = first + timedelta(days=WEEK - 1)
    slots = portal.booking.availability(cart.services, choice, first, last)
    names, services = Names(portal), ",".join(cart.services)
    earlier = max(today, first - timedelta(days=WEEK))
    carry = {"resume": resume} if resume else {}
    context = {
        "plan": portal.booking.plan(cart.services), "services_param": services, "choice": choice,
        "choice_name": None if choice == ANY else names.provider(choice), "first_day": first.isoformat(),
        "week": (day_label(first, lang), day_label(last, lang)), "days": days_of(slots, zone, lang, names),
        "previous_href": href("/book/times", services=services, provider=choice, **carry,
                              **{"from": earlier.isoformat()}) if first > today else None,
        "next_href": href("/book/times", services=services, provider=choice, **carry,
                          **{"from": (first + timedelta(days=WEEK)).isoformat()})
        if last < clinic.settings.last_bookable_day(today) else None,
        "taken": taken is not None, "alternatives": alternatives_of(taken, zone, lang, names), "resume": resume,
    }
    return Page("times.html", context, status=describe(taken).status if taken else 200)
