"""The Jinja2 environment of the pages, with filters that format money, durations and phone numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine

from portalcore.domain.money import Money

TEMPLATES_DIR = Path(__file__).parent / "templates"
DEFAULT_LOCALE = "en_US"


def money(value: Money, locale: str = DEFAULT_LOCALE) -> str:
    """``Money(45000, "USD")`` → ``"$450.00"`` in the given locale (en_US when the locale is unknown)."""
    return format_currency(Decimal(value.cents) / 100, value.currency, locale=_locale(locale))


def duration(minutes: int) -> str:
    """``45`` → ``"45 min"``."""
    return f"{minutes} min"


def phone(number: str) -> str:
    """An E.164 number in international format (``+1 212-555-0101``); anything unparsable as given."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def template_engine() -> JinjaTemplateEngine:
    """The engine for ``TemplateConfig``: autoescaped, and strict about undefined names so typos fail loudly."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined)
    environment.filters.update(money=money, duration=duration, phone=phone)
    return JinjaTemplateEngine(engine_instance=environment)
