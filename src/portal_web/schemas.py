"""What the JSON endpoints send: strict msgspec structs, documented in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar.params import PathParameter
from msgspec import Meta, Struct

Cents = Annotated[int, Meta(ge=0, description="An amount in minor units (cents) of `currency`.")]
Currency = Annotated[str, Meta(min_length=3, max_length=3, description="ISO 4217 currency code, e.g. USD.")]
Slug = Annotated[str, Meta(min_length=1, description="A stable, URL-safe identifier.")]
MAX_RECORD_ID = 2**31 - 1  # ids are PostgreSQL integers; a larger number names nothing and must not reach SQL
RecordId = Annotated[int, PathParameter(ge=1, le=MAX_RECORD_ID, description="The number of a record.")]
"""The one type of every numeric id in a path: out of range is a 400 before any lookup."""


class ClinicInfo(Struct, kw_only=True, forbid_unknown_fields=True):
    """The clinic taking the bookings."""

    name: str
    time_zone: Annotated[str, Meta(description="IANA time zone of the clinic; visit times are local to it.")]
    currency: Currency


class ServiceInfo(Struct, kw_only=True, forbid_unknown_fields=True):
    """A treatment patients can book online."""

    slug: Slug
    name: str
    description: str
    duration_minutes: Annotated[int, Meta(gt=0, description="How long the treatment takes.")]
    price_cents: Cents
    deposit_cents: Annotated[int, Meta(ge=0, description="Paid when booking, in cents; 0 when none is asked.")]
    currency: Currency


class CategoryInfo(Struct, kw_only=True, forbid_unknown_fields=True):
    """A group of treatments, in the clinic's order."""

    slug: Slug
    name: str
    services: list[ServiceInfo]


class Catalog(Struct, kw_only=True, forbid_unknown_fields=True):
    """The clinic and everything it offers online, grouped by category."""

    clinic: ClinicInfo
    categories: list[CategoryInfo]


class FieldError(Struct, kw_only=True, omit_defaults=True):
    """One part of the request that was not valid."""

    message: str
    key: str | None = None
    source: str | None = None


class SlotRef(Struct, kw_only=True, forbid_unknown_fields=True):
    """A time a visit can start, with whom and where."""

    start_at: Annotated[datetime, Meta(description="The start, in UTC (ISO 8601).")]
    provider: Slug
    location: Slug


class Problem(Struct, kw_only=True, omit_defaults=True):
    """An error as RFC 9457 problem details (media type application/problem+json)."""

    type: Annotated[str, Meta(description="A URI naming the kind of problem, e.g. urn:portal:problem:not_found.")]
    title: str
    status: Annotated[int, Meta(ge=400, le=599)]
    detail: Annotated[str, Meta(description="One readable sentence for the person using the app.")]
    code: Annotated[str, Meta(description="A stable machine-readable error code, e.g. slot_taken.")]
    errors: list[FieldError] | None = None
    alternatives: Annotated[list[SlotRef] | None, Meta(
        description="With slot_taken: the next open times for the same visit.")] = None


class Health(Struct, kw_only=True, omit_defaults=True):
    """Whether the portal can serve requests (its database answers and the clinic is set up)."""

    status: Literal["ok", "unavailable"]
    detail: str | None = None
