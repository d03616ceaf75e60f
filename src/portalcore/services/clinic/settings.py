"""Changing a clinic's settings one switch at a time (``portal settings set``), in the clinic file's own words.

The names and values are those of the ``[clinic.settings]`` table of a clinic file (amounts in cents, the
cancellation policy as ``cancellation.window_hours`` and so on), so what an admin reads in the file is what they
type, and every change goes through the same checks as loading a file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from portalcore.domain.clinic import CancellationPolicy, ClinicSettings, FeeTier, ProviderChoice
from portalcore.domain.errors import InvalidInput
from portalcore.domain.money import Money

_CLEARS = ("none", "default", "off")


def settings_as_file(settings: ClinicSettings) -> dict[str, Any]:
    """The settings as flat ``name: value`` pairs, named as in a clinic file (``cancellation.fee_cents``...)."""
    policy = settings.cancellation
    values: dict[str, Any] = {
        "portal_enabled": settings.portal_enabled,
        "activation_email_enabled": settings.activation_email_enabled,
        "wallet_visible": settings.wallet_visible,
        "patients_may_cancel": settings.patients_may_cancel,
        "patients_may_reschedule": settings.patients_may_reschedule,
        "provider_choice": settings.provider_choice.value,
        "min_notice_minutes": settings.min_notice_minutes,
        "horizon_days": settings.horizon_days,
        "slot_minutes": settings.slot_minutes,
        "hold_minutes": settings.hold_minutes,
        "card_check_cents": settings.card_check.cents,
        "passwordless_login": settings.passwordless_login,
        "password_min_length": settings.password_min_length,
        "enforce_prior_visits": settings.enforce_prior_visits,
        "no_show_deposit_after": settings.no_show_deposit_after,
        "no_show_deposit_cents": settings.no_show_deposit.cents,
        "reminders": list(settings.reminders),
        "reminder_sms": settings.reminder_sms,
        "quiet_hours": list(settings.quiet_hours) if settings.quiet_hours else [],
        "post_instructions_delay_minutes": settings.post_instructions_delay_minutes,
        "review_request_hours": settings.review_request_hours,
        "waitlist_offer_minutes": settings.waitlist_offer_minutes,
        "phone_checks_per_day": settings.phone_checks_per_day,
        "deposit_on_cancel": settings.deposit_on_cancel,
        "cancellation.window_hours": policy.window_hours,
        "cancellation.fee_cents": policy.fee.cents,
        "cancellation.text": policy.text,
        "cancellation.tiers": [{"hours_before": t.hours_before, "percent": t.percent} for t in policy.tiers],
    }
    return values


def read_value(name: str, text: str) -> Any:
    """One typed value for setting ``name``: TOML syntax (``true``, ``90``, ``["2d", "2h"]``), or plain words for
    a text setting; ``none`` clears a setting that may be left unset. Raises ``InvalidInput``."""
    defaults = settings_as_file(ClinicSettings())
    if name not in defaults:
        raise InvalidInput(f"There is no setting {name!r}; `portal settings show` lists them.")
    expected = defaults[name]
    if expected is None and text.strip().lower() in _CLEARS:
        return None
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    if expected is None:  # unset by default: a whole number when set
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise InvalidInput(f"{name} takes a whole number, or none for the default.")
    if isinstance(expected, bool):
        if isinstance(value, bool):
            return value
        raise InvalidInput(f"{name} takes true or false.")
    if isinstance(expected, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise InvalidInput(f"{name} takes a whole number.")
    if isinstance(expected, list):
        if isinstance(value, list):
            return value
        raise InvalidInput(f"{name} takes a list, e.g. {_example(name)}.")
    return value if isinstance(value, str) else text


def changed(current: ClinicSettings, changes: Mapping[str, Any], currency: str) -> ClinicSettings:
    """``current`` with ``changes`` (typed values by file name) applied and checked as a clinic file's would be;
    raises ``InvalidInput`` naming what is wrong."""
    values = settings_as_file(current) | dict(changes)
    table: dict[str, Any] = {"cancellation": {}}
    for name, value in values.items():
        if name.startswith("cancellation."):
            table["cancellation"][name.removeprefix("cancellation.")] = value
        elif value is not None:
            table[name] = value
    if not table.get("quiet_hours"):
        table["quiet_hours"] = None
    if "cancellation.text" not in changes:  # translations of a text that changed would say the old one
        table["cancellation"]["translations"] = current.cancellation.translations
    return parse_settings(table, currency)


def parse_settings(raw: Mapping[str, Any], currency: str) -> ClinicSettings:
    """The ``[clinic.settings]`` table of a clinic file (amounts in cents); raises ``InvalidInput``."""
    settings = dict(raw)
    cancellation = settings.pop("cancellation", {})
    for name in ("card_check", "no_show_deposit"):
        if f"{name}_cents" in settings:
            settings[name] = Money(int(settings.pop(f"{name}_cents")), currency)
    choice = settings.get("provider_choice", ProviderChoice.NAMED_OR_FIRST_AVAILABLE.value)
    if choice not in {c.value for c in ProviderChoice}:
        raise InvalidInput(f"[clinic.settings]: provider_choice must be one of "
                           f"{', '.join(c.value for c in ProviderChoice)}, not {choice!r}.")
    try:
        return ClinicSettings(
            **{k: v for k, v in settings.items() if k != "provider_choice"},
            provider_choice=ProviderChoice(choice),
            cancellation=CancellationPolicy(
                window_hours=cancellation.get("window_hours", 24),
                fee=Money(cancellation.get("fee_cents", 0), currency), text=cancellation.get("text", ""),
                tiers=tuple(sorted(FeeTier(t["hours_before"], t["percent"]) for t in cancellation.get("tiers", []))),
                translations=_policy_translations(cancellation)))
    except (TypeError, ValueError, KeyError) as error:
        # attrs validators put the message first and their own details after it
        raise InvalidInput(f"[clinic.settings]: {error.args[0] if error.args else error}") from None


def _policy_translations(cancellation: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """``translations.es.text = "…"`` of ``[clinic.settings.cancellation]``; raises ``InvalidInput``."""
    table = cancellation.get("translations", {})
    if not isinstance(table, Mapping) or any(not isinstance(texts, Mapping) or set(texts) - {"text"}
                                             or not all(isinstance(t, str) for t in texts.values())
                                             for texts in table.values()):
        raise InvalidInput('[clinic.settings.cancellation]: translations go by language, like '
                           'translations.es.text = "…"')
    return {str(language): dict(texts) for language, texts in table.items()}


def _example(name: str) -> str:
    return {"reminders": '["2d", "2h"]', "quiet_hours": '["21:00", "08:00"] (or [] for none)',
            "cancellation.tiers": "[{hours_before = 24, percent = 50}]"}.get(name, "[]")
