"""Timed jobs: scheduled in the transaction that books, moves or cancels a visit; run by the worker when due.

Running a job writes its messages to the outbox and marks the job done in one transaction, so a job's
messages are queued exactly once however many workers run and however often one crashes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from portalcore.domain.appointments import Appointment
from portalcore.domain.booking import PaymentRecord
from portalcore.domain.catalog import FormKind
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import ConfigurationError, Conflict, NotFound
from portalcore.domain.outbox import MessageStatus, RetryPolicy
from portalcore.domain.money import Money
from portalcore.domain.patients import Patient
from portalcore.domain.payments import Refund
from portalcore.domain.timed_events import JobKind, JobState, TimedJob, plan_visit_jobs, still_wanted
from portalcore.domain.translations import in_language, localized
from portalcore.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.delivery import MessageComposer
from portalcore.services.visits.messages import patient_language, visit_context
from portalcore.services.visits.signed_links import VisitLinks

log = logging.getLogger(__name__)
LINK_GRACE = timedelta(days=1)  # a reminder's link works until a day after the visit


def schedule_visit(uow: UnitOfWork, clinic: Clinic, visit: Appointment, now: datetime) -> int:
    """Schedules a booked visit's reminders, aftercare email and review request; returns how many."""
    assert visit.id is not None
    templates = {form.slug: form.kind for form in uow.catalog.forms()}
    post = any(templates.get(slug) is FormKind.POST_INSTRUCTIONS
               for slug in _visit_form_slugs(uow, visit))
    jobs = plan_visit_jobs(visit, clinic.settings.visit_timing, ZoneInfo(clinic.time_zone), now, has_post_instructions=post)
    return sum(uow.jobs.add(job, now) for job in jobs)


def unschedule_visit(uow: UnitOfWork, visit_id: int, now: datetime) -> int:
    """Cancels a visit's jobs that have not run (the visit was cancelled or is about to move)."""
    return uow.jobs.cancel_for_visit(visit_id, now)


@attrs.frozen
class JobReport:
    done: int = 0
    skipped: int = 0  # no longer wanted: the visit moved, was cancelled or a contact is missing
    retrying: int = 0
    dead: int = 0

    def __bool__(self) -> bool:
        return bool(self.done or self.skipped or self.retrying or self.dead)


Handler = Callable[[UnitOfWork, Clinic, Patient, Appointment, TimedJob], int]


class TimedJobRunner:
    """Claims due jobs (a batch at a time, under a lease) and runs each in its own transaction."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, composer: MessageComposer, links: VisitLinks, *,
                 retry: RetryPolicy = RetryPolicy(), batch_size: int = 50,
                 lease: timedelta = timedelta(minutes=5), payments: PaymentGateway | None = None,
                 without_visit: Mapping[JobKind, Callable[[UnitOfWork, TimedJob], int]] | None = None) -> None:
        self._uow, self._clock, self._composer, self._links = uow, clock, composer, links
        self._without_visit = dict(without_visit or {})  # e.g. access jobs (services/access/jobs.py)
        self._payments = payments
        self._retry, self._batch, self._lease = retry, batch_size, lease
        self._handlers: dict[JobKind, Handler] = {JobKind.VISIT_REMINDER: self._reminder,
                                                  JobKind.POST_INSTRUCTIONS: self._aftercare,
                                                  JobKind.VISIT_REVIEW: self._review}

    def run_due(self) -> JobReport:
        """Runs every job due now and reports what happened."""
        counts = {"done": 0, "skipped": 0, "retrying": 0, "dead": 0}
        while True:
            with self._uow() as uow:
                claimed = uow.jobs.claim_due(self._clock.now(), self._batch, self._lease)
                uow.commit()
            for job in claimed:
                counts[self._run(job)] += 1
            if len(claimed) < self._batch:
                return JobReport(**counts)

    def _run(self, job: TimedJob) -> str:
        assert job.id is not None
        try:
            # the payment provider is called before the job's transaction, never inside it
            released = self._release(job) if job.kind is JobKind.RELEASE_AUTHORIZATION else None
            refund = self._refund(job) if job.kind is JobKind.FINISH_REFUND else None
            with self._uow() as uow:
                if not uow.jobs.still_running(job.id):
                    return "skipped"  # cancelled by a move or cancellation while it was claimed
                if refund is not None:
                    self._record_refund(uow, job, refund)
                queued = released if released is not None else 1 if refund is not None else self._work(uow, job)
                uow.jobs.finish(job.id, self._clock.now())
                uow.commit()
            return "done" if queued else "skipped"
        except Exception as error:  # recorded on the job and retried later; one bad job must not stop the rest
            log.exception("timed job %s (%s) failed", job.id, job.key)
            state, retry_at = self._retry.after_failure(job.attempts, self._clock.now(), permanent=False)
            dead = state is MessageStatus.DEAD
            with self._uow() as uow:
                uow.jobs.fail(job.id, f"{type(error).__name__}: {error}", JobState.DEAD if dead else JobState.PENDING,
                              retry_at)
                uow.commit()
            return "dead" if dead else "retrying"

    def _work(self, uow: UnitOfWork, job: TimedJob) -> int:
        if job.kind in self._without_visit:
            return self._without_visit[job.kind](uow, job)
        visit = uow.appointments.get(job.appointment_id) if job.appointment_id is not None else None
        if visit is None or not still_wanted(job, visit, self._clock.now()):
            return 0
        patient = uow.patients.get(visit.patient_id)
        if patient is None:
            return 0
        return self._handlers[job.kind](uow, require_clinic(uow.clinic.get()), patient, visit, job)

    def _refund(self, job: TimedJob) -> Refund:
        """Makes a deposit refund the cancellation could not make, with the key of its first try (a refund that
        went through unseen is answered, not made twice). A refusal fails the job: retried, then dead and shown
        to the admin (``portal jobs list``)."""
        if self._payments is None:
            raise ConfigurationError("The worker has no payment gateway to refund a deposit with.")
        return self._payments.refund(job.data["payment_id"], amount_cents=int(job.data["amount_cents"]),
                                     idempotency_key=job.data["idempotency_key"])

    def _record_refund(self, uow: UnitOfWork, job: TimedJob, refund: Refund) -> None:
        """The refund made, and the pending one settled: rows are never changed, so the visit's deposit reads
        refunded = deposit_refund rows, pending = refund_pending − refund_settled rows."""
        amount, key = Money(int(job.data["amount_cents"]), str(job.data["currency"])), job.data["idempotency_key"]
        for kind, status in (("deposit_refund", "refunded"), ("refund_settled", "settled")):
            uow.bookings.add_payment(PaymentRecord(
                idempotency_key=f"{key}:{kind}", patient_id=int(job.data["patient_id"]), kind=kind,
                provider_payment_id=refund.id if kind == "deposit_refund" else job.data["payment_id"],
                amount=amount, status=status, simulated=self._payments is not None and self._payments.simulated,
                appointment_id=int(job.data["visit_id"])), self._clock.now())

    def _release(self, job: TimedJob) -> int:
        """Releases a card check the booking could not release; the same key each time, so a release that went
        through unseen is answered, not repeated. One that is no longer held (released, expired) is done."""
        if self._payments is None:
            raise ConfigurationError("The worker has no payment gateway to release a card check with.")
        try:
            self._payments.cancel(job.data["payment_id"], idempotency_key=job.data["idempotency_key"])
        except Conflict:
            return 0
        return 1

    def _reminder(self, uow: UnitOfWork, clinic: Clinic, patient: Patient, visit: Appointment, job: TimedJob) -> int:
        assert visit.id is not None
        language, now = patient_language(patient, clinic), self._clock.now()
        context = visit_context(uow, clinic, patient, visit) | {
            "visit_link": self._links.url(visit.id, visit.end_at + LINK_GRACE),
            "cancellation_text": in_language(clinic.settings.cancellation, "text", language)}
        queued = 0
        if patient.email:
            queued += uow.outbox.add(self._composer.email("visit_reminder", to=patient.email, language=language,
                                                          context=context, key=f"{job.key}:email"), now)
        if patient.mobile and clinic.settings.reminder_sms:
            queued += uow.outbox.add(self._composer.sms("visit_reminder_sms", to=patient.mobile, language=language,
                                                        context=context, key=f"{job.key}:sms"), now)
        return queued

    def _aftercare(self, uow: UnitOfWork, clinic: Clinic, patient: Patient, visit: Appointment, job: TimedJob) -> int:
        language = patient_language(patient, clinic)
        templates = {form.slug: localized(form, language) for form in uow.catalog.forms()}
        items = [{"title": templates[slug].title, "body": templates[slug].body} for slug in _visit_form_slugs(uow, visit)
                 if slug in templates and templates[slug].kind is FormKind.POST_INSTRUCTIONS]
        if not items or not patient.email:
            return 0
        context = visit_context(uow, clinic, patient, visit) | {
            "instructions": items, "portal_link": f"{self._links.base_url.rstrip('/')}/portal"}
        return int(uow.outbox.add(self._composer.email(
            "post_instructions", to=patient.email, language=language, context=context,
            key=f"{job.key}:email"), self._clock.now()))

    def _review(self, uow: UnitOfWork, clinic: Clinic, patient: Patient, visit: Appointment, job: TimedJob) -> int:
        if not patient.email:
            return 0
        return int(uow.outbox.add(self._composer.email(
            "visit_review", to=patient.email, language=patient_language(patient, clinic),
            context=visit_context(uow, clinic, patient, visit), key=f"{job.key}:email"), self._clock.now()))


@attrs.frozen
class JobLine:
    """One timed job as the admin sees it: when it falls due on the clinic's clock."""

    job: TimedJob
    due_local: datetime


class TimedJobService:
    """What the admin sees of the timed jobs, and the second chance they give one that failed too often."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def for_visit(self, appointment_id: int) -> list[TimedJob]:
        with self._uow(readonly=True) as uow:
            return uow.jobs.for_visit(appointment_id)

    def counts(self) -> dict[JobState, int]:
        with self._uow(readonly=True) as uow:
            return uow.jobs.counts()

    def entries(self, state: JobState | None = None, appointment_id: int | None = None,
                limit: int = 200) -> list[JobLine]:
        """Jobs in ``state`` and/or of one visit, the soonest due first, with their due time in clinic time."""
        with self._uow(readonly=True) as uow:
            zone = ZoneInfo(require_clinic(uow.clinic.get()).time_zone)
            return [JobLine(job, job.due_at.astimezone(zone))
                    for job in uow.jobs.entries(state, appointment_id, limit)]

    def retry(self, job_id: int) -> TimedJob:
        """Gives a dead job (one that failed too often) a fresh series of tries, starting at the worker's next
        round. Raises ``NotFound`` and ``Conflict`` (the job is not dead)."""
        with self._uow() as uow:
            job = uow.jobs.get(job_id)
            if job is None:
                raise NotFound("There is no timed job %(id)s.", id=job_id)
            if not uow.jobs.retry(job_id, self._clock.now()):
                raise Conflict("Job %(id)s is %(state)s; only a dead job can be retried.", id=job_id, state=job.state.value)
            retried = uow.jobs.get(job_id)
            uow.commit()
        assert retried is not None
        return retried


def _visit_form_slugs(uow: UnitOfWork, visit: Appointment) -> list[str]:
    """The forms the visit's services carry, each once (staff bookings route no forms, yet get aftercare)."""
    slugs: list[str] = []
    for slug in visit.services:
        service = uow.catalog.service(slug)
        slugs += [form for form in (service.forms if service else ()) if form not in slugs]
    return slugs
