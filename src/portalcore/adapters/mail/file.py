"""A mailbox folder instead of a mail server: the demo default, and handy for looking at real rendered mail."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from portalcore.adapters.mail.mime import build_email
from portalcore.domain.errors import DeliveryError
from portalcore.domain.outbox import OutgoingMessage

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileMailer:
    """Mailer that writes each email as an ``.eml`` file (open it with any mail client) into ``mailbox_dir``.

    The file name comes from the idempotency key, so sending the same message again replaces its file
    instead of adding a second one; the folder is created on the first send.
    """

    def __init__(self, mailbox_dir: Path | str, sender: str) -> None:
        self.mailbox_dir = Path(mailbox_dir)
        self.sender = sender

    def send(self, message: OutgoingMessage) -> str:
        """Writes the email and returns its Message-ID; raises ``DeliveryError`` when it cannot be written."""
        try:
            mail = build_email(message, self.sender)
        except (ValueError, TypeError) as error:
            raise DeliveryError(f"cannot build email for {message.recipient!r}: {error}", permanent=True) from error
        target = self.mailbox_dir / eml_filename(message.idempotency_key)
        try:
            self.mailbox_dir.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, mail.as_bytes())
        except OSError as error:
            raise DeliveryError(f"cannot write {target}: {error}", permanent=False) from error
        return str(mail["Message-ID"])


def eml_filename(idempotency_key: str) -> str:
    """A file name readable by people, safe on every file system, and unique per key.

    The readable part is the key with unsafe characters replaced; the hash keeps two keys that only
    differ in those characters (``a:b`` and ``a/b``) apart.
    """
    readable = _UNSAFE.sub("_", idempotency_key).strip("._")[:80] or "message"
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}.eml"


def _write_atomically(target: Path, data: bytes) -> None:
    # A reader (or a crash) must never see half a file; the temporary name does not end in .eml
    # so anything listing the mailbox skips it.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
