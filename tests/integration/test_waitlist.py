"""The waitlist on SQLite and PostgreSQL: a freed time is offered to the patients waiting for it, in the order
they joined; accepting takes the clinic's payment step as an online booking does; two of them racing for it get
one booking between them, the other is told it is gone and keeps no charge."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import AppointmentStatus
from portalcore.domain.errors import InvalidInput, PaymentDeclined
from portalcore.domain.waitlist import EntryState
from portalcore.services.visits.waitlist import OfferGone
from tests.emails import emailed_path
from tests.fakes.memory import RecordingSender
from tests.fakes.stripe_fake import FakeStripe

FREED = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York, a week after the test clock
DAY = date(2026, 11, 23)
NEW_YORK = ZoneInfo("America/New_York")


def patient(portal: Portal, name: str) -> int:
    added = portal.patients.add(first_name=name, last_name="Example", email=f"{name.lower()}@example.com")
    assert added.id is not None
    return added.id


def freed_visit(portal: Portal, services: tuple[str, ...] = ("neurotoxin",)) -> int:
    visit = portal.schedule.book(patient_id=patient(portal, "Holder"), provider="dr-amara-okafor", location="soho",
                                 services=list(services), start_at=FREED)
    assert visit.id is not None
    return visit.id


def offer_token(portal: Portal, mailer: RecordingSender, name: str) -> str:
    portal.dispatcher.dispatch_due()
    return emailed_path(mailer, f"{name.lower()}@example.com", "/waitlist/offer/").rsplit("/", 1)[1]


def booked_at(portal: Portal, start_at: datetime) -> list[str]:
    """Who holds a booked visit starting at ``start_at``."""
    day = start_at.astimezone(NEW_YORK).date()
    return [row.patient_name for row in portal.schedule.day(day)
            if row.appointment.start_at == start_at and row.appointment.status is AppointmentStatus.BOOKED]


def test_a_cancelled_time_is_offered_to_those_waiting_in_the_order_they_joined(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    visit_id = freed_visit(demo_portal)
    for name in ("Ada", "Ben"):
        demo_portal.waitlist.join(patient(demo_portal, name), ["neurotoxin"], "any", DAY, DAY + timedelta(days=3))
    demo_portal.waitlist.join(patient(demo_portal, "Cy"), ["neurotoxin"], "jessica-lin", DAY, DAY)  # other provider
    demo_portal.waitlist.join(patient(demo_portal, "Di"), ["neurotoxin"], "any", DAY + timedelta(days=1),
                              DAY + timedelta(days=2))  # other days
    demo_portal.visits.cancel(visit_id, by_patient=False)
    demo_portal.dispatcher.dispatch_due()
    offered = [m.recipient for m in mailer.sent if m.subject.startswith("A time opened up")]
    assert offered == ["ada@example.com", "ben@example.com"]
    assert "10:00" in [m for m in mailer.sent if m.recipient == "ada@example.com"][-1].subject


def test_two_patients_racing_for_one_freed_time_get_one_booking_and_the_other_hears_it_is_gone(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    visit_id = freed_visit(demo_portal)
    ada, ben = patient(demo_portal, "Ada"), patient(demo_portal, "Ben")
    for who in (ada, ben):
        demo_portal.waitlist.join(who, ["neurotoxin"], "dr-amara-okafor", DAY, DAY)
    demo_portal.visits.cancel(visit_id, by_patient=False)
    tokens = {name: offer_token(demo_portal, mailer, name) for name in ("Ada", "Ben")}
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2)

    def accept(name: str) -> None:
        start.wait()
        try:
            demo_portal.waitlist.accept(tokens[name], "pm_card_visa", accepted_policy=True)
            outcomes[name] = "booked"
        except OfferGone:
            outcomes[name] = "gone"

    threads = [threading.Thread(target=accept, args=(name,)) for name in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["booked", "gone"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "booked")
    loser = next(name for name, outcome in outcomes.items() if outcome == "gone")
    assert booked_at(demo_portal, FREED) == [f"{winner} Example"]
    # one $50 deposit is kept: the loser was refunded, or never charged when the winner had already booked
    history = demo_portal.payments.history()
    taken = sum(op.amount_cents for op in history if op.kind == "payment" and op.status == "succeeded")
    assert taken - sum(op.amount_cents for op in history if op.kind == "refund") == 5000
    demo_portal.dispatcher.dispatch_due()
    assert [m for m in mailer.sent if m.recipient == f"{loser.lower()}@example.com" and "taken" in m.subject]
    states = {name: demo_portal.waitlist.entries(who)[0].state for name, who in (("Ada", ada), ("Ben", ben))}
    assert states[winner] is EntryState.BOOKED and states[loser] is EntryState.WAITING
    with pytest.raises(OfferGone):
        demo_portal.waitlist.accept(tokens[loser], "pm_card_visa", accepted_policy=True)  # trying again: nothing


def test_a_waiting_visit_that_does_not_fit_the_freed_time_is_not_offered(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    visit_id = freed_visit(demo_portal)
    demo_portal.schedule.book(patient_id=patient(demo_portal, "Next"), provider="dr-amara-okafor", location="soho",
                              services=["consultation"], start_at=FREED + timedelta(minutes=40))
    demo_portal.waitlist.join(patient(demo_portal, "Ada"), ["cheek-filler"], "any", DAY, DAY)  # too long for the gap
    demo_portal.visits.cancel(visit_id, by_patient=False)
    demo_portal.dispatcher.dispatch_due()
    assert not [m for m in mailer.sent if m.subject.startswith("A time opened up")]


def test_an_offer_runs_out_after_the_clinics_offer_time(
        demo_portal: Portal, mailer: RecordingSender, clock: FixedClock) -> None:
    visit_id = freed_visit(demo_portal)
    demo_portal.waitlist.join(patient(demo_portal, "Ada"), ["neurotoxin"], "any", DAY, DAY)
    demo_portal.visits.cancel(visit_id, by_patient=False)
    token = offer_token(demo_portal, mailer, "Ada")
    clock.advance(timedelta(minutes=121))
    with pytest.raises(OfferGone):
        demo_portal.waitlist.accept(token)


def test_moving_a_visit_offers_the_time_it_left(demo_portal: Portal, mailer: RecordingSender) -> None:
    visit_id = freed_visit(demo_portal)
    ada = patient(demo_portal, "Ada")
    demo_portal.waitlist.join(ada, ["neurotoxin"], "any", DAY, DAY)
    demo_portal.visits.reschedule(visit_id, FREED + timedelta(days=1), by_patient=False)
    done = demo_portal.waitlist.accept(offer_token(demo_portal, mailer, "Ada"), "pm_card_visa", accepted_policy=True)
    assert done.appointment.start_at == FREED and done.appointment.patient_id == ada


def test_joining_checks_the_visit_and_the_days(demo_portal: Portal) -> None:
    ada = patient(demo_portal, "Ada")
    with pytest.raises(InvalidInput, match="does not offer"):
        demo_portal.waitlist.join(ada, ["hydrafacial"], "dr-amara-okafor", DAY, DAY)
    with pytest.raises(InvalidInput, match="past"):
        demo_portal.waitlist.join(ada, ["neurotoxin"], "any", DAY - timedelta(days=30), DAY)
    with pytest.raises(InvalidInput, match="before the first"):
        demo_portal.waitlist.join(ada, ["neurotoxin"], "any", DAY, DAY - timedelta(days=1))



def test_accepting_an_offer_takes_the_deposit_through_stripe_and_a_card_on_file_serves_the_next_one(
        stripe_portal: Portal, stripe_fake: FakeStripe, mailer: RecordingSender, clock: FixedClock) -> None:
    portal = stripe_portal
    ada = patient(portal, "Ada")
    portal.waitlist.join(ada, ["neurotoxin"], "any", DAY, DAY + timedelta(days=1))
    portal.visits.cancel(freed_visit(portal), by_patient=False)
    token = offer_token(portal, mailer, "Ada")
    terms = portal.waitlist.terms(token)
    assert (terms.quote.deposit.cents, terms.quote.card_required, terms.cards) == (5000, True, ())
    with pytest.raises(InvalidInput, match="accept the cancellation"):
        portal.waitlist.accept(token, "pm_card_visa")
    with pytest.raises(InvalidInput, match="A card is needed"):
        portal.waitlist.accept(token, "", accepted_policy=True)
    with pytest.raises(PaymentDeclined, match="declined"):
        portal.waitlist.accept(token, "pm_card_chargeDeclined", accepted_policy=True)
    assert portal.waitlist.terms(token).offer.open(clock.now()) and booked_at(portal, FREED) == []

    done = portal.waitlist.accept(token, "pm_card_visa", accepted_policy=True)
    assert (done.deposit_paid.cents, done.card.last4 if done.card else "") == (5000, "4242")
    [deposit] = [pi for pi in stripe_fake.of_type("payment_intent") if pi["status"] == "succeeded"]
    assert deposit["amount"] == 5000
    deposit_keys = [key for method, path, _, key in stripe_fake.requests if path == "/v1/payment_intents"]
    assert deposit_keys[-1].startswith("waitlist:") and deposit_keys[-1].endswith(":deposit")
    with SqlUnitOfWork(portal._engine, clock.now, readonly=True) as uow:
        [record] = uow.bookings.payments(done.appointment.id or 0)
    assert (record.kind, record.amount.cents, record.provider_payment_id) == ("deposit", 5000, deposit["id"])
    [confirmation] = [e.message for e in portal.outbox.entries()
                      if e.message.idempotency_key == f"appointment:{done.appointment.id}:confirmation:email"]
    [ics] = confirmation.attachments
    assert b"DTSTART:20261123T150000Z" in ics.content

    # the next day a time frees up again; Ada, waiting again, pays with the card now on file
    portal.waitlist.join(ada, ["neurotoxin"], "any", DAY + timedelta(days=1), DAY + timedelta(days=1))
    later = FREED + timedelta(days=1)
    held = portal.schedule.book(patient_id=patient(portal, "Bea"), provider="dr-amara-okafor", location="soho",
                                services=["neurotoxin"], start_at=later)
    portal.visits.cancel(held.id or 0, by_patient=False)
    portal.dispatcher.dispatch_due()
    second = emailed_path(mailer, "ada@example.com", "/waitlist/offer/").rsplit("/", 1)[1]
    [card] = portal.waitlist.terms(second).cards
    customers = len(stripe_fake.of_type("customer"))
    again = portal.waitlist.accept(second, card.payment_method_id, accepted_policy=True)
    assert again.deposit_paid.cents == 5000 and len(stripe_fake.of_type("customer")) == customers
    assert booked_at(portal, later) == ["Ada Example"]
