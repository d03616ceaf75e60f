"""A loopback stand-in for Twilio's Messages API, so the real SDK can be tested without an account or network."""

from __future__ import annotations

import base64
import json
import re
import random
import secrets
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import attrs

_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


@attrs.frozen
class SentSms:
    to: str
    from_: str
    body: str
    sid: str

from tests.fakes.loopback import LoopbackServer


class FakeTwilio(LoopbackServer):
    """Serves ``POST /2010-04-01/Accounts/{sid}/Messages.json`` on 127.0.0.1 and records what it accepted.

    ``fail_next(n)`` answers the next ``n`` requests with 500, ``fail_at_random(rate)`` that share of them; ``reject(number)`` answers requests to that
    number with Twilio's 400 / 21211 "invalid To number". Use it as a context manager.
    """

    name = "fake-twilio"

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "fake-auth-token") -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._lock = threading.Lock()
        self._messages: list[SentSms] = []
        self._failures_left = 0
        self._rejected: set[str] = set()
        self._failure_rate, self._rng = 0.0, random.Random(0)
        self.requests = 0

    @property
    def url(self) -> str:
        return self.address

    @property
    def messages(self) -> list[SentSms]:
        with self._lock:
            return list(self._messages)

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._failures_left = count

    def fail_at_random(self, rate: float, seed: int = 0) -> None:
        """Answers each request with 500 with probability ``rate`` (the message is then not sent)."""
        with self._lock:
            self._failure_rate, self._rng = rate, random.Random(seed)

    def reject(self, number: str) -> None:
        with self._lock:
            self._rejected.add(number)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def _answer(self, path: str, authorization: str, body: str) -> tuple[int, dict[str, Any]]:
        """Status and JSON for one request; runs on the server's request threads."""
        match = _MESSAGES_PATH.match(path)
        if match is None:
            return 404, _error(20404, "The requested resource was not found", 404)
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != expected or match["sid"] != self.account_sid:
            return 401, _error(20003, "Authenticate", 401)
        form = {key: values[-1] for key, values in parse_qs(body, keep_blank_values=True).items()}
        to, from_, text = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        with self._lock:
            self.requests += 1
            if self._failures_left > 0 or self._rng.random() < self._failure_rate:
                self._failures_left = max(0, self._failures_left - 1)
                return 500, _error(20500, "Internal Server Error", 500)
            if to in self._rejected:
                return 400, _error(21211, f"The 'To' number {to} is not a valid phone number.", 400)
            sent = SentSms(to=to, from_=from_, body=text, sid="SM" + secrets.token_hex(16))
            self._messages.append(sent)
        now = formatdate(usegmt=True)
        return 201, {
            "sid": sent.sid, "account_sid": self.account_sid, "to": to, "from": from_, "body": text,
            "status": "queued", "direction": "outbound-api", "num_segments": "1", "num_media": "0",
            "api_version": "2010-04-01", "date_created": now, "date_updated": now, "date_sent": None,
            "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sent.sid}.json",
        }


def _error(code: int, message: str, status: int) -> dict[str, Any]:
    # The legacy shape (no "type"/"title"), which the SDK turns into TwilioRestException.
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            status, payload = fake._answer(self.path, self.headers.get("Authorization", ""), body)
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler
