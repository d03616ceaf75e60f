"""Text messages printed instead of sent: the demo default, so nobody needs a Twilio account to try the portal."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import TextIO

from portalcore.domain.errors import DeliveryError
from portalcore.domain.outbox import OutgoingMessage


class ConsoleSmsSender:
    """SmsSender that prints ``SMS to <number>: <body>`` to ``stream`` (default: stderr) and appends it to ``log_path`` if given.

    The returned id depends only on the idempotency key, like a provider id would for one message.
    """

    def __init__(self, stream: TextIO | None = None, log_path: Path | str | None = None) -> None:
        self._stream = stream
        self.log_path = Path(log_path) if log_path is not None else None

    def send(self, message: OutgoingMessage) -> str:
        """Prints (and logs) the message and returns ``console-<hash>``; raises ``DeliveryError`` if the log fails."""
        line = f"SMS to {message.recipient}: {message.text}"
        # stderr, looked up now (so captured output is honoured): stdout belongs to the CLI's --json output.
        stream = self._stream if self._stream is not None else sys.stderr
        print(line, file=stream, flush=True)
        if self.log_path is not None:
            try:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(line + "\n")
            except OSError as error:
                raise DeliveryError(f"cannot append to {self.log_path}: {error}", permanent=False) from error
        return "console-" + hashlib.sha256(message.idempotency_key.encode("utf-8")).hexdigest()[:16]
