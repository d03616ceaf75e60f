"""The checkout of a held time, on SQLite and PostgreSQL: one booking per hold however often it is confirmed, and
what the patient typed (details, the proof of their mobile number) kept on the server by the hold."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.booking import PatientDetails
from portalcore.domain.errors import InvalidInput
from tests.fakes.memory import RecordingSender
from tests.integration.test_booking import TUESDAY, details, last_code, local, verified_phone

NINA = PatientDetails(first_name=" Nina ", last_name="Patel", email="Nina.Patel@example.com", mobile="(212) 555-0199")


def charges(portal: Portal) -> list[str]:
    return [op.idempotency_key for op in portal.payments.history() if op.kind == "payment"]


def test_confirming_a_hold_again_returns_the_booking_it_made(demo_portal: Portal, sms: RecordingSender) -> None:
    hold = demo_portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 10))
    phone = verified_phone(demo_portal, sms)
    first = demo_portal.checkout.confirm(hold.token, phone, details(), "pm_card_visa", accepted_policy=True)

    again = demo_portal.checkout.confirm(hold.token, phone, details(), "pm_card_visa", accepted_policy=True)
    other_card = demo_portal.checkout.confirm(hold.token, phone, details(), "pm_card_mastercard", True)

    assert again.reference == other_card.reference == first.reference
    assert (again.deposit_paid, again.card, again.simulated_payment) == (first.deposit_paid, first.card, True)
    assert len(charges(demo_portal)) == 1  # the deposit was charged once
    assert [r.appointment.reference for r in demo_portal.schedule.day(TUESDAY)
            if r.appointment.start_at == hold.start_at] == [first.reference]


def test_two_confirms_racing_for_one_hold_book_it_once(demo_portal: Portal, sms: RecordingSender) -> None:
    hold = demo_portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 11))
    phone = verified_phone(demo_portal, sms)
    references: list[str] = []
    start = threading.Barrier(2)

    def confirm() -> None:
        start.wait()
        references.append(demo_portal.checkout.confirm(hold.token, phone, details(), "pm_card_visa", True).reference)

    racers = [threading.Thread(target=confirm) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert len(references) == 2 and references[0] == references[1]
    assert len(charges(demo_portal)) == 1
    assert not any(op.kind == "refund" for op in demo_portal.payments.history())
