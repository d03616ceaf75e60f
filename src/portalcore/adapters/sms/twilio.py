"""Sending text messages through Twilio's Programmable Messaging API (twilio 9 SDK)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from portalcore.domain.errors import DeliveryError
from portalcore.domain.outbox import OutgoingMessage

# Twilio error codes that say "this number / this body will never work"; retrying them only spends money.
# 21211 invalid 'To' number, 21217 number not valid, 21602 body required, 21610 recipient replied STOP,
# 21612 'To' not reachable by SMS, 21614 not a mobile number, 21617 body longer than 1600 characters.
PERMANENT_CODES = frozenset({21211, 21217, 21602, 21610, 21612, 21614, 21617})


class TwilioSmsSender:
    """SmsSender backed by Twilio; one SDK client (and HTTP session) per instance.

    ``api_base`` points the SDK at another server (a loopback fake in tests). Twilio has no idempotency
    key for messages, so a timeout after Twilio accepted a message can lead to a second copy on retry.
    Call ``close()`` (or use ``with``) to release the HTTP connection pool.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        api_base: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.from_number = from_number
        # Our own HTTP client so the timeout is ours and close() can release its session.
        self._http = TwilioHttpClient(timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        if api_base:
            self._client.api.base_url = api_base.rstrip("/")
            # TWILIO_EDGE / TWILIO_REGION in the environment would rewrite the explicit host.
            self._client.edge = None
            self._client.region = None

    def send(self, message: OutgoingMessage) -> str:
        """Sends ``message.text`` to ``message.recipient`` and returns Twilio's message sid; raises ``DeliveryError``."""
        try:
            created = self._client.messages.create(to=message.recipient, from_=self.from_number, body=message.text)
        except TwilioException as error:
            raise _delivery_error(error) from error
        except (requests.RequestException, ValueError) as error:
            # Network trouble, or an answer that was not JSON (a proxy's error page): try again later.
            raise DeliveryError(f"Twilio unreachable: {error}", permanent=False) from error
        return str(created.sid)

    def close(self) -> None:
        """Closes pooled HTTP connections."""
        if self._http.session is not None:
            self._http.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _delivery_error(error: TwilioException) -> DeliveryError:
    # TwilioRestException and the RFC 9457 TwilioServiceException both carry status and code.
    status = getattr(error, "status", None)
    code = getattr(error, "code", None)
    detail = getattr(error, "msg", "") or getattr(error, "detail", "") or type(error).__name__
    permanent = isinstance(status, int) and 400 <= status < 500 and code in PERMANENT_CODES
    return DeliveryError(f"Twilio refused the message (status {status}, code {code}): {detail}", permanent=permanent)
