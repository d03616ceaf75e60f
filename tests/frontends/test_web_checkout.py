"""The checkout's dead ends (issue 12): every step is a page the Back button can show again, a repeated confirm
leads to the booking made, and a declined card or a lapsed hold keeps what the patient typed. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from litestar.testing import TestClient

from portal_web import create_app
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_booking import API, NINA, TIMES, api_hold, hold_time, last_code, reach_confirm_step
from tests.frontends.web_forms import form, forms, link, text_of, title_of


def test_each_step_answers_with_a_redirect_to_a_page_the_back_button_shows_again(
        client: TestClient, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    assert client.get(f"{checkout}/card", follow_redirects=False).headers["location"] == checkout  # nothing yet

    details = client.post(f"{checkout}/phone", data=form(client.get(checkout).text, f"{checkout}/phone").data(**NINA),
                          follow_redirects=False)
    assert (details.status_code, details.headers["location"]) == (303, f"{checkout}/code")
    code_page = client.get(f"{checkout}/code")
    assert title_of(code_page.text).startswith("Enter your code") and "+1 212-555-0199" in text_of(code_page.text)
    assert 'type="hidden" name="email"' not in code_page.text  # what was typed stays on the server
    verified = client.post(f"{checkout}/verify", data=form(code_page.text, f"{checkout}/verify").data(
        code=last_code(sms)), follow_redirects=False)
    assert (verified.status_code, verified.headers["location"]) == (303, f"{checkout}/card")
    assert title_of(client.get(f"{checkout}/card").text).startswith("Confirm your booking")

    back_to_code = client.get(f"{checkout}/code")  # Back, Back: plain pages again, with what was typed
    back_to_details = client.get(checkout)
    assert back_to_code.status_code == back_to_details.status_code == 200
    assert form(back_to_details.text, f"{checkout}/phone").fields["email"] == "nina.patel@example.com"
    sent = len(sms.sent)
    again = client.post(f"{checkout}/phone", data=form(back_to_details.text, f"{checkout}/phone").data(),
                        follow_redirects=False)
    assert again.headers["location"] == f"{checkout}/card" and len(sms.sent) == sent  # the number is proven


def test_confirming_again_leads_to_the_booking_that_was_made(
        client: TestClient, demo_portal: Portal, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    confirm = form(reach_confirm_step(client, sms, checkout), f"{checkout}/confirm").data(accept_policy="yes")
    first = client.post(f"{checkout}/confirm", data=confirm, follow_redirects=False)

    again = client.post(f"{checkout}/confirm", data=confirm)

    assert again.status_code == 200 and title_of(again.text).startswith("Booking confirmed")
    assert str(again.url).endswith(first.headers["location"]) and "Nothing was booked" not in again.text
    assert "Deposit paid $50.00" in text_of(again.text) and "Card ending in 4242" in text_of(again.text)
    assert client.get(f"{checkout}/card", follow_redirects=False).headers["location"] == first.headers["location"]
    assert [r.patient_name for r in demo_portal.schedule.day(date(2026, 11, 17))].count("Nina Patel") == 1


def test_the_api_answers_a_repeated_booking_with_the_same_booking(client: TestClient, sms: RecordingSender) -> None:
    hold = api_hold(client)
    token = client.post(f"{API}/phone-checks", json={"mobile": "+12125550199"}).json()["token"]
    client.post(f"{API}/phone-checks/{token}/verify", json={"code": last_code(sms)})
    booking = {"hold": hold["token"], "phone_check": token, "first_name": "Nina", "last_name": "Patel",
               "email": "nina.patel@example.com", "mobile": "+12125550199", "payment_method": "pm_card_visa",
               "accept_policy": True}

    first = client.post(f"{API}/bookings", json=booking)
    again = client.post(f"{API}/bookings", json=booking)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()


def test_a_declined_card_keeps_the_details_and_goes_back_to_the_card_step(
        client: TestClient, demo_portal: Portal, sms: RecordingSender) -> None:
    checkout = hold_time(client, time="12:00 PM")
    step3 = reach_confirm_step(client, sms, checkout)
    confirm = form(step3, f"{checkout}/confirm")
    assert "pm_card_chargeDeclined" in confirm.radios["payment_method"]

    declined = client.post(f"{checkout}/confirm", data=confirm.data(accept_policy="yes",
                                                                    payment_method="pm_card_chargeDeclined"))

    assert declined.status_code == 402 and "declined" in text_of(declined.text)
    assert title_of(declined.text).startswith("Confirm your booking") and "12:00 PM" in text_of(declined.text)
    assert demo_portal.patients.by_email("nina.patel@example.com") is None
    assert "Tuesday 17 November, 12:00 PM" not in text_of(client.get(TIMES).text)  # still held for this patient
    other_card = form(declined.text, f"{checkout}/confirm").data(accept_policy="yes", payment_method="pm_card_visa")
    booked = client.post(f"{checkout}/confirm", data=other_card)
    assert title_of(booked.text).startswith("Booking confirmed") and "12:00 PM" in text_of(booked.text)
    assert demo_portal.patients.by_email("nina.patel@example.com") is not None


def test_a_hold_that_ran_out_keeps_the_details_and_phone_proof_for_the_next_time(
        client: TestClient, clock: FixedClock, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    confirm = form(reach_confirm_step(client, sms, checkout), f"{checkout}/confirm").data(accept_policy="yes")
    clock.advance(timedelta(minutes=11))

    lapsed = client.post(f"{checkout}/confirm", data=confirm)

    assert lapsed.status_code == 422 and "run out" in text_of(lapsed.text)
    assert "Your details and your confirmed mobile number are kept" in text_of(lapsed.text)
    times = client.get(link(lapsed.text, "Choose a time again"))
    assert times.status_code == 200 and title_of(times.text).startswith("Choose a time")
    chosen = next(f for f in forms(times.text, "/book/hold") if any(t.endswith("11:00 AM") for _, _, t in f.buttons))
    new_checkout = client.post("/book/hold", data=chosen.data("11:00 AM"), follow_redirects=False).headers["location"]
    assert new_checkout != checkout
    details = form(client.get(new_checkout).text, f"{new_checkout}/phone")
    assert (details.fields["first_name"], details.fields["mobile"]) == ("Nina", "+12125550199")
    sent = len(sms.sent)
    on = client.post(f"{new_checkout}/phone", data=details.data(), follow_redirects=False)
    assert on.headers["location"] == f"{new_checkout}/card" and len(sms.sent) == sent
    booked = client.post(f"{new_checkout}/confirm", data=form(client.get(on.headers["location"]).text,
                                                              f"{new_checkout}/confirm").data(accept_policy="yes"))
    assert title_of(booked.text).startswith("Booking confirmed") and "11:00 AM" in text_of(booked.text)


def test_the_checkout_link_in_another_browser_shows_nothing_that_was_typed(
        client: TestClient, demo_portal: Portal, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    reach_confirm_step(client, sms, checkout)

    with TestClient(app=create_app(demo_portal)) as stranger:
        pages = [stranger.get(checkout + step) for step in ("", "/code", "/card")]

    assert pages[0].status_code == 200 and title_of(pages[0].text).startswith("Your details")
    assert [page.url.path for page in pages] == [checkout] * 3  # no code sent, no number proven in this browser
    for shown in (page.text for page in pages):
        assert "Nina" not in shown and "nina.patel" not in shown and "555-0199" not in shown


def test_a_refused_form_also_answers_with_a_redirect_and_the_page_says_why_once(
        client: TestClient, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    step1 = form(client.get(checkout).text, f"{checkout}/phone")
    refused = client.post(f"{checkout}/phone", data=step1.data(**{**NINA, "email": "nina@"}), follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, checkout)

    shown = client.get(checkout)
    assert shown.status_code == 422 and "not a valid email" in text_of(shown.text)
    assert form(shown.text, f"{checkout}/phone").fields["email"] == "nina@"  # as typed, to be corrected
    again = client.get(checkout)  # Back or reload later: the page without the old error
    assert again.status_code == 200 and "not a valid email" not in text_of(again.text)

    client.post(f"{checkout}/phone", data=step1.data(**NINA))
    wrong = "000000" if last_code(sms) != "000000" else "111111"
    code = client.post(f"{checkout}/verify", data={**form(client.get(f"{checkout}/code").text,
                                                          f"{checkout}/verify").data(), "code": wrong},
                       follow_redirects=False)
    assert (code.status_code, code.headers["location"]) == (303, f"{checkout}/code")
    assert "4 tries left" in text_of(client.get(f"{checkout}/code").text)


def test_a_refusal_cannot_be_edited_or_moved_to_another_checkout(client: TestClient, demo_portal: Portal) -> None:
    checkout = hold_time(client)
    step1 = form(client.get(checkout).text, f"{checkout}/phone")
    refused = client.post(f"{checkout}/phone", data=step1.data(**{**NINA, "email": "nina@"}), follow_redirects=False)
    value = refused.cookies["checkout_refusal"]
    other = hold_time(client, time="11:00 AM")
    edited = value.replace(value[2], "A" if value[2] != "A" else "B", 1)

    with TestClient(app=create_app(demo_portal)) as fresh:
        moved = fresh.get(other, headers={"cookie": f"checkout_refusal={value}"})
        forged = fresh.get(checkout, headers={"cookie": f"checkout_refusal={edited}"})
        genuine = fresh.get(checkout, headers={"cookie": f"checkout_refusal={value}"})

    assert moved.status_code == forged.status_code == 200 and "valid email" not in moved.text + forged.text
    assert genuine.status_code == 422 and "not a valid email" in text_of(genuine.text)
