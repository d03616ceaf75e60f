"""Online booking through the web pages (no JavaScript) and the JSON API, over SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from icalendar import Calendar
from litestar.testing import TestClient

import portal_web
from portal_web import create_app
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, forms, link, links, text_of, title_of

TIMES = "/book/times?services=neurotoxin&provider=jessica-lin&from=2026-11-17"
NINA = {"first_name": "Nina", "last_name": "Patel", "email": "nina.patel@example.com", "mobile": "(212) 555-0199"}


def last_code(sms: RecordingSender) -> str:
    found = re.search(r"\b(\d{6})\b", sms.sent[-1].text)
    assert found is not None, sms.sent[-1].text
    return found.group(1)


def hold_time(client: TestClient, times_url: str = TIMES, time: str = "10:00 AM") -> str:
    """Presses a time button on the times page; returns the checkout URL it leads to."""
    page = client.get(times_url).text
    chosen = next(f for f in forms(page, "/book/hold") if any(text.endswith(time) for _, _, text in f.buttons))
    response = client.post("/book/hold", data=chosen.data(time), follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def reach_confirm_step(client: TestClient, sms: RecordingSender, checkout: str, details: dict[str, str] = NINA) -> str:
    """Steps 1 and 2 of the checkout; returns the page of step 3."""
    step1 = client.get(checkout)
    assert step1.status_code == 200 and title_of(step1.text).startswith("Your details")
    step2 = client.post(f"{checkout}/phone", data=form(step1.text, f"{checkout}/phone").data(**details))
    assert step2.status_code == 200 and title_of(step2.text).startswith("Enter your code"), text_of(step2.text)
    step3 = client.post(f"{checkout}/verify", data=form(step2.text, f"{checkout}/verify").data(code=last_code(sms)))
    assert step3.status_code == 200 and title_of(step3.text).startswith("Confirm your booking"), text_of(step3.text)
    return step3.text


# -- the pages


def test_home_has_a_book_now_link_for_each_service(client: TestClient) -> None:
    page = client.get("/").text

    assert link(page, "Book now Botox / Dysport (up to 3 areas)") == "/book?services=neurotoxin"
    assert link(page, "Book now HydraFacial Signature") == "/book?services=hydrafacial"


def test_cart_adds_reorders_and_removes_services_through_links(client: TestClient) -> None:
    cart = client.get("/book?services=neurotoxin").text
    assert "Add HydraFacial Signature" not in [label for _, label in links(cart)]  # only what one provider does

    both = client.get(link(cart, "Add Lip Filler (1 syringe)"))
    assert both.status_code == 200
    names = [text_of(n) for n in re.findall(r'<h2 class="cart-name">(.*?)</h2>', both.text)]
    assert names == ["Botox / Dysport (up to 3 areas)", "Lip Filler (1 syringe)"]
    assert "$1,200.00" in text_of(both.text) and "$150.00" in text_of(both.text)  # price and deposit totals
    # 30 + 45 minutes of treatment and the 10 minutes between them are the visit's 85: the total says so
    assert "85 min (75 min of treatment and 10 min to prepare between treatments)" in text_of(both.text)

    moved = client.get(link(both.text, "Move up Lip Filler (1 syringe)")).text
    assert [text_of(n) for n in re.findall(r'<h2 class="cart-name">(.*?)</h2>', moved)] == names[::-1]

    removed = client.get(link(moved, "Remove Lip Filler (1 syringe)")).text
    assert [text_of(n) for n in re.findall(r'<h2 class="cart-name">(.*?)</h2>', removed)] == [names[0]]
    assert link(removed, "Next: choose provider") == "/book/provider?services=neurotoxin"


def test_a_cart_no_single_provider_can_do_says_book_separately(client: TestClient) -> None:
    response = client.get("/book?services=neurotoxin,hydrafacial")

    assert response.status_code == 422
    assert "separate visit" in text_of(response.text)
    assert "Next: choose provider" not in response.text
    assert link(response.text, "Remove HydraFacial Signature") == "/book?services=neurotoxin"


def test_unknown_service_in_the_cart_is_a_readable_404(client: TestClient) -> None:
    response = client.get("/book?services=no-such-thing")

    assert response.status_code == 404 and "no-such-thing" in text_of(response.text)


def test_provider_page_offers_first_available_and_who_does_the_whole_visit(client: TestClient) -> None:
    page = client.get("/book/provider?services=neurotoxin,lip-filler").text
    choice = form(page, "/book/times")

    assert choice.method == "get" and choice.fields["services"] == "neurotoxin,lip-filler"
    assert choice.radios["provider"] == ["any", "dr-amara-okafor", "jessica-lin"]
    assert choice.labels["provider-jessica-lin"].startswith("Jessica Lin")
    assert choice.labels["provider-any"].startswith("First available")


def test_times_page_groups_local_times_by_day(client: TestClient) -> None:
    response = client.get(TIMES)

    assert response.status_code == 200
    page = text_of(response.text)
    assert title_of(response.text).startswith("Choose a time")
    tuesday = page.split("Tuesday 17 November", 2)[2].split("Wednesday 18 November")[0]
    assert "10:00 AM" in tuesday and "1:30 PM" not in tuesday and "2:15 PM" in tuesday
    assert "With Jessica Lin at Brooklyn Heights" in tuesday
    assert "With Jessica Lin at SoHo Studio" in page.split("Wednesday 18 November", 1)[1]
    assert link(response.text, "Next week").endswith("from=2026-11-24")
    assert link(response.text, "Previous week").endswith("from=2026-11-16")


def test_the_week_at_the_horizon_says_it_has_no_times_and_offers_no_next(client: TestClient) -> None:
    # the demo clinic books 90 days ahead of Monday 2026-11-16: Sunday 2027-02-14 is the last day, Jessica's day off
    response = client.get("/book/times?services=neurotoxin&provider=jessica-lin&from=2027-02-14")

    assert response.status_code == 200
    assert "There are no open times this week" in text_of(response.text)
    assert "Next week" not in text_of(response.text)
    week_before = client.get("/book/times?services=neurotoxin&provider=jessica-lin&from=2027-02-07")
    assert link(week_before.text, "Next week").endswith("from=2027-02-14")


def test_a_week_past_the_horizon_is_refused_with_the_reason(client: TestClient) -> None:
    response = client.get("/book/times?services=neurotoxin&provider=jessica-lin&from=2027-06-01")

    assert response.status_code == 422
    assert "That day is outside the days the clinic books online." in text_of(response.text)


def test_times_page_rejects_a_bad_date_readably(client: TestClient) -> None:
    response = client.get("/book/times?services=neurotoxin&provider=jessica-lin&from=17-11-2026")

    assert response.status_code == 400 and "from" in response.text and "Traceback" not in response.text


def test_a_new_patient_books_through_the_forms_without_javascript(
        client: TestClient, demo_portal: Portal, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    step3 = reach_confirm_step(client, sms, checkout)
    assert "Deposit charged now: $50.00" in text_of(step3)
    assert "Simulated payment — no money moves" in text_of(step3)
    assert "24 hours' notice" in text_of(step3)

    confirm = form(step3, f"{checkout}/confirm")
    assert confirm.fields["payment_method"] == "pm_card_visa" and "accept_policy" not in confirm.fields
    booked = client.post(f"{checkout}/confirm", data=confirm.data(accept_policy="yes"), follow_redirects=False)

    assert booked.status_code == 303
    reference = booked.headers["location"].removeprefix("/bookings/")
    page = client.get(booked.headers["location"])
    assert page.status_code == 200 and title_of(page.text).startswith("Booking confirmed")
    shown = text_of(page.text)
    for fact in ("Tuesday 17 November 2026, 10:00 AM–10:30 AM", "Botox / Dysport (up to 3 areas)", "Jessica Lin",
                 "Brooklyn Heights", "$450.00", "Deposit paid $50.00", "Card ending in 4242", "simulated"):
        assert fact in shown, fact
    visit = demo_portal.checkout.booking(reference)
    assert (visit.services, visit.provider, visit.location) == (("neurotoxin",), "jessica-lin", "brooklyn")
    assert demo_portal.patients.by_email("nina.patel@example.com") is not None


def test_the_confirmation_offers_a_calendar_file(client: TestClient, sms: RecordingSender) -> None:
    checkout = hold_time(client, time="11:00 AM")
    step3 = reach_confirm_step(client, sms, checkout)
    booked = client.post(f"{checkout}/confirm", data=form(step3, f"{checkout}/confirm").data(accept_policy="yes"))

    calendar = client.get(link(booked.text, "Add to your calendar (.ics)"))
    assert calendar.status_code == 200 and calendar.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(calendar.content).walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-11-17T16:00:00+00:00"
    assert "Brooklyn Heights" in str(event.get("location"))


def test_a_time_taken_meanwhile_answers_409_with_the_next_times(client: TestClient) -> None:
    page = client.get(TIMES).text
    chosen = next(f for f in forms(page, "/book/hold") if any(t.endswith("10:00 AM") for _, _, t in f.buttons))
    first = client.post("/book/hold", data=chosen.data("10:00 AM"), follow_redirects=False)
    second = client.post("/book/hold", data=chosen.data("10:00 AM"), follow_redirects=False)

    assert first.status_code == 303
    assert second.status_code == 409
    alert = text_of(second.text.split('id="taken-heading"', 1)[1].split("</section>", 1)[0])
    assert "That time was just taken" in alert and "10:45 AM" in alert
    assert forms(second.text, "/book/hold")  # the alternatives can be held right away


def test_checkout_errors_keep_what_was_typed(client: TestClient, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    step1 = form(client.get(checkout).text, f"{checkout}/phone")
    bad_email = client.post(f"{checkout}/phone", data=step1.data(**{**NINA, "email": "nina@"}))
    assert bad_email.status_code == 422 and "not a valid email" in text_of(bad_email.text)
    assert form(bad_email.text, f"{checkout}/phone").fields["first_name"] == "Nina"

    step2 = client.post(f"{checkout}/phone", data=step1.data(**NINA))
    code_form = form(step2.text, f"{checkout}/verify")
    assert "+1 212-555-0199" in text_of(step2.text) and "nina" not in str(step2.url).lower()
    wrong = "000000" if last_code(sms) != "000000" else "111111"
    again = client.post(f"{checkout}/verify", data=code_form.data(code=wrong))
    assert again.status_code == 422 and "4 tries left" in text_of(again.text)
    assert title_of(again.text).startswith("Enter your code")

    too_soon = client.post(f"{checkout}/resend", data=form(again.text, f"{checkout}/resend").data())
    assert too_soon.status_code == 422 and "Please wait" in text_of(too_soon.text)


def test_confirming_without_accepting_the_policy_stays_on_step_3(client: TestClient, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    step3 = reach_confirm_step(client, sms, checkout)

    response = client.post(f"{checkout}/confirm", data=form(step3, f"{checkout}/confirm").data())

    assert response.status_code == 422 and "accept the cancellation" in text_of(response.text)
    assert form(response.text, f"{checkout}/confirm")


def test_a_hold_that_ran_out_leads_back_to_the_times(client: TestClient, clock: FixedClock) -> None:
    checkout = hold_time(client)
    clock.advance(timedelta(minutes=11))

    response = client.get(checkout)

    assert response.status_code == 422 and "run out" in text_of(response.text)


def test_posting_a_form_without_its_csrf_token_is_refused(client: TestClient, demo_portal: Portal) -> None:
    page = client.get(TIMES).text
    chosen = next(f for f in forms(page, "/book/hold") if f.buttons)
    data = chosen.data(chosen.buttons[0][2])
    del data["_csrf_token"]

    response = client.post("/book/hold", data=data)

    assert response.status_code == 403 and "Traceback" not in response.text
    assert "10:00 AM" in text_of(client.get(TIMES).text)  # nothing was held


def test_choosing_another_time_gives_the_held_time_back(client: TestClient) -> None:
    checkout = hold_time(client)
    release = form(client.get(checkout).text, f"{checkout}/release")

    response = client.post(f"{checkout}/release", data=release.data(), follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"] == "/book?services=neurotoxin"
    assert "10:00 AM" in text_of(client.get(TIMES).text)


def test_csrf_cookie_is_host_only_and_secure_behind_https(demo_portal: Portal) -> None:
    secure = attrs.evolve(demo_portal, settings=attrs.evolve(demo_portal.settings, base_url="https://book.lumen.example"))
    with TestClient(app=create_app(secure), base_url="https://book.lumen.example") as https_client:
        cookie = https_client.get(TIMES).headers["set-cookie"]

    assert cookie.startswith("__Host-csrf=") and "Secure" in cookie and "Path=/" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Domain" not in cookie


def test_pages_are_titled_labelled_and_script_free(client: TestClient, sms: RecordingSender) -> None:
    checkout = hold_time(client)
    pages = {url: client.get(url).text for url in ("/", "/book?services=neurotoxin", TIMES, checkout,
                                                   "/book/provider?services=neurotoxin")}
    pages["step3"] = reach_confirm_step(client, sms, checkout)

    assert len({title_of(page) for page in pages.values()}) == len(pages)
    for page in pages.values():
        assert "<script" not in page
        for found in re.finditer(r'<input (?![^>]*type="hidden")[^>]*id="([^"]+)"', page):
            assert f'for="{found.group(1)}"' in page, found.group(0)


# -- languages


def test_spanish_is_chosen_by_query_and_remembered(client: TestClient) -> None:
    response = client.get("/?lang=es")

    assert '<html lang="es">' in response.text
    assert "Reserve un tratamiento" in response.text and "Dónde encontrarnos" in response.text
    assert "lang=es" in response.headers["set-cookie"]
    later = client.get("/book?services=neurotoxin")
    assert '<html lang="es">' in later.text and "Siguiente: elegir profesional" in later.text
    assert link(later.text, "English").endswith("lang=en")


def test_spanish_follows_the_browser_and_formats_dates(client: TestClient) -> None:
    page = client.get(TIMES, headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"}).text

    assert '<html lang="es">' in page and "martes, 17 de noviembre" in text_of(page)
    assert "10:00 a.m." in text_of(page)


def test_a_spanish_booking_texts_the_code_in_spanish(client: TestClient, sms: RecordingSender) -> None:
    client.get("/?lang=es")
    checkout = hold_time(client, time="10:00 a.m.")
    step1 = form(client.get(checkout).text, f"{checkout}/phone")

    client.post(f"{checkout}/phone", data=step1.data(**NINA))

    assert "código" in sms.sent[-1].text


def test_every_page_string_has_a_spanish_translation() -> None:
    package = Path(portal_web.__file__).parent
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(str(package), [("**.py", "python"), ("**/templates/**.html", "jinja2")],
                             {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}, keywords)
    wanted = {message for _, _, message, _, _ in found}
    with (package / "locale/es/LC_MESSAGES/messages.po").open("rb") as source:
        spanish = {m.id: m.string for m in read_po(source) if m.id and not m.fuzzy}

    assert wanted - set(spanish) == set()
    for english, translated in spanish.items():
        assert translated, english
        if isinstance(english, tuple):  # a plural: each form names the count and the same values
            for form in translated:
                assert set(re.findall(r"%\(\w+\)s", form)) == set(re.findall(r"%\(\w+\)s", english[1])), english
            continue
        assert sorted(re.findall(r"%\(\w+\)s", english)) == sorted(re.findall(r"%\(\w+\)s", translated)), english


# -- the JSON API

API = "/api/v1"


def api_hold(client: TestClient, start_at: str = "2026-11-17T15:00:00Z", services: tuple[str, ...] = ("neurotoxin",),
             provider: str = "jessica-lin") -> dict:
    response = client.post(f"{API}/holds", json={"services": list(services), "provider": provider,
                                                 "start_at": start_at})
    assert response.status_code == 201, response.text
    return response.json()


def test_api_books_a_visit_end_to_end(client: TestClient, sms: RecordingSender) -> None:
    slots = client.get(f"{API}/availability", params={"services": "neurotoxin,lip-filler", "provider": "jessica-lin",
                                                      "from": "2026-11-17", "to": "2026-11-17"})
    assert slots.status_code == 200
    first = slots.json()["slots"][0]
    assert first == {"start_at": "2026-11-17T15:00:00Z", "local_time": "2026-11-17T10:00:00-05:00",
                     "provider": "jessica-lin", "location": "brooklyn"}

    hold = api_hold(client, first["start_at"], ("neurotoxin", "lip-filler"))
    assert hold["start_at"] == first["start_at"] and hold["end_at"] == "2026-11-17T16:25:00Z"
    quote = client.get(f"{API}/holds/{hold['token']}/quote").json()
    assert quote == {"deposit_cents": 15000, "card_required": True, "card_check_cents": 50, "currency": "USD",
                     "policy_text": quote["policy_text"]}

    check = client.post(f"{API}/phone-checks", json={"mobile": "(212) 555-0199"})
    assert check.status_code == 201 and check.json()["phone"] == "+12125550199"
    token = check.json()["token"]
    verified = client.post(f"{API}/phone-checks/{token}/verify", json={"code": last_code(sms)})
    assert verified.status_code == 200 and verified.json() == {"verified": True}

    booking = client.post(f"{API}/bookings", json={
        "hold": hold["token"], "phone_check": token, "first_name": "Nina", "last_name": "Patel",
        "email": "nina.patel@example.com", "mobile": "+12125550199", "payment_method": "pm_card_visa",
        "accept_policy": True})
    assert booking.status_code == 201, booking.text
    body = booking.json()
    assert body["services"] == ["neurotoxin", "lip-filler"] and body["price_cents"] == 120000
    assert (body["deposit_paid_cents"], body["simulated_payment"], body["card_last4"]) == (15000, True, "4242")
    again = client.get(f"{API}/bookings/{body['reference']}")
    assert again.status_code == 200
    assert {k: v for k, v in again.json().items() if v is not None} == {
        k: v for k, v in body.items() if k not in ("deposit_paid_cents", "simulated_payment", "card_last4")}


def test_api_hold_race_answers_409_with_alternatives(client: TestClient) -> None:
    api_hold(client)
    taken = client.post(f"{API}/holds", json={"services": ["neurotoxin"], "provider": "jessica-lin",
                                              "start_at": "2026-11-17T10:00:00-05:00"})

    assert taken.status_code == 409 and taken.headers["content-type"] == "application/problem+json"
    problem = taken.json()
    assert problem["code"] == "slot_taken"
    assert problem["alternatives"][0] == {"start_at": "2026-11-17T15:45:00Z", "provider": "jessica-lin",
                                          "location": "brooklyn"}


def test_api_resend_is_throttled_then_accepted(client: TestClient, clock: FixedClock, sms: RecordingSender) -> None:
    token = client.post(f"{API}/phone-checks", json={"mobile": "+12125550199"}).json()["token"]

    too_soon = client.post(f"{API}/phone-checks/{token}/resend")
    clock.advance(timedelta(seconds=31))
    later = client.post(f"{API}/phone-checks/{token}/resend")

    assert too_soon.status_code == 422 and "wait" in too_soon.json()["detail"]
    assert later.status_code == 202 and len(sms.sent) == 2


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("get", "/availability?services=botox&from=2026-11-17&to=2026-11-17", None, 404),
    ("get", "/availability?services=neurotoxin&from=2026-17-11&to=2026-11-17", None, 400),
    ("get", "/availability?services=neurotoxin&from=2026-11-17", None, 400),
    ("get", "/availability?services=neurotoxin&from=2026-11-01&to=2026-12-31", None, 422),
    ("get", "/availability?services=neurotoxin,hydrafacial&from=2026-11-17&to=2026-11-17", None, 422),
    ("post", "/holds", {"services": ["neurotoxin"], "provider": "jessica-lin"}, 400),
    ("post", "/holds", {"services": ["neurotoxin"], "provider": "jessica-lin", "start_at": "2026-11-17T10:00"}, 400),
    ("post", "/holds", {"services": [], "provider": "any", "start_at": "2026-11-17T15:00:00Z"}, 400),
    ("post", "/holds", {"services": ["neurotoxin"], "provider": "any", "start_at": "2026-11-17T15:00:00Z",
                        "extra": 1}, 400),
    ("post", "/holds", {"services": ["neurotoxin", "neurotoxin"], "provider": "any",
                        "start_at": "2026-11-17T15:00:00Z"}, 422),
    ("post", "/phone-checks", {"mobile": "12"}, 422),
    ("post", "/phone-checks", {"mobile": False}, 400),
    ("post", "/phone-checks/nope/verify", {"code": "123456"}, 404),
    ("post", "/phone-checks/nope/verify", {"code": 123456}, 400),
    ("get", "/holds/nope/quote", None, 422),
    ("post", "/bookings", {"hold": "x"}, 400),
    ("get", "/bookings/nope", None, 404),
])
def test_api_bad_input_gets_problem_details(client: TestClient, method: str, path: str, body: dict | None,
                                            status: int) -> None:
    response = client.request(method, API + path, json=body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["detail"] and "Traceback" not in response.text


def test_api_wrong_code_and_false_as_a_number_are_refused(client: TestClient, sms: RecordingSender) -> None:
    token = client.post(f"{API}/phone-checks", json={"mobile": "+12125550199"}).json()["token"]
    wrong = "000000" if last_code(sms) != "000000" else "111111"

    assert client.post(f"{API}/phone-checks/{token}/verify", json={"code": wrong}).status_code == 422
    hold = api_hold(client)
    booking = {"hold": hold["token"], "phone_check": token, "first_name": "Nina", "last_name": "Patel",
               "email": "nina.patel@example.com", "mobile": "+12125550199", "payment_method": "pm_card_visa",
               "accept_policy": True}
    unverified = client.post(f"{API}/bookings", json=booking)
    assert unverified.status_code == 422 and "code" in unverified.json()["detail"]
    as_number = client.post(f"{API}/bookings", json={**booking, "first_name": False})
    assert as_number.status_code == 400 and as_number.json()["errors"]


def test_api_is_documented_with_its_error_answers(client: TestClient) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]

    assert set(paths[f"{API}/holds"]["post"]["responses"]) >= {"201", "400", "409", "422"}
    assert set(paths[f"{API}/bookings"]["post"]["responses"]) >= {"201", "402", "409", "422"}
    assert "application/problem+json" in paths[f"{API}/availability"]["get"]["responses"]["404"]["content"]
    assert not any(path.startswith("/book") for path in paths)


def test_api_needs_no_csrf_token(client: TestClient) -> None:
    client.get("/")  # a CSRF cookie in the jar changes nothing for the API

    assert client.post(f"{API}/phone-checks", json={"mobile": "+12125550199"}).status_code == 201
