"""Message templates (email and SMS) rendered with Jinja2, one folder per language under ``messages/``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

MESSAGES_DIR = Path(__file__).parent / "messages"
DEFAULT_LANGUAGE = "en"
_NAME = re.compile(r"^[a-z0-9_]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


class Jinja2MessageRenderer:
    """MessageRenderer reading ``<lang>/<name>.txt`` plus the optional ``<name>.subject.txt`` and ``<name>.html``.

    The language falls back from ``es-MX`` to ``es`` to English. HTML is autoescaped (a patient named
    ``<b>Ann</b>`` stays text), plain text is not; a variable missing from the context raises
    ``jinja2.UndefinedError`` instead of leaving a hole in a patient's email. An unknown template name
    raises ``jinja2.TemplateNotFound`` (a ``LookupError``).
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else MESSAGES_DIR
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.directory),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        """Subject (one line), plain text and HTML ("" when the template has none) of ``template``."""
        if not _NAME.match(template):
            raise jinja2.TemplateNotFound(template)
        lang = self.resolve_language(template, language)
        values = {**context, "lang": lang}
        subject = self._render_optional(f"{lang}/{template}.subject.txt", values)
        text = self._env.get_template(f"{lang}/{template}.txt").render(values)
        html = self._render_optional(f"{lang}/{template}.html", values)
        # A subject with a line break would be rejected by the mail library (header injection guard).
        return " ".join(subject.split()), text.strip(), html.strip()

    def resolve_language(self, template: str, language: str) -> str:
        """The first of the exact language, its base language and English that has ``template``."""
        for candidate in _candidates(language):
            if self._exists(f"{candidate}/{template}.txt"):
                return candidate
        raise jinja2.TemplateNotFound(f"{DEFAULT_LANGUAGE}/{template}.txt")

    def _render_optional(self, name: str, values: Mapping[str, Any]) -> str:
        # SMS templates have no subject and no HTML.
        return self._env.get_template(name).render(values) if self._exists(name) else ""

    def _exists(self, name: str) -> bool:
        return (self.directory / name).is_file()


def _candidates(language: str) -> list[str]:
    # Accept "es_MX" as well as "es-MX"; anything odd (it may come from a browser header) means English.
    normalized = (language or "").strip().lower().replace("_", "-")
    candidates: list[str] = []
    if _LANGUAGE.match(normalized):
        candidates.append(normalized)
        candidates.append(normalized.split("-", 1)[0])
    candidates.append(DEFAULT_LANGUAGE)
    return list(dict.fromkeys(candidates))
