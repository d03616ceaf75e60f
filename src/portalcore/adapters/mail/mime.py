"""Turning an ``OutgoingMessage`` into a MIME email, shared by every mailer so all backends send the same bytes."""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message

from portalcore.domain.outbox import Attachment, OutgoingMessage

# With cte_type="7bit" the stdlib picks quoted-printable/base64 for accented text (Spanish templates),
# so the mail never needs the server's 8BITMIME extension, which smtplib does not ask for.
POLICY = email.policy.default.clone(cte_type="7bit")


def message_id_for(idempotency_key: str, sender: str) -> str:
    """A Message-ID that depends only on the cause of the message, so a retry carries the same id.

    Receiving servers and clients de-duplicate on it when the first attempt did arrive after all.
    """
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "portal"
    return f"<{digest}@{domain}>"


def build_email(message: OutgoingMessage, sender: str, *, date: datetime | None = None) -> EmailMessage:
    """The email for ``message``: text, plus an HTML alternative when there is one, plus attachments.

    Raises ``ValueError`` when a header (recipient, subject) is malformed, e.g. contains a line break.
    """
    mail = EmailMessage(policy=POLICY)
    # the clinic's name before the deployment's address, when the dispatcher gave it
    mail["From"] = Address(message.sender_name, addr_spec=email.utils.parseaddr(sender)[1]) \
        if message.sender_name else sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.format_datetime(date) if date else email.utils.formatdate(usegmt=True)
    mail["Message-ID"] = message_id_for(message.idempotency_key, sender)
    # Tells vacation responders and mailing lists not to answer a machine (RFC 3834).
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text or "")
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        _attach(mail, attachment)
    return mail


def _attach(mail: EmailMessage, attachment: Attachment) -> None:
    # Parse "text/calendar; method=REQUEST" with the stdlib so parameters the producer set survive.
    header = Message()
    header["Content-Type"] = attachment.content_type or "application/octet-stream"
    maintype, subtype = header.get_content_maintype(), header.get_content_subtype()
    params = {key: value for key, value in header.get_params()[1:]}
    if maintype == "text" and "charset" not in params:
        try:
            attachment.content.decode("utf-8")
            params["charset"] = "utf-8"
        except UnicodeDecodeError:
            pass
    # base64 keeps the bytes exact (an .ics needs its CRLF line ends).
    mail.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                        filename=attachment.filename, params=params)
