"""Issue 12, finding 1: booking with someone else's email, over the JSON API and the pages, on both databases.

A stranger who proves their own mobile but types an existing patient's email must not put the visit on that
patient's record, text or email them the visit, save a card on their profile or learn anything of it; the
visit joins the record only through the link emailed to the profile's address.
"""

from __future__ import annotations

import re
from datetime import timedelta

from litestar.testing import TestClient

from portalcore.adapters.clock import FixedClock
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import Appointment
from portalcore.domain.outbox import Channel
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_booking import API, api_hold, hold_time, last_code, reach_confirm_step
from tests.frontends.test_web_portal_visits import olivia_signed_in
from tests.frontends.web_forms import form, text_of, title_of

OLIVIA_EMAIL, OLIVIA_MOBILE = "olivia.martinez@example.com", "+12125550143"
STRANGER_MOBILE = "+12125550177"


def api_book(client: TestClient, sms: RecordingSender, *, email: str, mobile: str, start_at: str,
             services: tuple[str, ...] = ("neurotoxin",), first_name: str = "Mallory") -> dict:
    """Proves ``mobile`` with the texted code and books a held time for ``email``; returns the booking."""
    hold = api_hold(client, start_at, services)
    token = client.post(f"{API}/phone-checks", json={"mobile": mobile}).json()["token"]
    assert client.post(f"{API}/phone-checks/{token}/verify", json={"code": last_code(sms)}).status_code == 200
    booked = client.post(f"{API}/bookings", json={
        "hold": hold["token"], "phone_check": token, "first_name": first_name, "last_name": "Stone", "email": email,
        "mobile": mobile, "payment_method": "pm_card_visa", "accept_policy": True})
    assert booked.status_code == 201, booked.text
    return booked.json()


def olivia_visits(portal: Portal, clock: FixedClock) -> tuple[int, list[Appointment], int]:
    """Olivia's id, her visits and how many cards she has on file."""
    with SqlUnitOfWork(portal._engine, clock.now, readonly=True) as uow:
        olivia = uow.patients.by_email(OLIVIA_EMAIL)
        assert olivia is not None and olivia.id is not None
        return olivia.id, uow.appointments.for_patient(olivia.id), len(uow.bookings.cards(olivia.id))


def test_a_stranger_booking_with_a_patients_email_does_not_touch_her_record(
        client: TestClient, demo_portal: Portal, clock: FixedClock, sms: RecordingSender) -> None:
    _, before, cards_before = olivia_visits(demo_portal, clock)

    body = api_book(client, sms, email=OLIVIA_EMAIL, mobile=STRANGER_MOBILE, start_at="2026-11-17T15:00:00Z")

    olivia_id, after, cards_after = olivia_visits(demo_portal, clock)
    assert [v.id for v in after] == [v.id for v in before]  # the visit is not on her record
    assert cards_after == cards_before == 0  # and the stranger's card is not on her profile
    assert set(body) >= {"reference", "deposit_paid_cents"} and "Olivia" not in str(body)
    mails = [e.message for e in demo_portal.outbox.entries() if e.message.recipient == OLIVIA_EMAIL]
    assert [m.subject for m in mails] == ["A visit was booked at Lumen Aesthetics & Med Spa with your email address"]
    assert "Mallory" not in mails[0].text  # the booker learns nothing of her, and she is told nothing of them
    texts = [e.message for e in demo_portal.outbox.entries() if e.message.channel is Channel.SMS]
    assert OLIVIA_MOBILE not in {t.recipient for t in texts}  # no text about it goes to her phone

    # her own late cancellation is never charged to the stranger's card (today: the newest card on her profile)
    mine = next(v for v in before if v.start_at > clock.now())
    clock.advance(mine.start_at - clock.now() - timedelta(hours=12))
    cancelled = demo_portal.visits.cancel(mine.id or 0, by_patient=True)
    assert (cancelled.fee.cents, cancelled.fee_charged) == (5000, False)


def test_the_same_answer_whether_or_not_the_email_is_known(client: TestClient, sms: RecordingSender) -> None:
    known = api_book(client, sms, email=OLIVIA_EMAIL, mobile=STRANGER_MOBILE, start_at="2026-11-17T15:00:00Z")
    unknown = api_book(client, sms, email="mallory@example.com", mobile=STRANGER_MOBILE,
                       start_at="2026-11-17T16:00:00Z")

    strip = ("reference", "start_at", "end_at")
    assert {k: v for k, v in known.items() if k not in strip} == {k: v for k, v in unknown.items() if k not in strip}
    page = client.get(f"/bookings/{known['reference']}")
    assert page.status_code == 200 and "Olivia" not in page.text and "Martinez" not in page.text


def test_the_visit_joins_the_record_only_through_the_emailed_link(
        client: TestClient, demo_portal: Portal, clock: FixedClock, sms: RecordingSender) -> None:
    _, before, _ = olivia_visits(demo_portal, clock)
    booked = api_book(client, sms, email=OLIVIA_EMAIL, mobile=STRANGER_MOBILE, start_at="2026-11-17T15:00:00Z")
    [mail] = [e.message for e in demo_portal.outbox.entries() if e.message.recipient == OLIVIA_EMAIL]
    found = re.search(r"https?://\S+(/visit-claims/\S+)", mail.text)
    assert found is not None, mail.text
    link = found.group(1)

    page = client.get(link)
    assert page.status_code == 200 and title_of(page.text).startswith("A visit booked with your email address")
    assert [v.id for v in olivia_visits(demo_portal, clock)[1]] == [v.id for v in before]  # GET changes nothing
    added = client.post(link, data=form(page.text, link).data(), follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == link

    _, after, cards = olivia_visits(demo_portal, clock)
    assert booked["reference"] in {v.reference for v in after} and cards == 0
    assert "The visit is on your record" in text_of(client.get(link).text)
    again = client.post(link, data=form(page.text, link).data(), follow_redirects=False)
    assert again.status_code == 303 and len(olivia_visits(demo_portal, clock)[1]) == len(after)

    # a late cancellation of that visit is charged to the card that secured it (Olivia has none of her own)
    claimed = next(v for v in after if v.reference == booked["reference"])
    clock.advance(claimed.start_at - clock.now() - timedelta(hours=12))
    cancelled = demo_portal.visits.cancel(claimed.id or 0, by_patient=True)
    assert (cancelled.fee.cents, cancelled.fee_charged) == (5000, True)


def test_the_patients_own_mobile_still_books_into_her_profile(
        client: TestClient, demo_portal: Portal, clock: FixedClock, sms: RecordingSender) -> None:
    _, before, _ = olivia_visits(demo_portal, clock)

    booked = api_book(client, sms, email=OLIVIA_EMAIL, mobile=OLIVIA_MOBILE, start_at="2026-11-17T15:00:00Z",
                      first_name="Olivia")

    _, after, cards = olivia_visits(demo_portal, clock)
    assert booked["reference"] in {v.reference for v in after} and len(after) == len(before) + 1 and cards == 1
    assert not any("visit-claims" in e.message.text for e in demo_portal.outbox.entries())


def test_signed_in_as_the_patient_books_into_her_profile_from_any_mobile(
        client: TestClient, demo_portal: Portal, clock: FixedClock, sms: RecordingSender,
        mailer: RecordingSender) -> None:
    olivia_signed_in(client, demo_portal, mailer)
    _, before, _ = olivia_visits(demo_portal, clock)
    checkout = hold_time(client)
    step3 = reach_confirm_step(client, sms, checkout, {"first_name": "Olivia", "last_name": "Martinez",
                                                       "email": OLIVIA_EMAIL, "mobile": STRANGER_MOBILE})

    done = client.post(f"{checkout}/confirm", data=form(step3, f"{checkout}/confirm").data(
        accept_policy="yes", payment_method="pm_card_visa"), follow_redirects=False)

    assert done.status_code == 303, text_of(done.text)
    _, after, cards = olivia_visits(demo_portal, clock)
    assert len(after) == len(before) + 1 and cards == 1
