"""The append-only audit log: every read of medical data and every security event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

# What happened. Reads of medical data start with "view_"; the patient's "who viewed my record" page lists them.
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_CODE_SENT = "login_code_sent"
LOGIN_CODE_FAILED = "login_code_failed"
LOGOUT = "logout"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET_SENT = "password_reset_sent"
EMAIL_CHANGE_REQUESTED = "email_change_requested"
EMAIL_CHANGED = "email_changed"
INVITED = "invited"
ACCOUNT_ACTIVATED = "account_activated"
REGISTERED = "registered"
SECOND_FACTOR_ADDED = "second_factor_added"
SECOND_FACTOR_REMOVED = "second_factor_removed"
PROXY_GRANTED = "proxy_granted"
PROXY_REVOKED = "proxy_revoked"
SWITCHED_PATIENT = "switched_patient"
VIEW_PREFIX = "view_"


@attrs.frozen
class AuditEvent:
    action: str
    at: datetime
    account_id: int | None = None
    actor: str = ""
    patient_id: int | None = None
    as_proxy: bool = False
    detail: dict[str, Any] = attrs.field(factory=dict)
    ip: str = ""
    id: int | None = None

    @property
    def is_read(self) -> bool:
        return self.action.startswith(VIEW_PREFIX)
