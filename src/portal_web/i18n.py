"""English and Spanish: which language a request gets, the message catalogs, and locale-aware formatting.

The language comes from ``?lang=`` (then remembered in the ``lang`` cookie), the ``lang`` cookie, the browser's
Accept-Language, and finally the clinic's own language. Catalogs are the ``.po`` files under ``locale/``,
compiled in memory at start-up, so there is no build step.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from portalcore.domain.errors import PortalError
from portalcore.domain.money import Money
from portalcore.domain.translations import Translated, in_language

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
SUPPORTED = ("en", "es")
NAMES = {"en": "English", "es": "Español"}
# Babel locales for formatting: the clinics we serve so far are in the United States ($, 12-hour clock).
LOCALES = {"en": "en_US", "es": "es_US"}
DAY_FORMAT = {"en": "EEEE d MMMM", "es": "EEEE, d 'de' MMMM"}
DATE_FORMAT = {"en": "EEEE d MMMM y", "es": "EEEE, d 'de' MMMM 'de' y"}
TIME_FORMAT = "h:mm a"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:
    """Marks a string for translation where it is defined (extractors look for ``N_``); it is translated where
    it is shown."""
    return message


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (English and unknown languages: the strings as written)."""
    po_file = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT or not po_file.is_file():
        return NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def load_catalogs() -> None:
    """Reads every catalog once at start-up, so a broken ``.po`` file fails the start and not a request."""
    for lang in SUPPORTED:
        translations(lang)


def gettext(lang: str, message: str, **variables: Any) -> str:
    """``message`` in ``lang``, with ``%(name)s`` placeholders filled in."""
    text = translations(lang).gettext(message)
    return text % variables if variables else text


def error_text(error: PortalError, lang: str) -> str:
    """What a core error says in ``lang``: its message id (or plural, by its count) from the catalogue, with
    the error's values filled in; a message missing from the catalogue is shown in English."""
    catalog = translations(lang)
    if error.plural is None or error.count is None:
        return error.fill(catalog.gettext(error.message))
    return error.fill(catalog.ngettext(error.message, error.plural, error.count))


def supported(lang: str | None) -> str | None:
    """``lang`` (or its base language, ``es-MX`` → ``es``) when we have it, else None."""
    if not lang:
        return None
    base = lang.strip().replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED else None


def from_accept_language(header: str) -> str | None:
    """The supported language the browser prefers most, by q-value, or None."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if supported(tag) and quality > 0:
            ranked.append((-quality, position, supported(tag)))
    return min(ranked)[2] if ranked else None


def requested_language(query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str) -> str | None:
    """What the person asked for (query, then cookie, then browser), before the clinic's default applies."""
    return supported(query.get("lang")) or supported(cookies.get(COOKIE)) or from_accept_language(accept_language)


def choose(query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str,
           fallback: str = DEFAULT) -> str:
    """The language of a response: what was asked for, else the clinic's language, else English."""
    return requested_language(query, cookies, accept_language) or supported(fallback) or DEFAULT


def remember_language(base_url: str) -> BeforeMessageSendHookHandler:
    """A before-send hook that stores ``?lang=xx`` in the ``lang`` cookie, so later pages keep the language."""
    secure = base_url.lower().startswith("https://")

    async def set_language_cookie(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != "http":
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        lang = supported(query.get("lang"))
        if lang:
            cookie = Cookie(key=COOKIE, value=lang, path="/", max_age=COOKIE_MAX_AGE, secure=secure,
                            httponly=True, samesite="lax")
            MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))

    return set_language_cookie


# -- formatting in the chosen language


def money(value: Money, lang: str = DEFAULT) -> str:
    """``Money(45000, "USD")`` → ``$450.00``."""
    return format_currency(Decimal(value.cents) / 100, value.currency, locale=LOCALES.get(lang, LOCALES[DEFAULT]))


def day_label(day: date, lang: str = DEFAULT) -> str:
    """``Tuesday 17 November`` / ``martes, 17 de noviembre``."""
    return format_date(day, DAY_FORMAT.get(lang, DAY_FORMAT[DEFAULT]), locale=LOCALES.get(lang, LOCALES[DEFAULT]))


def time_label(moment: datetime, zone: ZoneInfo, lang: str = DEFAULT) -> str:
    """A UTC instant as clinic-local time of day: ``10:00 AM`` / ``10:00 a.m.``."""
    return format_datetime(moment.astimezone(zone), TIME_FORMAT, tzinfo=zone,
                           locale=LOCALES.get(lang, LOCALES[DEFAULT]))


def date_label(moment: datetime, zone: ZoneInfo, lang: str = DEFAULT) -> str:
    """A UTC instant as the clinic-local date with the year: ``Tuesday 17 November 2026``."""
    return format_datetime(moment.astimezone(zone), DATE_FORMAT.get(lang, DATE_FORMAT[DEFAULT]), tzinfo=zone,
                           locale=LOCALES.get(lang, LOCALES[DEFAULT]))


# -- the gettext callables of the Jinja2 i18n extension: they read the page's language from its context


@pass_context
def template_gettext(context: Context, message: str) -> str:
    return translations(context.get("lang", DEFAULT)).gettext(message)


@pass_context
def template_ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return translations(context.get("lang", DEFAULT)).ngettext(singular, plural, count)


@pass_context
def translate(context: Context, message: str | PortalError) -> str:
    """The ``t`` filter: a message chosen at run time (marked with ``N_``), translated without formatting, or
    an error the core raised, translated with its values."""
    lang = context.get("lang", DEFAULT)
    if isinstance(message, PortalError):
        return error_text(message, lang)
    return translations(lang).gettext(message)


@pass_context
def translated_field(context: Context, item: Translated, field: str) -> str:
    """The ``tr`` filter: a text of the clinic's (``service|tr("name")``) in the page's language when the clinic
    file gives it, else as the clinic wrote it."""
    return in_language(item, field, context.get("lang", DEFAULT))
