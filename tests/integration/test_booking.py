"""Online booking through the services, on SQLite and PostgreSQL: availability, holds, phone check, card, confirm."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal, read_clinic_file
from portalcore.domain.booking import PatientDetails
from portalcore.domain.errors import InvalidInput, PaymentDeclined, SlotTaken
from portalcore.domain.outbox import Channel
from portalcore.domain.timed_events import JobKind, JobState
from portalcore.services.booking.availability import TimeTaken
from tests.fakes.memory import RecordingSender
from tests.fakes.stripe_fake import FakeStripe

NEW_YORK = ZoneInfo("America/New_York")
TUESDAY = date(2026, 11, 17)  # the demo clock stands on Monday 16 November, 09:00 in New York


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def times(slots: list) -> list[str]:
    return [s.start_at.astimezone(NEW_YORK).strftime("%H:%M") for s in slots]


def last_code(sms: RecordingSender) -> str:
    """The 6-digit code in the last text message sent."""
    found = re.search(r"\b(\d{6})\b", sms.sent[-1].text)
    assert found is not None, sms.sent[-1].text
    return found.group(1)


def wrong_code(sms: RecordingSender) -> str:
    return "000000" if last_code(sms) != "000000" else "111111"


def verified_phone(portal: Portal, sms: RecordingSender, mobile: str = "+12125550199") -> str:
    token, _ = portal.phone.start(mobile)
    portal.phone.verify(token, last_code(sms))
    return token


def details(email: str = "nina.patel@example.com", mobile: str = "+12125550199") -> PatientDetails:
    return PatientDetails(first_name="Nina", last_name="Patel", email=email, mobile=mobile)


def test_open_times_follow_hours_breaks_and_buffers(demo_portal: Portal) -> None:
    slots = demo_portal.booking.availability(["neurotoxin"], "jessica-lin", TUESDAY, TUESDAY)
    # Jessica works Tuesdays 10:00-19:00 in Brooklyn with a break 13:30-14:15; botox is 30 min + 10 min buffer
    assert times(slots)[:3] == ["10:00", "10:15", "10:30"]
    assert "13:00" not in times(slots) and "13:30" not in times(slots) and "14:15" in times(slots)
    assert times(slots)[-1] == "18:15"
    assert {s.location for s in slots} == {"brooklyn"}


def test_first_available_offers_every_provider_who_does_the_whole_visit(demo_portal: Portal) -> None:
    slots = demo_portal.booking.availability(["neurotoxin", "lip-filler"], "any", TUESDAY, TUESDAY)
    assert {s.provider for s in slots} == {"dr-amara-okafor", "jessica-lin"}
    assert times(slots)[0] == "09:00"  # Dr Okafor starts at 9 in SoHo on Tuesdays


def test_a_cart_no_single_provider_offers_is_refused(demo_portal: Portal) -> None:
    with pytest.raises(InvalidInput, match="separate visit"):
        demo_portal.booking.availability(["neurotoxin", "hydrafacial"], "any", TUESDAY, TUESDAY)


def test_a_held_time_is_hidden_from_others_until_it_expires(demo_portal: Portal, clock: FixedClock) -> None:
    start = local(TUESDAY, 10)
    demo_portal.booking.hold(["neurotoxin"], "jessica-lin", start)
    assert "10:00" not in times(demo_portal.booking.availability(["neurotoxin"], "jessica-lin", TUESDAY, TUESDAY))
    with pytest.raises(TimeTaken) as taken:
        demo_portal.booking.hold(["neurotoxin"], "jessica-lin", start)
    assert times(list(taken.value.alternatives))[0] == "10:45"  # after the held visit and its buffer
    clock.advance(timedelta(minutes=11))
    assert "10:00" in times(demo_portal.booking.availability(["neurotoxin"], "jessica-lin", TUESDAY, TUESDAY))


def test_new_patient_books_a_two_service_visit_with_a_deposit(demo_portal: Portal, sms: RecordingSender) -> None:
    hold = demo_portal.booking.hold(["neurotoxin", "lip-filler"], "jessica-lin", local(TUESDAY, 11))
    quote = demo_portal.checkout.quote(hold.token)
    assert (quote.deposit.cents, quote.card_required) == (15000, True)
    phone = verified_phone(demo_portal, sms)
    done = demo_portal.checkout.confirm(hold.token, phone, details(), payment_method="pm_card_visa",
                                        accepted_policy=True)
    assert done.deposit_paid.cents == 15000 and done.simulated_payment
    assert done.card is not None and done.card.last4
    visit = demo_portal.checkout.booking(done.reference)
    assert (visit.services, visit.provider, visit.price_cents) == (("neurotoxin", "lip-filler"), "jessica-lin", 120000)
    assert visit.end_at - visit.start_at == timedelta(minutes=30 + 10 + 45)
    queued = {e.message.idempotency_key.split(":", 2)[-1]: e.message for e in demo_portal.outbox.entries()}
    assert {"confirmation:email", "confirmation:sms", "pre-instructions:email"} <= set(queued)
    before = queued["pre-instructions:email"].text  # both services carry the same instructions: told once
    assert before.count("Before your injectable treatment") == 1 and before.count("Avoid alcohol") == 1
    [welcome] = [e.message for e in demo_portal.outbox.entries() if e.message.idempotency_key.startswith("invite:")]
    assert "/access/invite/" in welcome.text  # the activation email carries a real invitation link
    [ics] = queued["confirmation:email"].attachments
    assert b"DTSTART:20261117T160000Z" in ics.content
    assert "Botox" in queued["confirmation:sms"].text or "Jessica Lin" in queued["confirmation:sms"].text
    with pytest.raises(InvalidInput, match="run out"):  # the hold is used up
        demo_portal.booking.held(hold.token)


def test_a_returning_patient_is_booked_under_their_profile(demo_portal: Portal, sms: RecordingSender) -> None:
    before = len(demo_portal.patients.find(""))
    hold = demo_portal.booking.hold(["hydrafacial"], "sofia-bianchi", local(TUESDAY, 9))
    phone = verified_phone(demo_portal, sms, "+12125550143")
    done = demo_portal.checkout.confirm(hold.token, phone, details("Olivia.Martinez@EXAMPLE.com", "+12125550143"),
                                        payment_method="pm_card_visa", accepted_policy=True)
    assert done.patient.first_name == "Olivia"  # the profile on file, not the name typed
    assert len(demo_portal.patients.find("")) == before
    assert not any(e.message.idempotency_key.startswith("invite:") for e in demo_portal.outbox.entries())
    # no deposit on a HydraFacial, but the clinic charges late cancellations: the card was checked and released
    assert done.deposit_paid.cents == 0 and done.card is not None


def test_a_declined_card_books_nothing_and_keeps_the_time_for_another_card(
        demo_portal: Portal, sms: RecordingSender) -> None:
    hold = demo_portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 12))
    phone = verified_phone(demo_portal, sms)
    with pytest.raises(PaymentDeclined, match="declined"):
        demo_portal.checkout.confirm(hold.token, phone, details(), payment_method="pm_card_chargeDeclined",
                                     accepted_policy=True)
    assert demo_portal.patients.by_email("nina.patel@example.com") is None
    assert [e for e in demo_portal.outbox.entries() if e.message.channel is Channel.EMAIL] == []
    assert "12:00" not in times(demo_portal.booking.availability(["neurotoxin"], "jessica-lin", TUESDAY, TUESDAY))

    done = demo_portal.checkout.confirm(hold.token, phone, details(), payment_method="pm_card_visa",
                                        accepted_policy=True)
    assert done.deposit_paid.cents == 5000 and done.appointment.start_at == local(TUESDAY, 12)


def test_a_card_check_the_provider_could_not_release_is_released_by_the_worker(
        stripe_portal: Portal, stripe_fake: FakeStripe, sms: RecordingSender) -> None:
    hold = stripe_portal.booking.hold(["hydrafacial"], "sofia-bianchi", local(TUESDAY, 9))
    phone = verified_phone(stripe_portal, sms)
    stripe_fake.fail_next(1, path=r"/cancel$")  # Stripe is down just when the $0.50 check is released
    done = stripe_portal.checkout.confirm(hold.token, phone, details(), "pm_card_visa", accepted_policy=True)
    assert done.card is not None and done.deposit_paid.cents == 0  # the card was proven: the booking stands
    [check] = stripe_fake.of_type("payment_intent")
    assert (check["amount"], check["status"]) == (50, "requires_capture")  # still held on the patient's card
    [job] = [line.job for line in stripe_portal.jobs.entries(JobState.PENDING)
             if line.job.kind is JobKind.RELEASE_AUTHORIZATION]
    assert job.appointment_id is None and job.data["payment_id"] == check["id"]

    stripe_portal.timed.run_due()
    assert check["status"] == "canceled"
    releases = [key for _, path, _, key in stripe_fake.requests if path.endswith("/cancel")]
    assert len(releases) == 2 and len(set(releases)) == 1  # the failed try and the worker's, one key
    assert releases[0].startswith(f"booking:{hold.token}:") and releases[0].endswith(":card-check:release")
    assert [line.job.state for line in stripe_portal.jobs.entries() if line.job.id == job.id] == [JobState.DONE]


def test_confirming_needs_the_verified_phone_the_policy_and_a_card(demo_portal: Portal, sms: RecordingSender) -> None:
    hold = demo_portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 15))
    unverified, _ = demo_portal.phone.start("+12125550199")
    with pytest.raises(InvalidInput, match="mobile"):
        demo_portal.checkout.confirm(hold.token, unverified, details(), "pm_card_visa", True)
    phone = verified_phone(demo_portal, sms)
    with pytest.raises(InvalidInput, match="mobile"):  # verified, but another number than the one given
        demo_portal.checkout.confirm(hold.token, phone, details(mobile="+12125550111"), "pm_card_visa", True)
    with pytest.raises(InvalidInput, match="policy"):
        demo_portal.checkout.confirm(hold.token, phone, details(), "pm_card_visa", accepted_policy=False)
    with pytest.raises(InvalidInput, match="card"):
        demo_portal.checkout.confirm(hold.token, phone, details(), "", accepted_policy=True)


def test_phone_codes_expire_limit_guesses_and_throttle_resends(demo_portal: Portal, clock: FixedClock,
                                                               sms: RecordingSender) -> None:
    token, phone = demo_portal.phone.start("(212) 555-0199")
    assert phone == "+12125550199" and sms.sent[-1].recipient == phone
    with pytest.raises(InvalidInput, match="wait"):
        demo_portal.phone.resend(token)
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput, match=f"{left} (tries|try) left"):
            demo_portal.phone.verify(token, wrong_code(sms))
    with pytest.raises(InvalidInput, match="new code"):
        demo_portal.phone.verify(token, wrong_code(sms))
    with pytest.raises(InvalidInput, match="Too many wrong codes"):
        demo_portal.phone.verify(token, last_code(sms))
    clock.advance(timedelta(seconds=31))
    demo_portal.phone.resend(token)  # a new code does not reset the failures
    with pytest.raises(InvalidInput, match="Too many wrong codes"):
        demo_portal.phone.verify(token, last_code(sms))
    second, _ = demo_portal.phone.start("+12125550199")
    clock.advance(timedelta(minutes=11))
    with pytest.raises(InvalidInput, match="expired"):
        demo_portal.phone.verify(second, last_code(sms))


def test_fifty_patients_racing_for_one_time_get_one_hold(demo_portal: Portal) -> None:
    start, barrier, outcomes = local(TUESDAY, 16), threading.Barrier(50), []

    def try_hold() -> None:
        barrier.wait()
        try:
            demo_portal.booking.hold(["neurotoxin"], "jessica-lin", start)
            outcomes.append("held")
        except SlotTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=try_hold) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("held") == 1 and outcomes.count("taken") == 49


def book(portal: Portal, sms: RecordingSender, services: list[str], provider: str, start: datetime,
         card: str = "pm_card_visa") -> int:
    hold = portal.booking.hold(services, provider, start)
    done = portal.checkout.confirm(hold.token, verified_phone(portal, sms), details(), card, accepted_policy=True)
    assert done.appointment.id is not None
    return done.appointment.id


def test_cancelling_early_is_free_and_frees_the_time(demo_portal: Portal, sms: RecordingSender) -> None:
    visit = book(demo_portal, sms, ["neurotoxin"], "jessica-lin", local(TUESDAY, 17))
    result = demo_portal.visits.cancel(visit, by_patient=True)
    assert (result.fee.cents, result.appointment.status.value) == (0, "cancelled")
    assert "17:00" in times(demo_portal.booking.availability(["neurotoxin"], "jessica-lin", TUESDAY, TUESDAY))
    with pytest.raises(InvalidInput, match="cancelled"):
        demo_portal.visits.cancel(visit, by_patient=True)


def test_cancelling_late_charges_the_fee_to_the_card_on_file(demo_portal: Portal, clock: FixedClock,
                                                             sms: RecordingSender) -> None:
    first = demo_portal.booking.availability(["laser-hair-small"], "marco-reyes", TUESDAY,
                                             TUESDAY + timedelta(days=6))[0].start_at
    visit = book(demo_portal, sms, ["laser-hair-small"], "marco-reyes", first)  # no deposit: the card is kept
    clock.advance(first - timedelta(hours=12) - clock.now())  # 12 hours before the visit
    assert demo_portal.visits.preview_fee(visit).cents == 5000
    result = demo_portal.visits.cancel(visit, by_patient=True)
    assert (result.fee.cents, result.fee_charged) == (5000, True)
    [mail] = [e.message for e in demo_portal.outbox.entries() if "cancelled" in e.message.idempotency_key]
    assert "$50.00" in mail.text and "charged to your card" in mail.text


def test_the_front_desk_can_waive_the_late_fee(demo_portal: Portal, clock: FixedClock, sms: RecordingSender) -> None:
    visit = book(demo_portal, sms, ["neurotoxin"], "jessica-lin", local(TUESDAY, 17))
    clock.advance(timedelta(hours=20))
    assert demo_portal.visits.cancel(visit, by_patient=False, waive_fee=True).fee.cents == 0


@pytest.mark.parametrize(("clock_at", "dst_day", "nine_am_utc", "night_hours"), [
    (datetime(2027, 3, 12, 15, 0, tzinfo=UTC), date(2027, 3, 14), 13, 5),  # spring forward: 02:00 → 03:00
    (datetime(2026, 10, 29, 15, 0, tzinfo=UTC), date(2026, 11, 1), 14, 7),  # fall back: 02:00 → 01:00
])
def test_booking_on_dst_change_days_lands_at_the_right_instant(
        portal: Portal, clock: FixedClock, sms: RecordingSender, clock_at: datetime, dst_day: date,
        nine_am_utc: int, night_hours: int) -> None:
    clock.at = clock_at
    data = read_clinic_file()
    data["providers"].append({"slug": "sam-night", "name": "Sam Night", "hours": [
        {"weekday": "sun", "start": "00:00", "end": "06:00", "location": "soho"},
        {"weekday": "sun", "start": "09:00", "end": "12:00", "location": "soho"}]})
    data["services"][7]["providers"].append("sam-night")  # HydraFacial, 60 min + 15 min buffer
    portal.setup.import_clinic(data)
    slots = portal.booking.availability(["hydrafacial"], "sam-night", dst_day, dst_day)
    night = [s for s in slots if s.start_at.astimezone(NEW_YORK).hour < 6]
    # the night shift is 5 real hours on spring-forward day and 7 on fall-back day; 75 busy minutes per visit
    assert night[-1].start_at - night[0].start_at == timedelta(hours=night_hours) - timedelta(minutes=75)
    assert len({s.start_at for s in slots}) == len(slots)
    nine = [s for s in slots if s.start_at.astimezone(NEW_YORK).strftime("%H:%M") == "09:00"]
    assert nine and nine[0].start_at == datetime(dst_day.year, dst_day.month, dst_day.day, nine_am_utc, tzinfo=UTC)
    booked = book(portal, sms, ["hydrafacial"], "sam-night", nine[0].start_at)
    row = [r for r in portal.schedule.day(dst_day) if r.appointment.id == booked][0]
    assert (row.local_start.strftime("%H:%M"), row.local_end.strftime("%H:%M")) == ("09:00", "10:00")


def test_the_worker_clears_holds_that_ran_out_and_leaves_live_ones(demo_portal: Portal, clock: FixedClock) -> None:
    stale = demo_portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 11))
    clock.advance(timedelta(minutes=6))
    live = demo_portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 14, 30))
    clock.advance(timedelta(minutes=5))  # the first is past the demo clinic's 10-minute hold, the second is not
    assert demo_portal.booking.release_expired() == 1
    assert demo_portal.booking.release_expired() == 0
    assert demo_portal.booking.held(live.token).start_at == local(TUESDAY, 14, 30)
    with pytest.raises(InvalidInput, match="run out"):
        demo_portal.booking.held(stale.token)


def test_twenty_codes_asked_at_once_are_all_sent_and_counted(demo_portal: Portal, sms: RecordingSender) -> None:
    # the first text of the day creates the clinic's counter: concurrent requests must not trip over each other
    with ThreadPoolExecutor(max_workers=20) as pool:
        asked = [pool.submit(demo_portal.phone.start, f"+1212555{n:04d}") for n in range(100, 120)]
    assert [repr(future.exception()) for future in asked if future.exception()] == []
    assert len(sms.sent) == 20
