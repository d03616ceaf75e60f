"""The append-only audit log: every read of medical data, every security event, and the changes a patient (or a
proxy) makes in the portal."""

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
PROXY_INVITED = "proxy_invited"  # the patient asked someone to act for them; nothing is granted until accepted
PROXY_GRANTED = "proxy_granted"
PROXY_REVOKED = "proxy_revoked"
PROXY_ENDED = "proxy_ended"  # reached its last day or the 18th birthday (a timed job)
SWITCHED_PATIENT = "switched_patient"
# changes a patient (or their proxy) makes in the portal, so the patient can see who did what for them
VISIT_MOVED = "visit_moved"
VISIT_CANCELLED = "visit_cancelled"
WAITLIST_JOINED = "waitlist_joined"
WAITLIST_LEFT = "waitlist_left"
VIEW_PREFIX = "view_"
VIEW_VISITS = "view_visits"
VIEW_ACCESS_LOG = "view_access_log"
VIEW_VISIT_LINK = "view_visit_link"  # a reminder's confirm/cancel link was opened
VIEW_WAITLIST = "view_waitlist"
VIEW_PROFILE = "view_profile"  # the clinic's staff opened the patient (the front desk's card, `portal patients show`)

# What each action means, in the plain words the patient's "who viewed your record" page shows (the web
# translates them). An action missing here is shown as its code with spaces.
PLAIN_WORDS = {
    LOGIN: "Signed in",
    LOGIN_FAILED: "A sign-in failed",
    LOGIN_CODE_SENT: "A sign-in code was emailed",
    LOGIN_CODE_FAILED: "A wrong sign-in code was typed",
    LOGOUT: "Signed out",
    PASSWORD_CHANGED: "The password was changed",
    PASSWORD_RESET_SENT: "A password reset link was emailed",
    EMAIL_CHANGE_REQUESTED: "A change of email was asked for",
    EMAIL_CHANGED: "The email was changed",
    INVITED: "An invitation to the portal was sent",
    ACCOUNT_ACTIVATED: "The portal account was activated",
    REGISTERED: "Signed up",
    SECOND_FACTOR_ADDED: "A second sign-in step was added",
    SECOND_FACTOR_REMOVED: "A second sign-in step was removed",
    PROXY_INVITED: "Someone was asked to act for the patient",
    PROXY_GRANTED: "Someone was given access to the portal",
    PROXY_REVOKED: "Someone's access to the portal was ended",
    PROXY_ENDED: "Someone's access to the portal was ended",
    SWITCHED_PATIENT: "Switched to this record",
    VISIT_MOVED: "A visit was moved",
    VISIT_CANCELLED: "A visit was cancelled",
    WAITLIST_JOINED: "Joined the waitlist",
    WAITLIST_LEFT: "Left the waitlist",
    VIEW_VISITS: "Viewed the visits",
    VIEW_ACCESS_LOG: "Viewed who looked at the record",
    VIEW_VISIT_LINK: "A visit was opened from a reminder link",
    VIEW_WAITLIST: "Viewed the waitlist",
    VIEW_PROFILE: "Opened the patient's details at the clinic",
}


def plain_words(action: str) -> str:
    """What ``action`` means for a patient reading their log."""
    return PLAIN_WORDS.get(action) or action.replace("_", " ").capitalize()


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
