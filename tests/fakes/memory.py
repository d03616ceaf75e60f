"""In-memory fakes of the mail and SMS ports, for tests that do not exercise a real transport."""

from __future__ import annotations

import threading

from portalcore.domain.errors import DeliveryError
from portalcore.domain.outbox import OutgoingMessage


class RecordingSender:
    """Records what it is asked to send; can be told to fail the next N sends."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self._fail = 0
        self._lock = threading.Lock()

    def fail_next(self, times: int, *, permanent: bool = False) -> None:
        self._fail, self._permanent = times, permanent

    def send(self, message: OutgoingMessage) -> str:
        with self._lock:
            if self._fail > 0:
                self._fail -= 1
                raise DeliveryError("simulated outage", permanent=self._permanent)
            self.sent.append(message)
            return f"fake-{len(self.sent)}"
