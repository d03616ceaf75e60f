"""PwnedPasswordsBreachedPasswords against a loopback fake of the Pwned Passwords range API."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portalcore.adapters.breached_passwords import PwnedPasswordsBreachedPasswords

LEAKED = "velvet orchard leaked"
PADDED = "velvet orchard padding"  # its suffix is in the answer, but only as a zero-count decoy


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


class FakePwnedPasswords(BaseHTTPRequestHandler):
    """Answers GET /range/{prefix} like api.pwnedpasswords.com; records what it was asked."""

    requests: list[tuple[str, str | None]] = []
    status = 200

    def do_GET(self) -> None:
        type(self).requests.append((self.path, self.headers.get("Add-Padding")))
        if self.status != 200:
            self.send_error(self.status)
            return
        prefix = self.path.removeprefix("/range/")
        lines = [f"{'0' * 35}:3"]
        for password, count in ((LEAKED, 42), (PADDED, 0)):
            digest = sha1(password)
            if digest.startswith(prefix):
                lines.append(f"{digest[5:]}:{count}")
        lines.append(f"{'F' * 35}:0")
        body = "\r\n".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class RecordingFallback:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def is_breached(self, password: str) -> bool:
        self.asked.append(password)
        return self.answer


@pytest.fixture
def fake_url() -> Iterator[str]:
    FakePwnedPasswords.requests = []
    FakePwnedPasswords.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePwnedPasswords)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_known_password_is_breached_and_only_the_prefix_is_sent(fake_url: str) -> None:
    fallback = RecordingFallback(answer=False)
    pwned = PwnedPasswordsBreachedPasswords(base_url=fake_url, fallback=fallback)
    assert pwned.is_breached(LEAKED) is True
    assert FakePwnedPasswords.requests == [(f"/range/{sha1(LEAKED)[:5]}", "true")]
    assert fallback.asked == []


def test_unknown_password_is_not_breached(fake_url: str) -> None:
    pwned = PwnedPasswordsBreachedPasswords(base_url=fake_url, fallback=RecordingFallback(answer=True))
    assert pwned.is_breached("velvet orchard tangerine piano") is False


def test_padding_lines_do_not_count(fake_url: str) -> None:
    pwned = PwnedPasswordsBreachedPasswords(base_url=fake_url, fallback=RecordingFallback(answer=True))
    assert pwned.is_breached(PADDED) is False


def test_password_is_hashed_in_its_nfkc_form(fake_url: str) -> None:
    pwned = PwnedPasswordsBreachedPasswords(base_url=fake_url, fallback=RecordingFallback(answer=False))
    assert pwned.is_breached("ｖｅｌｖｅｔ ｏｒｃｈａｒｄ ｌｅａｋｅｄ") is True


def test_error_answer_falls_back(fake_url: str) -> None:
    FakePwnedPasswords.status = 503
    fallback = RecordingFallback(answer=True)
    pwned = PwnedPasswordsBreachedPasswords(base_url=fake_url, fallback=fallback)
    assert pwned.is_breached("password1") is True
    assert fallback.asked == ["password1"]


def test_unreachable_service_falls_back_instead_of_blocking() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for answer in (True, False):
        fallback = RecordingFallback(answer=answer)
        pwned = PwnedPasswordsBreachedPasswords(base_url=f"http://127.0.0.1:{port}", timeout=1.0, fallback=fallback)
        assert pwned.is_breached("iloveyou") is answer
        assert fallback.asked == ["iloveyou"]


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match="http"):
        PwnedPasswordsBreachedPasswords(base_url="file:///etc/passwd", fallback=RecordingFallback(answer=False))
