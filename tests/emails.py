"""Reading what the portal emailed, as a patient would: the link in the last message, the sign-in code."""

from __future__ import annotations

import re

from tests.fakes.memory import RecordingSender


def emailed_path(mailer: RecordingSender, to: str, path: str) -> str:
    """The path (``path`` + token) of the link starting with ``path`` in the last email to ``to`` that has one."""
    sent = [m for m in mailer.sent if m.recipient == to and path in m.text]
    assert sent, f"no email to {to} with {path}"
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", sent[-1].text)
    assert found is not None
    return found.group(1)


def emailed_code(mailer: RecordingSender, to: str) -> str:
    """The 6-digit code of the last sign-in code email to ``to``."""
    codes = [m for m in mailer.sent if m.recipient == to and "sign-in code" in m.subject.lower()]
    assert codes, f"no sign-in code emailed to {to}"
    found = re.search(r"\b(\d{6})\b", codes[-1].text)
    assert found is not None
    return found.group(1)
