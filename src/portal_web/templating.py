"""The Jinja2 environment of the pages: translated with the i18n extension, with formatting filters."""

from __future__ import annotations

from pathlib import Path

import phonenumbers
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine

from portal_web.i18n import money, template_gettext, template_ngettext, translate, translated_field

WEB_DIR = Path(__file__).parent


def template_dirs() -> list[Path]:
    """The shared templates (``base.html``, macros, error and message pages) first, then each capability's own
    ``templates`` folder. Names are unique across the folders, so a page names its template without a path."""
    return [WEB_DIR / "templates", *sorted(WEB_DIR.glob("*/templates"))]


def duration(minutes: int) -> str:
    """``45`` → ``"45 min"`` (the same in English and Spanish)."""
    return f"{minutes} min"


def phone(number: str) -> str:
    """An E.164 number in international format (``+1 212-555-0101``); anything unparsable as given."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def environment() -> Environment:
    """Autoescaped, strict about undefined names (typos fail loudly), and translated in each page's ``lang``."""
    # templates ship with the package and change only with a release: compile each once, never stat it again
    env = Environment(loader=FileSystemLoader(template_dirs()), autoescape=True, undefined=StrictUndefined,
                      auto_reload=False, extensions=["jinja2.ext.i18n"])
    # added to the environment by the i18n extension above, so type checkers cannot see it
    install = getattr(env, "install_gettext_callables")
    install(template_gettext, template_ngettext, newstyle=True)
    env.filters.update(money=money, duration=duration, phone=phone, t=translate, tr=translated_field)
    return env


def template_engine() -> JinjaTemplateEngine:
    """The engine for ``TemplateConfig``."""
    return JinjaTemplateEngine(engine_instance=environment())
