"""Bad input stops where it enters: before any handler runs, the path, the query string, the cookies and a form
or JSON body are checked for what no field of ours may hold.

- Control characters (NUL and the rest of C0, and DEL): PostgreSQL refuses NUL in text, and no name, email,
  code or slug has any. Bodies may hold tab, line feed and carriage return (a note typed on several lines).
- JSON nested more than ``MAX_JSON_DEPTH`` deep: none of our requests nests more than three levels, and a
  deep enough document exhausts the decoder's recursion.
- A body sent to the API without the JSON content type: it would be read as something it is not.

Each refusal is a 4xx with a sentence from the catalogue, answered by the app's one error handler (problem
details for the API, a page for people). Multipart bodies (file uploads) are passed on unread.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal_web.i18n import N_
from portalcore.domain.text import has_control_characters

MAX_JSON_DEPTH = 32
MAX_BODY_BYTES = 1_000_000  # our largest form (a passkey answer) is a few kilobytes
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
BRACKET = re.compile(rb"[\[\]{}]")
BODY_METHODS = {"POST", "PUT", "PATCH"}

CONTROL_CHARACTERS = N_("Part of what was sent holds invisible control characters, which no field accepts. "
                        "Please type it again without them.")
NOT_TEXT = N_("Part of what was sent is not readable text (UTF-8). Please type it again.")
TOO_DEEP = N_("The JSON sent is nested too deeply.")
TOO_LARGE = N_("What was sent is too large.")
NOT_JSON = N_("Please send the request body as JSON, with the header Content-Type: application/json.")


class RefusedInput(HTTPException):
    """Input refused before any handler saw it; ``code`` names why in problem details."""

    def __init__(self, detail: str, code: str, status_code: int = 400) -> None:
        super().__init__(detail=detail, status_code=status_code)
        self.code = code


class InputGuard(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, api_prefix: str) -> None:
        self.api_prefix = api_prefix

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        check_line(scope.get("path", ""))
        check_query(scope.get("query_string", b""))
        headers = {name.decode("latin-1").lower(): value for name, value in scope.get("headers", [])}
        check_cookies(headers.get("cookie", b""))
        if scope.get("method", "GET") not in BODY_METHODS:
            await next_app(scope, receive, send)
            return
        body, rest = await read_body(receive)
        check_body(body, headers.get("content-type", b"").decode("latin-1").lower(),
                   api=is_under(scope.get("path", ""), self.api_prefix))
        await next_app(scope, replay(body, rest, receive), send)


def is_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def check_line(text: str) -> None:
    if has_control_characters(text):
        raise RefusedInput(CONTROL_CHARACTERS, "control_characters")


def check_query(raw: bytes) -> None:
    for name, value in parse_qsl(_text(raw), keep_blank_values=True):
        check_line(name)
        check_line(value)


def check_cookies(raw: bytes) -> None:
    # a cookie value reaches session and CSRF lookups, percent-decoded; a browser sends no control characters
    check_line(unquote(_text(raw)))


def check_body(body: bytes, content_type: str, *, api: bool) -> None:
    """Refuses a body holding control characters, a JSON body nested too deeply, and a body sent to the API
    that does not say it is JSON."""
    media = content_type.split(";", 1)[0].strip()
    if media == "application/x-www-form-urlencoded":
        for name, value in parse_qsl(_text(body), keep_blank_values=True):
            _check_text(name)
            _check_text(value)
    elif media == "application/json" or media.endswith("+json"):
        _check_json(body)
    elif api and body.strip():
        raise RefusedInput(NOT_JSON, "unsupported_media_type", status_code=415)


def _check_text(text: str) -> None:
    if has_control_characters(text, multi_line=True):
        raise RefusedInput(CONTROL_CHARACTERS, "control_characters")


def _check_json(body: bytes) -> None:
    depth = deepest = 0
    for bracket in BRACKET.findall(JSON_STRING.sub(b"", body)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_JSON_DEPTH:
        raise RefusedInput(TOO_DEEP, "too_deep")
    try:
        document = json.loads(body)
    except ValueError:
        return  # not JSON at all: the handler's decoder answers that with its own 400
    _check_strings(document)


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedInput(NOT_TEXT, "not_text") from None


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole request body, and any message that came after it (a disconnect) to hand on unchanged."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RefusedInput(TOO_LARGE, "too_large", status_code=413)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), []


def replay(body: bytes, rest: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read, then what the client sends next."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *rest]

    async def receive_again() -> Message:
        return pending.pop(0) if pending else await receive()

    return receive_again
