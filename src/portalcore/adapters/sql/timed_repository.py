"""Timed jobs in SQL: scheduled with the change that causes them, claimed under a lease by any worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from portalcore.adapters.sql.timed_tables import TimedJobRow
from portalcore.domain.timed_events import JobKind, JobState, TimedJob


def _job(row: TimedJobRow) -> TimedJob:
    return TimedJob(kind=JobKind(row.kind), key=row.key, due_at=row.due_at, appointment_id=row.appointment_id,
                    data=dict(row.data), state=JobState(row.state), attempts=row.attempts, last_error=row.last_error,
                    created_at=row.created_at, done_at=row.done_at, id=row.id)


class SqlTimedJobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, job: TimedJob, now: datetime) -> bool:
        values = dict(key=job.key, kind=job.kind.value, appointment_id=job.appointment_id, data=job.data,
                      state=JobState.PENDING.value, due_at=job.due_at, attempts=0, last_error="", created_at=now)
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        result = self.session.exec(insert(TimedJobRow).values(**values).on_conflict_do_nothing(index_elements=["key"]))
        return result.rowcount == 1

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[TimedJob]:
        due = or_(and_(TimedJobRow.state == JobState.PENDING.value, TimedJobRow.due_at <= now),
                  # a worker that died mid-job leaves its lease behind; once it runs out the job is due again
                  and_(TimedJobRow.state == JobState.RUNNING.value, TimedJobRow.lease_until <= now))
        rows = self.session.exec(select(TimedJobRow).where(due).order_by(TimedJobRow.due_at, TimedJobRow.id)
                                 .limit(limit).with_for_update(skip_locked=True)).all()
        for row in rows:
            row.state, row.lease_until, row.attempts = JobState.RUNNING.value, now + lease, row.attempts + 1
            self.session.add(row)
        self.session.flush()
        return [_job(row) for row in rows]

    def still_running(self, job_id: int) -> bool:
        # the row lock orders this run after (or before) a move or cancellation touching the same job
        state = self.session.exec(select(TimedJobRow.state).where(TimedJobRow.id == job_id).with_for_update()).first()
        return state == JobState.RUNNING.value

    def finish(self, job_id: int, now: datetime) -> None:
        self.session.exec(update(TimedJobRow).where(TimedJobRow.id == job_id, TimedJobRow.state == JobState.RUNNING.value)
                          .values(state=JobState.DONE.value, done_at=now, lease_until=None, last_error=""))

    def fail(self, job_id: int, error: str, state: JobState, retry_at: datetime) -> None:
        self.session.exec(update(TimedJobRow).where(TimedJobRow.id == job_id).values(
            state=state.value, last_error=error[:2000], due_at=retry_at, lease_until=None))

    def cancel_for_visit(self, appointment_id: int, now: datetime) -> int:
        result = self.session.exec(update(TimedJobRow).where(
            TimedJobRow.appointment_id == appointment_id,
            TimedJobRow.state.in_((JobState.PENDING.value, JobState.RUNNING.value))).values(
            state=JobState.CANCELLED.value, done_at=now, lease_until=None))
        return int(result.rowcount)

    def cancel_keyed(self, prefix: str, now: datetime) -> int:
        result = self.session.exec(update(TimedJobRow).where(
            TimedJobRow.key.startswith(prefix, autoescape=True),
            TimedJobRow.state.in_((JobState.PENDING.value, JobState.RUNNING.value))).values(
            state=JobState.CANCELLED.value, done_at=now, lease_until=None))
        return int(result.rowcount)

    def get(self, job_id: int) -> TimedJob | None:
        row = self.session.get(TimedJobRow, job_id)
        return _job(row) if row else None

    def entries(self, state: JobState | None = None, appointment_id: int | None = None,
                limit: int = 100) -> list[TimedJob]:
        query = select(TimedJobRow)
        if state is not None:
            query = query.where(TimedJobRow.state == state.value)
        if appointment_id is not None:
            query = query.where(TimedJobRow.appointment_id == appointment_id)
        rows = self.session.exec(query.order_by(TimedJobRow.due_at, TimedJobRow.id).limit(limit)).all()
        return [_job(row) for row in rows]

    def retry(self, job_id: int, now: datetime) -> bool:
        result = self.session.exec(update(TimedJobRow).where(
            TimedJobRow.id == job_id, TimedJobRow.state == JobState.DEAD.value).values(
            state=JobState.PENDING.value, due_at=now, attempts=0, lease_until=None, done_at=None))
        return result.rowcount == 1

    def for_visit(self, appointment_id: int) -> list[TimedJob]:
        rows = self.session.exec(select(TimedJobRow).where(TimedJobRow.appointment_id == appointment_id)
                                 .order_by(TimedJobRow.due_at, TimedJobRow.id)).all()
        return [_job(row) for row in rows]

    def counts(self) -> dict[JobState, int]:
        counted = {JobState(s): n for s, n in self.session.exec(
            select(TimedJobRow.state, func.count()).group_by(TimedJobRow.state)).all()}
        return {s: counted.get(s, 0) for s in JobState}
