"""Things that happen at a time rather than on a click: reminders, post-treatment instructions, review requests.

What is due lives in the database as ``TimedJob`` rows; these rules decide which rows a visit gets and when
each falls due. A job carries ids, not objects: when it runs it reloads the visit and does nothing if the
visit no longer needs it, so running a job twice, late or after a change is safe.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.errors import InvalidInput
from portalcore.domain.quiet_hours import QuietHours, fit_reminders

_OFFSET = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$", re.IGNORECASE)


class JobKind(str, Enum):
    VISIT_REMINDER = "visit_reminder"
    POST_INSTRUCTIONS = "post_instructions"  # emailed when the visit ends (+ the clinic's delay)
    VISIT_REVIEW = "visit_review"  # "how was your visit?"
    RELEASE_AUTHORIZATION = "release_authorization"  # a card check whose release failed; no visit
    PROXY_ACCESS_ENDED = "proxy_access_ended"  # a carer's access reached its end; no visit
    INVITATION_REMINDER = "invitation_reminder"  # an unused portal invitation expires tomorrow; no visit
    PASSWORD_RESET = "password_reset"  # "forgot password" asked for an address; the worker sends the link
    FINISH_REFUND = "finish_refund"  # a deposit refund the provider could not make at cancellation; no visit


class JobState(str, Enum):
    PENDING = "pending"
    RUNNING = "running"  # claimed by a worker until ``lease_until``
    DONE = "done"
    CANCELLED = "cancelled"  # the visit moved or was cancelled
    DEAD = "dead"  # failed too often; shown to the admin


@attrs.frozen(order=True)
class ReminderOffset:
    """How long before a visit a reminder goes out.

    Whole days count on the clinic's calendar: "2d" before a 10:00 visit is 10:00 two days earlier, local
    time, even when a DST change lies between (which is what a patient expects). Hours and minutes are
    elapsed time: "2h" is always 120 minutes before the start.
    """

    days: int = 0
    hours: int = 0
    minutes: int = 0

    @classmethod
    def parse(cls, text: str) -> ReminderOffset:
        """``"2d"``, ``"2h"``, ``"90m"``, ``"1d 12h"``; raises ``InvalidInput`` for anything else."""
        match = _OFFSET.match(text or "")
        if not match or not any(match.groups()):
            raise InvalidInput("%(text)s is not a reminder time; write it like 2d, 24h, 90m or 1d 12h.", text=repr(text))
        days, hours, minutes = (int(part or 0) for part in match.groups())
        if days * 1440 + hours * 60 + minutes == 0:
            raise InvalidInput("A reminder must go out some time before the visit, not at its start.")
        return cls(days, hours, minutes)

    @property
    def label(self) -> str:
        return "".join(f"{n}{unit}" for n, unit in ((self.days, "d"), (self.hours, "h"), (self.minutes, "m")) if n)

    def due(self, start_at: datetime, zone: ZoneInfo) -> datetime:
        """The UTC instant this reminder falls due for a visit starting at ``start_at`` (UTC)."""
        moment = start_at
        if self.days:
            local = start_at.astimezone(zone)
            # same wall-clock time N calendar days earlier; zoneinfo resolves a skipped or doubled hour
            moment = (local.replace(tzinfo=None) - timedelta(days=self.days)).replace(tzinfo=zone).astimezone(UTC)
        return moment - timedelta(hours=self.hours, minutes=self.minutes)


def reminder_offsets(texts: tuple[str, ...] | list[str]) -> tuple[ReminderOffset, ...]:
    """Parses the clinic's reminder setting, longest first; raises ``InvalidInput``."""
    return tuple(sorted({ReminderOffset.parse(text) for text in texts}, reverse=True))


@attrs.frozen
class TimedJob:
    kind: JobKind
    key: str  # unique: the same cause never schedules two jobs
    due_at: datetime
    appointment_id: int | None = None
    data: dict[str, Any] = attrs.field(factory=dict)
    state: JobState = JobState.PENDING
    attempts: int = 0
    last_error: str = ""
    created_at: datetime | None = None
    done_at: datetime | None = None
    id: int | None = None


@attrs.frozen
class VisitTiming:
    """The clinic's settings that decide a visit's timed jobs."""

    reminders: tuple[ReminderOffset, ...] = ()
    post_instructions_delay: timedelta = timedelta(0)
    review_after: timedelta | None = None  # None: no "how was your visit" message
    quiet_hours: QuietHours | None = None  # reminders due then go out the evening before


def visit_key(visit: Appointment) -> str:
    """Names a visit at its current time, so moving it gives its new jobs new keys."""
    return f"visit:{visit.id}:{int(visit.start_at.timestamp())}"


def plan_visit_jobs(visit: Appointment, timing: VisitTiming, zone: ZoneInfo, now: datetime, *,
                    has_post_instructions: bool) -> list[TimedJob]:
    """The jobs a booked visit needs from ``now`` on. Reminders keep out of the clinic's quiet hours
    (``quiet_hours.fit_reminders``); one whose time has already passed (a visit booked at short notice) is
    left out rather than sent late."""
    if visit.id is None or visit.status is not AppointmentStatus.BOOKED:
        return []
    key = visit_key(visit)
    dues = fit_reminders([(offset, offset.due(visit.start_at, zone)) for offset in timing.reminders],
                         timing.quiet_hours, zone)
    jobs = [TimedJob(JobKind.VISIT_REMINDER, f"{key}:reminder:{offset.label}", due, visit.id, {"offset": offset.label})
            for offset, due in dues if due > now]
    if has_post_instructions:
        jobs.append(TimedJob(JobKind.POST_INSTRUCTIONS, f"{key}:post-instructions",
                             visit.end_at + timing.post_instructions_delay, visit.id))
    if timing.review_after is not None:
        jobs.append(TimedJob(JobKind.VISIT_REVIEW, f"{key}:review", visit.end_at + timing.review_after, visit.id))
    return jobs


def release_job(payment_id: str, idempotency_key: str, now: datetime) -> TimedJob:
    """A card-check authorization to release as soon as the provider answers, always with the same key, so the
    hold never stays on the patient's card and retrying never does anything twice."""
    return TimedJob(JobKind.RELEASE_AUTHORIZATION, f"release:{idempotency_key}", now,
                    data={"payment_id": payment_id, "idempotency_key": idempotency_key})


def refund_job(payment_id: str, amount_cents: int, currency: str, idempotency_key: str, appointment_id: int,
               patient_id: int, now: datetime) -> TimedJob:
    """A deposit refund to make as soon as the provider answers, always with the key of the first try, so a
    refund that went through unseen is answered, not made twice. The visit is named in ``data`` (the job must
    run although the visit is cancelled)."""
    return TimedJob(JobKind.FINISH_REFUND, f"refund:{idempotency_key}", now,
                    data={"payment_id": payment_id, "amount_cents": amount_cents, "currency": currency,
                          "idempotency_key": idempotency_key, "visit_id": appointment_id, "patient_id": patient_id})


def still_wanted(job: TimedJob, visit: Appointment | None, now: datetime) -> bool:
    """Whether a job should still do its work when it runs: its visit exists at the time it was planned for
    and was not cancelled; a reminder that a stopped worker missed until the visit began is dropped; a review
    follows a visit that happened, never a no-show."""
    if visit is None or job.appointment_id != visit.id or not job.key.startswith(visit_key(visit) + ":"):
        return False
    if job.kind is JobKind.VISIT_REMINDER:
        return visit.status is AppointmentStatus.BOOKED and now < visit.start_at
    return visit.status in (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED)

