"""Text that may enter the portal: no field of ours holds control characters (PostgreSQL refuses NUL in text,
and none belongs in a name, an address, a code or a slug). Each frontend checks what it receives with these
before anything else sees it; multi-line text may keep tab, line feed and carriage return."""

from __future__ import annotations

import re

ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")
MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str, *, multi_line: bool = False) -> bool:
    return (MULTI_LINE if multi_line else ONE_LINE).search(text) is not None
