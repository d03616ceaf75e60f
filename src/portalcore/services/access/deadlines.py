"""Planning the timed jobs of access deadlines, in the transaction that grants, renews, revokes or invites: a
carer's access reaching its end, and the reminder the day before an unused invitation expires.

``AccessJobs`` (``jobs.py``) runs them when due; the services that grant and invite only plan them, so they
import this module and never the runner.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from portalcore.domain.access import AccessLink
from portalcore.domain.access_timing import grant_jobs_prefix, plan_grant_end, plan_invitation_reminder
from portalcore.domain.proxies import ProxyGrant
from portalcore.ports import UnitOfWork


def schedule_grant_end(uow: UnitOfWork, grant: ProxyGrant, birth_date: date | None, zone: ZoneInfo,
                       now: datetime) -> bool:
    """Schedules the job that closes ``grant`` at its end (its last day, or a minor's 18th birthday)."""
    job = plan_grant_end(grant, birth_date, zone, now)
    return job is not None and uow.jobs.add(job, now)


def cancel_grant_jobs(uow: UnitOfWork, grant_id: int, now: datetime) -> int:
    """Cancels a grant's jobs that have not run (it was revoked, or its end changes)."""
    return uow.jobs.cancel_keyed(grant_jobs_prefix(grant_id), now)


def schedule_invitation_reminder(uow: UnitOfWork, link: AccessLink, channels: list[str], now: datetime) -> bool:
    """Schedules the reminder a day before the invitation ``link`` expires, outside the clinic's quiet hours."""
    clinic = uow.clinic.get()
    zone = ZoneInfo(clinic.time_zone if clinic else "UTC")
    job = plan_invitation_reminder(link, channels, clinic.settings.quiet if clinic else None, zone, now)
    return job is not None and uow.jobs.add(job, now)
