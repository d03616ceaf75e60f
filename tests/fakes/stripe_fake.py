"""A loopback fake of the slice of Stripe's v1 API the payment gateway uses, for integration tests.

It speaks what stripe-python sends (form bodies, Bearer key, ``Idempotency-Key``) and answers in Stripe's shapes,
including 402 ``card_error`` declines, so the real SDK's error handling runs unchanged.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

# token -> (brand, last4); the same test cards Stripe's test mode knows
TEST_CARDS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_mastercard": ("mastercard", "4444"),
    "pm_card_chargeDeclined": ("visa", "0002"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995"),
    "pm_card_visa_chargeDeclined": ("visa", "0341"),
}
DECLINE_ON_SAVE = {"pm_card_chargeDeclined": "generic_decline",
                   "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds"}
DECLINE_ON_CHARGE = {**DECLINE_ON_SAVE, "pm_card_visa_chargeDeclined": "generic_decline"}

Answer = tuple[int, dict[str, Any]]


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``metadata[x]=1&expand[0]=a`` -> ``{"metadata": {"x": "1"}, "expand": ["a"]}`` (how Stripe reads forms)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(result)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


def _error(status: int, type_: str, message: str, **extra: Any) -> Answer:
    return status, {"error": {"type": type_, "message": message, **extra}}


class FakeStripe:
    """A threaded HTTP server on 127.0.0.1 that plays Stripe. Use as a context manager; ``url`` is its base address.

    ``requests`` lists every request as (method, path, params, idempotency key); ``objects`` holds what was created,
    by id; ``fail_next(n)`` makes the next n requests answer 500 before doing anything (with ``path``, a regular
    expression, only requests to a matching path fail, e.g. ``r"/cancel$"`` for releasing a hold).
    """

    def __init__(self, api_key: str = "sk_test_fake") -> None:
        self.api_key = api_key
        self.requests: list[tuple[str, str, dict[str, Any], str | None]] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self._saved: dict[str, tuple[str, int, str]] = {}  # idempotency key -> (path, status, body as sent)
        self._tokens: dict[str, str] = {}  # payment method id -> test token it was made from
        self._failures, self._failing_path = 0, ""
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeStripe is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        fake = self

        class Handler(_Handler):
            stripe = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def fail_next(self, n: int = 1, *, path: str = "") -> None:
        with self._lock:
            self._failures, self._failing_path = n, path

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        """Stored objects whose ``object`` field is ``kind`` (e.g. ``payment_intent``), oldest first."""
        return [o for o in self.objects.values() if o["object"] == kind]

    def handle(self, method: str, path: str, params: dict[str, Any], key: str | None, auth: str) -> tuple[int, str]:
        with self._lock:
            self.requests.append((method, path, params, key))
            if auth != f"Bearer {self.api_key}":
                status, body = _error(401, "invalid_request_error", "Invalid API Key provided.")
                return status, json.dumps(body)
            if self._failures and re.search(self._failing_path, path):
                # an outage before Stripe starts work: nothing is stored, so a retry with the key runs for real
                self._failures -= 1
                status, body = _error(500, "api_error", "Something went wrong on Stripe's end.")
                return status, json.dumps(body)
            if key and method == "POST" and key in self._saved:
                saved_path, status, text = self._saved[key]
                if saved_path == path:
                    return status, text
                status, body = _error(400, "idempotency_error", "Keys for idempotent requests can only be used "
                                      "with the same parameters they were first used with.")
                return status, json.dumps(body)
            status, body = self._route(method, path, params)
            text = json.dumps(body)
            if key and method == "POST":
                self._saved[key] = (path, status, text)
            return status, text

    def _route(self, method: str, path: str, params: dict[str, Any]) -> Answer:
        routes = [
            ("POST", r"/v1/customers", self._customer),
            ("POST", r"/v1/setup_intents", self._setup_intent),
            ("GET", r"/v1/payment_methods/(?P<id>[\w]+)", self._payment_method),
            ("POST", r"/v1/payment_intents", self._payment_intent),
            ("POST", r"/v1/payment_intents/(?P<id>\w+)/capture", self._capture),
            ("POST", r"/v1/payment_intents/(?P<id>\w+)/cancel", self._cancel),
            ("POST", r"/v1/refunds", self._refund),
        ]
        for verb, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return action(params, **match.groupdict())
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _new(self, prefix: str, kind: str, **fields: Any) -> dict[str, Any]:
        obj = {"id": f"{prefix}_fake{next(self._ids):06d}", "object": kind, "livemode": False, **fields}
        self.objects[obj["id"]] = obj
        return obj

    def _missing(self, param: str, value: str) -> Answer:
        return _error(404, "invalid_request_error", f"No such {param}: '{value}'", code="resource_missing",
                      param=param)

    def _customer(self, params: dict[str, Any]) -> Answer:
        return 200, self._new("cus", "customer", email=params.get("email"), name=params.get("name"),
                              metadata=params.get("metadata", {}))

    def _setup_intent(self, params: dict[str, Any]) -> Answer:
        customer, token = params.get("customer", ""), params.get("payment_method", "")
        if customer not in self.objects:
            return self._missing("customer", customer)
        if token in DECLINE_ON_SAVE:
            code = DECLINE_ON_SAVE[token]
            failure = {"code": "card_declined", "decline_code": code, "message": "Your card was declined."}
            intent = self._new("seti", "setup_intent", status="requires_payment_method", customer=customer,
                               payment_method=None, usage=params.get("usage"),
                               last_setup_error={"type": "card_error", **failure})
            return _error(402, "card_error", **failure, setup_intent=intent)
        brand, last4 = TEST_CARDS.get(token, ("visa", "4242"))
        method = self._new("pm", "payment_method", type="card", customer=customer,
                           card={"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2034})
        self._tokens[method["id"]] = token
        intent = self._new("seti", "setup_intent", status="succeeded" if params.get("confirm") == "true"
                           else "requires_confirmation", customer=customer, payment_method=method["id"],
                           usage=params.get("usage", "off_session"))
        if "payment_method" in params.get("expand", []):
            return 200, {**intent, "payment_method": method}
        return 200, intent

    def _payment_method(self, params: dict[str, Any], id: str) -> Answer:
        method = self.objects.get(id)
        return (200, method) if method and method["object"] == "payment_method" else self._missing("payment_method", id)

    def _payment_intent(self, params: dict[str, Any]) -> Answer:
        customer, method = params.get("customer", ""), params.get("payment_method", "")
        if customer not in self.objects:
            return self._missing("customer", customer)
        if method.startswith("pm_fake") and method not in self._tokens:
            return self._missing("payment_method", method)
        token = self._tokens.get(method, method)
        amount, manual = int(params["amount"]), params.get("capture_method") == "manual"
        intent = self._new("pi", "payment_intent", amount=amount, amount_received=0,
                           amount_capturable=0, currency=params["currency"], customer=customer,
                           payment_method=method, capture_method="manual" if manual else "automatic",
                           description=params.get("description"), metadata=params.get("metadata", {}),
                           status="requires_confirmation", last_payment_error=None)
        if params.get("confirm") != "true":
            return 200, intent
        if token in DECLINE_ON_CHARGE:
            failure = {"code": "card_declined", "decline_code": DECLINE_ON_CHARGE[token],
                       "message": "Your card was declined."}
            intent.update(status="requires_payment_method", last_payment_error={"type": "card_error", **failure})
            return _error(402, "card_error", **failure, payment_intent=intent)
        if manual:
            intent.update(status="requires_capture", amount_capturable=amount)
        else:
            intent.update(status="succeeded", amount_received=amount)
        return 200, intent

    def _intent(self, id: str) -> dict[str, Any] | None:
        intent = self.objects.get(id)
        return intent if intent and intent["object"] == "payment_intent" else None

    def _unexpected_state(self, intent: dict[str, Any], action: str) -> Answer:
        return _error(400, "invalid_request_error", f"You cannot {action} this PaymentIntent because it has a "
                      f"status of {intent['status']}.", code="payment_intent_unexpected_state")

    def _capture(self, params: dict[str, Any], id: str) -> Answer:
        intent = self._intent(id)
        if intent is None:
            return self._missing("payment_intent", id)
        if intent["status"] != "requires_capture":
            return self._unexpected_state(intent, "capture")
        amount = int(params.get("amount_to_capture", intent["amount"]))
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        return 200, intent

    def _cancel(self, params: dict[str, Any], id: str) -> Answer:
        intent = self._intent(id)
        if intent is None:
            return self._missing("payment_intent", id)
        if intent["status"] not in {"requires_payment_method", "requires_capture", "requires_confirmation",
                                    "requires_action"}:
            return self._unexpected_state(intent, "cancel")
        intent.update(status="canceled", amount_capturable=0)
        return 200, intent

    def _refund(self, params: dict[str, Any]) -> Answer:
        intent = self._intent(params.get("payment_intent", ""))
        if intent is None:
            return self._missing("payment_intent", params.get("payment_intent", ""))
        if intent["status"] != "succeeded":
            return self._unexpected_state(intent, "refund")
        refunded = sum(r["amount"] for r in self.of_type("refund") if r["payment_intent"] == intent["id"])
        amount = int(params.get("amount", intent["amount_received"] - refunded))
        if refunded + amount > intent["amount_received"]:
            return _error(400, "invalid_request_error", "Refund amount is greater than the unrefunded amount.",
                          code="amount_too_large", param="amount")
        return 200, self._new("re", "refund", amount=amount, currency=intent["currency"],
                              payment_intent=intent["id"], status="succeeded")


class _Handler(BaseHTTPRequestHandler):
    stripe: FakeStripe

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        params = nest(parse_qsl(body if method == "POST" else url.query, keep_blank_values=True))
        status, text = self.stripe.handle(method, url.path, params, self.headers.get("Idempotency-Key"),
                                          self.headers.get("Authorization", ""))
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_fake{len(self.stripe.requests):06d}")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; the fake's own .requests is the log
