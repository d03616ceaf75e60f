"""APScheduler as the clock that triggers work kept in our own tables (the outbox now, timed events later).

Jobs hold no state and are safe to run twice, so the in-memory job store is enough: nothing due is lost
when the process stops, because what is due lives in the database, not in the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


class ApschedulerRunner:
    """Runs each named callable every ``interval_seconds``, the first time right at start (to catch up on
    whatever fell due while the process was down)."""

    def __init__(self, jobs: dict[str, Callable[[], object]], interval_seconds: float, *, blocking: bool) -> None:
        # APScheduler logs every run at INFO; our jobs log what they did themselves
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        kind = BlockingScheduler if blocking else BackgroundScheduler
        self._scheduler: BaseScheduler = kind(job_defaults=JOB_DEFAULTS, timezone="UTC")
        for name, job in jobs.items():
            self._scheduler.add_job(_logged(name, job), "interval", seconds=interval_seconds, id=name,
                                    next_run_time=datetime.now(UTC), replace_existing=True)

    def start(self) -> None:
        """Starts the schedule; a blocking runner returns only after ``shutdown`` (or Ctrl-C)."""
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)


def _logged(name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            result = job()
            if result:
                log.info("%s: %s", name, result)
        except Exception:  # a failing run must not stop the schedule; the next run retries
            log.exception("%s failed", name)

    run.__name__ = run.__qualname__ = name
    return run
