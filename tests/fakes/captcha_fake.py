"""A loopback stand-in for the siteverify API that reCAPTCHA, hCaptcha and Turnstile share."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.loopback import LoopbackServer


class FakeSiteverify(LoopbackServer):
    """Serves ``POST /siteverify`` on 127.0.0.1: ``success`` is true for ``good_token`` sent with ``secret``.

    ``forms`` holds every posted form (field -> value). ``answer_with(status, body)`` makes every later
    request get that raw answer instead (a 500, an HTML error page). Use it as a context manager.
    """

    name = "fake-siteverify"

    def __init__(self, secret: str = "fake-secret", good_token: str = "good-token") -> None:
        self.secret = secret
        self.good_token = good_token
        self._lock = threading.Lock()
        self._forms: list[dict[str, str]] = []
        self._override: tuple[int, bytes] | None = None

    @property
    def url(self) -> str:
        return f"{self.address}/siteverify"

    @property
    def forms(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._forms)

    def answer_with(self, status: int, body: bytes) -> None:
        with self._lock:
            self._override = (status, body)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def _answer(self, path: str, content_type: str, body: str) -> tuple[int, bytes]:
        """Status and body for one request; runs on the server's request threads."""
        form = {key: values[-1] for key, values in parse_qs(body, keep_blank_values=True).items()}
        with self._lock:
            self._forms.append(form)
            if self._override is not None:
                return self._override
        if path != "/siteverify":
            return 404, b"not found"
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return 400, b"form-encoded body expected"
        if form.get("secret") != self.secret:
            payload: dict[str, Any] = {"success": False, "error-codes": ["invalid-input-secret"]}
        elif form.get("response") != self.good_token:
            payload = {"success": False, "error-codes": ["invalid-input-response"]}
        else:
            payload = {"success": True, "challenge_ts": "2026-11-16T14:00:00Z", "hostname": "portal.test"}
        return 200, json.dumps(payload).encode("utf-8")


def _handler_for(fake: FakeSiteverify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            status, data = fake._answer(self.path, self.headers.get("Content-Type", ""), body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler
