"""What a clinic sells: categories, services and the documents attached to them.

Their texts are in the clinic's language, with ``translations`` into others (``TRANSLATED`` names which)."""

from __future__ import annotations

from enum import Enum

import attrs

from portalcore.domain.money import Money


# The fields of each kind of entry a clinic file may translate.
TRANSLATED = {"category": ("name",), "service": ("name", "description"), "form": ("title", "body"),
              "provider": ("title",), "cancellation": ("text",)}


class FormKind(str, Enum):
    QUESTIONNAIRE = "questionnaire"
    CONSENT = "consent"
    PRE_INSTRUCTIONS = "pre_instructions"
    POST_INSTRUCTIONS = "post_instructions"


@attrs.frozen
class FormTemplate:
    """A questionnaire, consent or instruction sheet a clinic attaches to services."""

    slug: str
    kind: FormKind
    title: str
    body: str
    id: int | None = None
    # texts in other languages, by language then field (see domain/translations.py)
    translations: dict[str, dict[str, str]] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class ServiceCategory:
    slug: str
    name: str
    position: int = 0
    id: int | None = None
    # texts in other languages, by language then field (see domain/translations.py)
    translations: dict[str, dict[str, str]] = attrs.field(factory=dict, hash=False)


def _positive(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive")


@attrs.frozen
class Service:
    """One bookable treatment. ``buffer_minutes`` is cleanup time after it that nobody else can book."""

    slug: str
    name: str
    category: str  # category slug
    duration_minutes: int = attrs.field(validator=_positive)
    price: Money
    deposit: Money = Money(0)
    buffer_minutes: int = 0
    description: str = ""
    online: bool = True
    providers: tuple[str, ...] = ()  # provider slugs who offer it
    forms: tuple[str, ...] = ()  # form template slugs
    requires_prior: str = ""  # slug of a service the patient must have had first (e.g. a consultation)
    id: int | None = None
    # texts in other languages, by language then field (see domain/translations.py)
    translations: dict[str, dict[str, str]] = attrs.field(factory=dict, hash=False)

    def __attrs_post_init__(self) -> None:
        if self.buffer_minutes < 0:
            raise ValueError("buffer_minutes must not be negative")
        if self.deposit.cents < 0 or self.price.cents < 0:
            raise ValueError("prices and deposits must not be negative")
        if self.deposit.cents > self.price.cents:
            raise ValueError(f"the deposit of {self.name} is more than its price")

    @property
    def blocked_minutes(self) -> int:
        return self.duration_minutes + self.buffer_minutes


@attrs.frozen
class CategoryListing:
    """A category with its online services, as the booking page shows it."""

    category: ServiceCategory
    services: tuple[Service, ...]


def group_by_category(
    categories: list[ServiceCategory], services: list[Service]
) -> list[CategoryListing]:
    """Online services grouped under their categories, in category order; empty categories are left out."""
    listings = []
    for category in sorted(categories, key=lambda c: (c.position, c.name)):
        inside = tuple(
            sorted((s for s in services if s.category == category.slug and s.online), key=lambda s: s.name)
        )
        if inside:
            listings.append(CategoryListing(category, inside))
    return listings
