"""The clinic, its locations and the settings that change how the portal behaves."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from typing import Any

import attrs

from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money
from portalcore.domain.quiet_hours import QuietHours
from portalcore.domain.timed_events import VisitTiming, reminder_offsets

HORIZON_MAX_DAYS = 3650  # ten years: bookings further out are not planning, and dates that far break nothing


class ProviderChoice(str, Enum):
    """How a patient picks who treats them when booking online."""

    NAMED = "named"  # the patient must pick a provider
    NAMED_OR_FIRST_AVAILABLE = "named_or_first_available"


def _non_negative(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative")


def _horizon(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= HORIZON_MAX_DAYS:
        raise ValueError(f"{attribute.name} must be between 0 and {HORIZON_MAX_DAYS} days")


def _reminder_texts(_inst: object, _attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    try:
        reminder_offsets(value)
    except InvalidInput as error:
        raise ValueError(f"reminders: {error}") from None


def _quiet_texts(value: Any) -> tuple[str, ...] | None:
    # TOML cannot write None: [] (or false) switches quiet hours off
    if not value:
        return None
    return tuple(str(part) for part in value) if isinstance(value, (list, tuple)) else (str(value),)


def _quiet_hours(_inst: object, _attribute: attrs.Attribute, value: tuple[str, ...] | None) -> None:
    try:
        QuietHours.parse(value)
    except InvalidInput as error:
        raise ValueError(str(error)) from None


def _password_length(_inst: object, _attribute: attrs.Attribute, value: int | None) -> None:
    # NIST SP 800-63B-4 asks for at least 8; a minimum above 64 would refuse passwords we promise to accept
    if value is not None and not 8 <= value <= 64:
        raise ValueError(f"password_min_length must be between 8 and 64 characters, not {value}")


@attrs.frozen(order=True)
class FeeTier:
    """Cancelling less than ``hours_before`` the start costs ``percent`` of the visit's price."""

    hours_before: int = attrs.field(validator=_non_negative)
    percent: int = attrs.field(validator=attrs.validators.and_(_non_negative, attrs.validators.le(100)))


@attrs.frozen
class CancellationPolicy:
    """Cancelling inside ``window_hours`` of the start costs ``fee``; the text is shown before booking.

    With ``tiers`` (a clinic setting beyond the seeds) the fee is instead a share of the price that grows as
    the visit nears, e.g. free beyond 48 h, 50 % inside 48 h, 100 % inside 24 h.
    """

    window_hours: int = attrs.field(default=24, validator=_non_negative)
    fee: Money = Money(0)
    text: str = ""
    tiers: tuple[FeeTier, ...] = ()
    translations: dict[str, dict[str, str]] = attrs.field(factory=dict, hash=False)  # of ``text``, by language

    @property
    def charges_fee(self) -> bool:
        return self.fee.cents > 0 or any(t.percent > 0 for t in self.tiers)


@attrs.frozen
class ClinicSettings:
    """Switches a clinic owner changes from the admin CLI (seed 002 "Smart Configuration")."""

    portal_enabled: bool = True
    activation_email_enabled: bool = True
    wallet_visible: bool = False
    patients_may_cancel: bool = True
    patients_may_reschedule: bool = True
    provider_choice: ProviderChoice = ProviderChoice.NAMED_OR_FIRST_AVAILABLE
    cancellation: CancellationPolicy = CancellationPolicy()
    min_notice_minutes: int = attrs.field(default=120, validator=_non_negative)
    horizon_days: int = attrs.field(default=90, validator=_horizon)
    slot_minutes: int = attrs.field(default=15, validator=attrs.validators.in_((5, 10, 15, 20, 30, 60)))
    hold_minutes: int = attrs.field(default=10, validator=_non_negative)
    card_check: Money = Money(50)  # the temporary authorization that proves a card works (seed 002 step 23)
    # portal access (issue 4): sign in with only a one-time code sent to the email or mobile on file, and the
    # shortest password accepted (None: the deployment's PORTAL_PASSWORD_MIN_LENGTH, 12 unless changed)
    passwordless_login: bool = False
    password_min_length: int | None = attrs.field(default=None, validator=_password_length)
    # beyond the seeds; each off by default
    enforce_prior_visits: bool = False  # a service may require an earlier completed visit of another
    no_show_deposit_after: int = 0  # patients with this many no-shows pay a deposit (0: never)
    no_show_deposit: Money = Money(0)
    # timed messages (issue 5): reminders before a visit ("2d" = same local time two days before, "2h" = two
    # hours before), post-treatment instructions emailed when the visit ends, an optional review request
    reminders: tuple[str, ...] = attrs.field(default=("2d", "2h"), converter=tuple, validator=_reminder_texts)
    reminder_sms: bool = True
    # no reminder goes out between these local times: one due then goes the evening before (None: any time)
    quiet_hours: tuple[str, str] | None = attrs.field(default=("21:00", "08:00"), converter=_quiet_texts,
                                                      validator=_quiet_hours)
    post_instructions_delay_minutes: int = attrs.field(default=0, validator=_non_negative)
    review_request_hours: int = attrs.field(default=0, validator=_non_negative)  # 0: no review request
    waitlist_offer_minutes: int = attrs.field(default=120, validator=attrs.validators.ge(5))  # how long an offer holds
    # what happens to a visit's deposit when it is cancelled, after paying any late-cancellation fee (issue 12):
    # "keep" (the clinic keeps it), "refund" (back to the card it was paid with), "wallet" (credit for a later visit)
    deposit_on_cancel: str = attrs.field(default="keep", validator=attrs.validators.in_(("keep", "refund", "wallet")))
    # texts with a booking code the clinic sends in a day at most (issue 12: SMS pumping); reaching it is logged
    # and emailed to the clinic once that day
    phone_checks_per_day: int = attrs.field(default=500, validator=attrs.validators.ge(1))

    def last_bookable_day(self, today: date) -> date:
        """The last clinic-local day patients may book online (and move a visit or wait for a time to)."""
        return today + timedelta(days=self.horizon_days)

    @property
    def visit_timing(self) -> VisitTiming:
        return VisitTiming(reminders=reminder_offsets(self.reminders), quiet_hours=self.quiet,
                           post_instructions_delay=timedelta(minutes=self.post_instructions_delay_minutes),
                           review_after=timedelta(hours=self.review_request_hours) if self.review_request_hours
                           else None)

    @property
    def quiet(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours)


@attrs.frozen
class Clinic:
    slug: str
    name: str
    time_zone: str  # an IANA name, e.g. "America/New_York"
    currency: str = "USD"
    language: str = "en"
    email: str = ""
    phone: str = ""
    settings: ClinicSettings = ClinicSettings()
    id: int | None = None


@attrs.frozen
class Location:
    slug: str
    name: str
    address: str = ""
    phone: str = ""
    id: int | None = None
