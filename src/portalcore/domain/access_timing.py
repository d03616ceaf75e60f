"""Portal access that runs out by itself: a carer's grant reaching its end, an invitation nobody opened.

Both are checked on every use anyway (an expired grant or link opens nothing); these timed jobs only tell the
people concerned, and record the end. Each job names what it is about by id and by the end it was planned
for, and does nothing when that no longer holds (revoked, renewed, used, replaced).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from portalcore.domain.access import AccessLink
from portalcore.domain.proxies import ProxyGrant
from portalcore.domain.quiet_hours import QuietHours
from portalcore.domain.timed_events import JobKind, TimedJob

INVITATION_REMINDER_BEFORE = timedelta(days=1)


def grant_jobs_prefix(grant_id: int) -> str:
    """What every job of one grant's key starts with (revoking cancels them all)."""
    return f"proxy:{grant_id}:"


def plan_grant_end(grant: ProxyGrant, birth_date: date | None, zone: ZoneInfo, now: datetime) -> TimedJob | None:
    """The job that closes a grant at its end, or None for a grant with no end (or revoked, or already over)."""
    ends_at = grant.ends_at(birth_date, zone)
    if grant.id is None or grant.revoked_at is not None or ends_at is None or ends_at <= now:
        return None
    # named after the end and when it was planned: an end changed back to an earlier value gets a new job
    key = f"{grant_jobs_prefix(grant.id)}ends:{int(ends_at.timestamp())}:{int(now.timestamp())}"
    return TimedJob(JobKind.PROXY_ACCESS_ENDED, key, ends_at,
                    data={"grant_id": grant.id, "ends_at": ends_at.isoformat()})


def grant_end_applies(job: TimedJob, grant: ProxyGrant | None, birth_date: date | None, zone: ZoneInfo,
                      now: datetime) -> bool:
    """The grant still exists, was not revoked, still ends when the job was planned for, and that is past."""
    if grant is None or grant.id != job.data.get("grant_id") or grant.revoked_at is not None:
        return False
    ends_at = grant.ends_at(birth_date, zone)
    return ends_at is not None and ends_at == datetime.fromisoformat(job.data["ends_at"]) and now >= ends_at


def invitation_name(token_hash: str) -> str:
    """How jobs and messages name one invitation without its secret (the outbox keys use the same)."""
    return token_hash[:16]


def plan_invitation_reminder(link: AccessLink, channels: list[str], quiet: QuietHours | None, zone: ZoneInfo,
                             now: datetime) -> TimedJob | None:
    """A reminder a day before an invitation expires, kept out of quiet hours (moved earlier); None when the
    invitation does not last that long."""
    if link.patient_id is None:
        return None
    due = link.expires_at - INVITATION_REMINDER_BEFORE
    due = quiet.before(due, zone) if quiet is not None else due
    if due <= now:
        return None
    name = invitation_name(link.token_hash)
    return TimedJob(JobKind.INVITATION_REMINDER, f"invite:{name}:reminder", due,
                    data={"patient_id": link.patient_id, "invitation": name, "channels": channels})


def invitation_reminder_applies(job: TimedJob, latest: AccessLink | None, account_active: bool,
                                now: datetime) -> bool:
    """The reminded invitation is still the patient's latest, unused and open, and they have no login yet."""
    return (latest is not None and not account_active and latest.usable(now)
            and invitation_name(latest.token_hash) == job.data.get("invitation"))
