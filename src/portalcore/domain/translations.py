"""Clinic content in the patient's language.

A clinic writes its texts (service names, descriptions, the cancellation policy, forms and instructions) in its
own language, and may give them in others under ``translations``, by language then field:
``translations.es.name = "Relleno de labios"``. A text without a translation is shown as the clinic wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

import attrs

Translations = Mapping[str, Mapping[str, str]]  # language -> field -> text


class Translated(Protocol):
    @property
    def translations(self) -> Translations: ...


T = TypeVar("T", bound=Translated)


def in_language(item: Translated, field: str, language: str) -> str:
    """``item``'s ``field`` in ``language`` when the clinic gave it, else as the clinic wrote it."""
    text: str = getattr(item, field)
    return item.translations.get(language, {}).get(field) or text


def localized(item: T, language: str) -> T:
    """``item`` with every translated field in ``language`` (fields without a translation stay as written)."""
    changes = {name: text for name, text in item.translations.get(language, {}).items() if text}
    return attrs.evolve(item, **changes) if changes else item
