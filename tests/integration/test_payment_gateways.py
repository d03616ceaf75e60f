"""One contract for every PaymentGateway: Stripe (over a loopback fake) and the simulated one (over SQLite)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from portalcore.adapters.payments.simulated import SimulatedPaymentGateway
from portalcore.adapters.sql.migrate import upgrade
from portalcore.adapters.payments.stripe import StripePaymentGateway
from portalcore.domain.errors import Conflict, InvalidInput, PaymentDeclined, PaymentUnavailable, PortalError
from portalcore.domain.payments import Customer, PaymentStatus, SavedCard
from portalcore.ports import PaymentGateway
from tests.fakes.stripe_fake import FakeStripe


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


@dataclass
class Backend:
    name: str
    gateway: PaymentGateway
    # ids of the payments that hold or took money, as the provider recorded them
    money_moved: Callable[[], list[str]]
    # how many times the provider was asked to act under a key (Stripe) or recorded it (simulated)
    uses_of_key: Callable[[str], int]


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


def _stripe_backend(fake: FakeStripe) -> Iterator[Backend]:
    gateway = StripePaymentGateway(fake.api_key, api_base=fake.url, max_network_retries=0)
    try:
        yield Backend(
            name="stripe", gateway=gateway,
            money_moved=lambda: [pi["id"] for pi in fake.of_type("payment_intent")
                                 if pi["status"] in {"requires_capture", "succeeded"}],
            uses_of_key=lambda key: sum(1 for *_, k in fake.requests if k == key))
    finally:
        gateway.close()


def _simulated_backend(tmp_path: Path) -> Iterator[Backend]:
    engine = create_engine(f"sqlite:///{tmp_path / 'payments.db'}")
    upgrade(engine)  # the real schema, by the migrations
    gateway = SimulatedPaymentGateway(engine, FixedClock(datetime(2026, 11, 3, 15, 0, tzinfo=UTC)))
    try:
        yield Backend(
            name="simulated", gateway=gateway,
            money_moved=lambda: [op.id for op in gateway.history()
                                 if op.kind == "payment" and op.status in {"authorized", "captured", "succeeded"}],
            uses_of_key=lambda key: sum(1 for op in gateway.history() if op.idempotency_key == key))
    finally:
        engine.dispose()


@pytest.fixture(params=["stripe", "simulated"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "stripe":
        yield from _stripe_backend(request.getfixturevalue("fake_stripe"))
    else:
        yield from _simulated_backend(tmp_path)


def _customer_with_card(gateway: PaymentGateway, token: str = "pm_card_visa") -> tuple[Customer, SavedCard]:
    customer = gateway.create_customer(email="ana@example.com", name="Ana Silva", idempotency_key="cus-1")
    card = gateway.save_card(customer_id=customer.id, payment_method=token, idempotency_key="card-1")
    return customer, card


def test_create_customer_returns_an_id_marked_real_or_simulated(backend: Backend) -> None:
    customer = backend.gateway.create_customer(email="ana@example.com", name="Ana Silva", idempotency_key="c")
    assert customer.id
    assert customer.simulated is backend.gateway.simulated


def test_saved_card_has_brand_and_last_four_digits(backend: Backend) -> None:
    _, card = _customer_with_card(backend.gateway)
    assert card.payment_method_id
    assert (card.brand, card.last4) == ("visa", "4242")


def test_card_that_cannot_be_saved_raises_declined(backend: Backend) -> None:
    customer = backend.gateway.create_customer(email="ana@example.com", name="Ana", idempotency_key="c")
    with pytest.raises(PaymentDeclined, match="Your card was declined"):
        backend.gateway.save_card(customer_id=customer.id, payment_method="pm_card_chargeDeclined",
                                  idempotency_key="card-bad")


def test_cancelled_hold_releases_the_money(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway)
    hold = backend.gateway.authorize(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                     amount_cents=50, currency="USD", idempotency_key="hold-1")
    assert (hold.status, hold.amount_cents, hold.currency) == (PaymentStatus.AUTHORIZED, 50, "USD")
    assert backend.money_moved() == [hold.id]

    released = backend.gateway.cancel(hold.id, idempotency_key="release-1")

    assert (released.id, released.status) == (hold.id, PaymentStatus.CANCELLED)
    assert backend.money_moved() == []


def test_captured_hold_takes_the_amount(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway)
    hold = backend.gateway.authorize(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                     amount_cents=12_500, currency="USD", idempotency_key="hold-1",
                                     description="Deposit for visit 7")

    taken = backend.gateway.capture(hold.id, idempotency_key="capture-1")

    assert (taken.id, taken.status, taken.amount_cents) == (hold.id, PaymentStatus.CAPTURED, 12_500)


def test_cancelled_hold_cannot_be_captured(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway)
    hold = backend.gateway.authorize(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                     amount_cents=50, currency="USD", idempotency_key="hold-1")
    backend.gateway.cancel(hold.id, idempotency_key="release-1")
    with pytest.raises(Conflict):
        backend.gateway.capture(hold.id, idempotency_key="capture-1")


def test_charge_takes_the_amount_at_once(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway)
    payment = backend.gateway.charge(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                     amount_cents=4_000, currency="usd", idempotency_key="fee-1")
    assert (payment.status, payment.amount_cents, payment.currency) == (PaymentStatus.SUCCEEDED, 4_000, "USD")
    assert payment.simulated is backend.gateway.simulated
    assert backend.money_moved() == [payment.id]


def test_refund_returns_part_of_a_charge_and_no_more_than_was_taken(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway)
    payment = backend.gateway.charge(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                     amount_cents=4_000, currency="USD", idempotency_key="fee-1")

    refund = backend.gateway.refund(payment.id, amount_cents=1_500, idempotency_key="refund-1")

    assert (refund.payment_id, refund.amount_cents) == (payment.id, 1_500)
    assert refund.id and refund.simulated is backend.gateway.simulated
    with pytest.raises(InvalidInput):
        backend.gateway.refund(payment.id, amount_cents=2_501, idempotency_key="refund-2")


def test_declined_card_raises_and_records_no_payment(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway, token="pm_card_visa_chargeDeclined")
    with pytest.raises(PaymentDeclined, match=r"^Your card was declined\.$"):
        backend.gateway.charge(customer_id=customer.id, payment_method_id=card.payment_method_id,
                               amount_cents=4_000, currency="USD", idempotency_key="fee-1")
    with pytest.raises(PaymentDeclined):
        backend.gateway.authorize(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                  amount_cents=50, currency="USD", idempotency_key="hold-1")
    assert backend.money_moved() == []


def test_decline_reason_is_given_when_the_bank_says_why(backend: Backend) -> None:
    customer = backend.gateway.create_customer(email="ana@example.com", name="Ana", idempotency_key="c")
    with pytest.raises(PaymentDeclined, match=r"declined \(insufficient funds\)"):
        backend.gateway.charge(customer_id=customer.id, payment_method_id="pm_card_chargeDeclinedInsufficientFunds",
                               amount_cents=4_000, currency="USD", idempotency_key="fee-1")


@pytest.mark.parametrize("amount", [0, -100, 12.5, True])
def test_amount_that_is_not_positive_whole_cents_is_refused(backend: Backend, amount: Any) -> None:
    customer, card = _customer_with_card(backend.gateway)
    with pytest.raises(InvalidInput):
        backend.gateway.charge(customer_id=customer.id, payment_method_id=card.payment_method_id,
                               amount_cents=amount, currency="USD", idempotency_key="fee-1")
    assert backend.money_moved() == []


def test_same_idempotency_key_twice_makes_one_payment(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway)
    def charge():
        return backend.gateway.charge(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                      amount_cents=4_000, currency="USD", idempotency_key="fee-1")

    first = charge()
    second = charge()

    assert first == second
    assert backend.money_moved() == [first.id]
    # Stripe saw the key on both requests and answered from its store; the simulated gateway wrote one row
    assert backend.uses_of_key("fee-1") == (2 if backend.name == "stripe" else 1)


def test_repeated_capture_with_same_key_answers_the_same(backend: Backend) -> None:
    customer, card = _customer_with_card(backend.gateway)
    hold = backend.gateway.authorize(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                     amount_cents=50, currency="USD", idempotency_key="hold-1")
    first = backend.gateway.capture(hold.id, idempotency_key="capture-1")
    assert backend.gateway.capture(hold.id, idempotency_key="capture-1") == first


def test_stripe_outage_raises_payment_unavailable(fake_stripe: FakeStripe) -> None:
    gateway = StripePaymentGateway(fake_stripe.api_key, api_base=fake_stripe.url, max_network_retries=0)
    try:
        fake_stripe.fail_next(1)
        with pytest.raises(PaymentUnavailable, match="nothing was charged"):
            gateway.create_customer(email="ana@example.com", name="Ana", idempotency_key="c")
        # the failure was not stored under the key, so trying again with it works
        assert gateway.create_customer(email="ana@example.com", name="Ana", idempotency_key="c").id
    finally:
        gateway.close()


def test_stripe_with_wrong_secret_key_raises_payment_unavailable(fake_stripe: FakeStripe) -> None:
    gateway = StripePaymentGateway("sk_test_wrong", api_base=fake_stripe.url, max_network_retries=0)
    try:
        with pytest.raises(PaymentUnavailable):
            gateway.create_customer(email="ana@example.com", name="Ana", idempotency_key="c")
    finally:
        gateway.close()


def test_stripe_receives_idempotency_key_on_every_change(fake_stripe: FakeStripe) -> None:
    gateway = StripePaymentGateway(fake_stripe.api_key, api_base=fake_stripe.url, max_network_retries=0)
    try:
        customer, card = _customer_with_card(gateway)
        hold = gateway.authorize(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                 amount_cents=50, currency="USD", idempotency_key="hold-1")
        gateway.capture(hold.id, idempotency_key="capture-1")
        gateway.refund(hold.id, amount_cents=50, idempotency_key="refund-1")
    finally:
        gateway.close()
    posts = [(path, key) for method, path, _, key in fake_stripe.requests if method == "POST"]
    assert [key for _, key in posts] == ["cus-1", "card-1", "hold-1", "capture-1", "refund-1"]
    intent = fake_stripe.requests[2][2]
    assert intent["capture_method"] == "manual" and intent["off_session"] == "true" and intent["confirm"] == "true"


def test_simulated_same_key_from_racing_threads_writes_one_row(tmp_path: Path) -> None:
    backend = _simulated_backend(tmp_path)
    gw = next(backend).gateway
    try:
        customer, card = _customer_with_card(gw)
        barrier, results, errors = threading.Barrier(6), [], []

        def pay() -> None:
            barrier.wait()
            try:
                results.append(gw.charge(customer_id=customer.id, payment_method_id=card.payment_method_id,
                                         amount_cents=900, currency="USD", idempotency_key="race"))
            except PortalError as exc:  # declines and conflicts are collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=pay) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and len(set(results)) == 1
        assert [op.kind for op in gw.history() if op.idempotency_key == "race"] == ["payment"]
    finally:
        backend.close()
