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
    return _last_code([m.text for m in mailer.sent if m.recipient == to and "sign-in code" in m.subject.lower()],
                      f"no sign-in code emailed to {to}")


def texted_code(sms: RecordingSender, to: str) -> str:
    """The 6-digit code of the last sign-in code texted to ``to``."""
    return _last_code([m.text for m in sms.sent if m.recipient == to and "sign-in code" in m.text],
                      f"no sign-in code texted to {to}")


def other_than(code: str) -> str:
    """A wrong code: the right one plus one."""
    return f"{(int(code) + 1) % 10**6:06d}"


def _last_code(texts: list[str], missing: str) -> str:
    assert texts, missing
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found is not None
    return found.group(1)
