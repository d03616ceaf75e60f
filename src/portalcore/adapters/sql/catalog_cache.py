"""The clinic, its locations, providers, categories, services and forms change when the clinic is edited and are
read by almost every request. ``CatalogCache`` keeps one snapshot of them per process; every transaction that
changes them writes a new random token to the one-row table ``catalog_version``, and a unit of work asks for the
token once, with its first read, and uses the snapshot only when the tokens match. That one cheap query keeps
every process and worker right (each sees the others' changes), and a random token (never a counter) cannot
come back after a rolled-back change. A unit of work that changed the catalogue reads straight from its own
transaction and never fills the cache with what others cannot see yet.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session

T = TypeVar("T")
TOKEN = text("SELECT token FROM catalog_version WHERE id = 1")
BUMP = text("UPDATE catalog_version SET token = :token WHERE id = 1")


class CatalogCache:
    """What the unit-of-work readers loaded for one token (domain objects are frozen, so they are shared)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: str | None = None
        self._values: dict[str, Any] = {}

    def get(self, token: str, key: str, load: Callable[[], T]) -> T:
        with self._lock:
            if self._token == token and key in self._values:
                return self._values[key]
        value = load()
        with self._lock:
            if self._token != token:
                self._token, self._values = token, {}
            self._values[key] = value
        return value


class CatalogReads:
    """One unit of work's view of the cache: the token read once, and whether this transaction changed the
    catalogue (then nothing is cached or taken from the cache)."""

    def __init__(self, session: Session, cache: CatalogCache | None) -> None:
        self._session, self._cache = session, cache
        self._token: str | None = None
        self._changed = False

    def get(self, key: str, load: Callable[[], T]) -> T:
        if self._cache is None or self._changed:
            return load()
        if self._token is None:
            self._token = str(self._session.execute(TOKEN).scalar_one())
        return self._cache.get(self._token, key, load)

    def changed(self) -> None:
        """Called by every write to the catalogue, in the transaction that makes it."""
        if not self._changed:
            self._session.execute(BUMP, {"token": secrets.token_hex(16)})
            self._changed = True
