"""What a cancellation does with the visit's deposit, on SQLite and PostgreSQL: it pays the late fee first, and
the rest is kept, refunded or moved to the wallet as the clinic's ``deposit_on_cancel`` says."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.timed_events import JobKind, JobState
from tests.fakes.memory import RecordingSender
from tests.fakes.stripe_fake import FakeStripe
from tests.integration.test_booking import TUESDAY, book, local


def cancelled_email(portal: Portal) -> str:
    [mail] = [e.message for e in portal.outbox.entries() if "cancelled" in e.message.idempotency_key]
    return mail.text


def payments_of(portal: Portal, visit: int) -> dict[str, tuple[int, str]]:
    with portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, amount_cents, status FROM payment WHERE appointment_id = :v"),
                                  {"v": visit}).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def twelve_hours_before(clock: FixedClock, day_hour: int) -> None:
    clock.advance(local(TUESDAY, day_hour) - timedelta(hours=12) - clock.now())


def test_a_fee_above_the_deposit_is_paid_from_it_and_only_the_rest_is_charged(
        demo_portal: Portal, clock: FixedClock, sms: RecordingSender) -> None:
    demo_portal.setup.change_settings({"cancellation.tiers": "[{hours_before = 24, percent = 100}]"})
    visit = book(demo_portal, sms, ["neurotoxin"], "jessica-lin", local(TUESDAY, 17))  # $450, $50 deposit
    twelve_hours_before(clock, 17)

    done = demo_portal.visits.cancel(visit, by_patient=True)

    assert (done.terms.fee.cents, done.terms.deposit_to_fee.cents, done.terms.to_charge.cents) == (45000, 5000, 40000)
    assert done.fee_charged and payments_of(demo_portal, visit)["cancellation_fee"] == (40000, "succeeded")
    assert ("a late-cancellation fee of $450.00 applies; your deposit pays $50.00 of it and the remaining $400.00 "
            "was charged to your card on file") in cancelled_email(demo_portal)


def test_under_the_refund_rule_what_the_fee_leaves_of_the_deposit_goes_back_to_the_card(
        demo_portal: Portal, clock: FixedClock, sms: RecordingSender) -> None:
    demo_portal.setup.change_settings({"deposit_on_cancel": "refund"})
    visit = book(demo_portal, sms, ["lip-filler"], "jessica-lin", local(TUESDAY, 11))  # a $100 deposit
    twelve_hours_before(clock, 11)

    done = demo_portal.visits.cancel(visit, by_patient=True)

    assert (done.terms.to_charge.cents, done.refunded.cents, done.fee_charged) == (0, 5000, False)
    assert payments_of(demo_portal, visit)["deposit_refund"] == (5000, "refunded")
    assert "cancellation_fee" not in payments_of(demo_portal, visit)
    email = cancelled_email(demo_portal)
    assert "a late-cancellation fee of $50.00 applies; it is paid from your deposit" in email
    assert "$50.00 of your deposit was refunded to your card" in email


def test_under_the_wallet_rule_an_early_cancellation_moves_the_whole_deposit_to_the_wallet(
        demo_portal: Portal, sms: RecordingSender) -> None:
    demo_portal.setup.change_settings({"deposit_on_cancel": "wallet"})
    visit = book(demo_portal, sms, ["neurotoxin"], "jessica-lin", local(TUESDAY, 17))

    done = demo_portal.visits.cancel(visit, by_patient=True)

    assert (done.terms.fee.cents, done.terms.deposit_left.cents) == (0, 5000)
    assert payments_of(demo_portal, visit)["wallet_credit"] == (5000, "credit")
    assert "$50.00 of your deposit was moved to your wallet as credit for a later visit" in cancelled_email(demo_portal)


def test_a_refund_the_provider_could_not_make_is_finished_by_the_worker_with_the_same_key(
        stripe_portal: Portal, stripe_fake: FakeStripe, sms: RecordingSender) -> None:
    stripe_portal.setup.change_settings({"deposit_on_cancel": "refund"})
    visit = book(stripe_portal, sms, ["neurotoxin"], "jessica-lin", local(TUESDAY, 17))  # a $50 deposit
    stripe_fake.fail_next(1, path=r"/refunds$")  # the provider is down just when the deposit goes back

    done = stripe_portal.visits.cancel(visit, by_patient=True)  # early: no fee, the whole deposit is refunded

    assert (done.refunded.cents, done.terms.deposit_left.cents) == (0, 5000)
    assert payments_of(stripe_portal, visit)["refund_pending"] == (5000, "pending")
    assert "$50.00 of your deposit will be refunded to your card" in cancelled_email(stripe_portal)
    [job] = [line.job for line in stripe_portal.jobs.entries(JobState.PENDING)
             if line.job.kind is JobKind.FINISH_REFUND]

    stripe_portal.timed.run_due()

    refunds = [key for _, path, _, key in stripe_fake.requests if path.endswith("/refunds")]
    assert len(refunds) == 2 and len(set(refunds)) == 1  # the failed try and the worker's, one key: no double refund
    assert [r["amount"] for r in stripe_fake.of_type("refund")] == [5000]
    assert payments_of(stripe_portal, visit)["deposit_refund"] == (5000, "refunded")
    assert [line.job.state for line in stripe_portal.jobs.entries() if line.job.id == job.id] == [JobState.DONE]
    patient = stripe_portal.patients.by_email("nina.patel@example.com")
    assert patient is not None and patient.id is not None
    with stripe_portal._engine.connect() as connection:  # the visits page reads pending − settled
        rows = connection.execute(text("SELECT kind, amount_cents FROM payment WHERE appointment_id = :v "
                                       "AND kind IN ('refund_pending', 'refund_settled')"), {"v": visit}).all()
    assert sorted(rows) == [("refund_pending", 5000), ("refund_settled", 5000)]
