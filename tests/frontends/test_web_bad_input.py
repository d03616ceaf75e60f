"""Bad input is stopped where it enters, with a 4xx and a readable sentence, on SQLite and PostgreSQL alike:
control characters (PostgreSQL refuses NUL in text), days far outside the clinic's calendar, ids larger than
any record's, JSON nested without end or sent as something else, names with nothing readable in them."""

from __future__ import annotations

from datetime import date

import pytest
from litestar.testing import TestClient

from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_portal_visits import olivia_signed_in
from tests.frontends.web_forms import form, text_of

PROBLEM = "application/problem+json"


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


@pytest.mark.parametrize("path", [
    "/api/v1/bookings/a%00b",
    "/api/v1/availability?services=neur%00otoxin&from=2026-11-20&to=2026-11-21",
    "/api/v1/availability?services=neurotoxin&provider=any%01&from=2026-11-20&to=2026-11-21",
])
def test_control_characters_in_the_path_or_query_are_refused(client: TestClient, path: str) -> None:
    body = problem(client.get(path), 400, "control_characters")
    assert "control characters" in body["detail"]


def test_control_characters_in_a_json_string_are_refused(client: TestClient) -> None:
    sent = client.post("/api/v1/phone-checks", json={"mobile": "+1212555\u00000101"})
    problem(sent, 400, "control_characters")


def test_a_page_address_with_nul_gets_a_readable_page_in_spanish(client: TestClient) -> None:
    page = client.get("/bookings/a%00b?lang=es")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "caracteres de control" in text_of(page.text)


def test_a_form_field_with_nul_is_refused_before_it_reaches_the_database(client: TestClient) -> None:
    page = client.get("/login").text
    sent = client.post("/login", data=form(page, "/login").data(email="ana\x00@example.com", password="x"))
    assert sent.status_code == 400 and "control characters" in text_of(sent.text)


def test_a_cookie_with_nul_is_refused(client: TestClient) -> None:
    client.cookies.set("portal_session", "abc%00def")
    assert client.get("/portal").status_code == 400


def test_json_nested_without_end_is_refused(client: TestClient) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    sent = client.post("/api/v1/holds", content=deep, headers={"content-type": "application/json"})
    problem(sent, 400, "too_deep")


def test_json_sent_without_its_content_type_is_refused(client: TestClient) -> None:
    sent = client.post("/api/v1/holds", content=b'{"services": ["neurotoxin"]}',
                       headers={"content-type": "text/plain"})
    problem(sent, 415, "unsupported_media_type")


@pytest.mark.parametrize("first, last", [("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02"),
                                         ("2027-06-01", "2027-06-02")])
def test_availability_outside_the_clinic_horizon_is_refused(client: TestClient, first: str, last: str) -> None:
    found = client.get(f"/api/v1/availability?services=neurotoxin&from={first}&to={last}")
    body = problem(found, 422, "invalid_input")
    assert body["detail"] == "That day is outside the days the clinic books online."


@pytest.mark.parametrize("start_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00",
                                      "2031-01-01T15:00:00Z"])
def test_holding_a_time_far_away_is_refused(client: TestClient, start_at: str) -> None:
    sent = client.post("/api/v1/holds", json={"services": ["neurotoxin"], "provider": "any", "start_at": start_at})
    problem(sent, 422, "invalid_input")


@pytest.mark.parametrize("day", ["9999-12-30", "0001-01-01"])
def test_the_times_page_far_away_shows_this_week(client: TestClient, day: str) -> None:
    page = client.get(f"/book/times?services=neurotoxin&provider=any&from={day}")
    assert page.status_code == 200 and "Choose a time" in text_of(page.text)


def test_the_times_page_offers_no_week_past_the_horizon(client: TestClient) -> None:
    # the demo clinic books 90 days ahead from 2026-11-16: the week of 2027-02-11 reaches its last day
    page = client.get("/book/times?services=neurotoxin&provider=any&from=2027-02-11")
    assert page.status_code == 200 and "Next week" not in text_of(page.text)
    assert "Next week" in text_of(client.get("/book/times?services=neurotoxin&provider=any").text)


@pytest.mark.parametrize("visit_id", [str(2**31), str(2**63), "99999999999999999999999", "0"])
def test_ids_beyond_any_record_are_refused_before_the_lookup(client: TestClient, demo_portal: Portal,
                                                             mailer: RecordingSender, visit_id: str) -> None:
    olivia_signed_in(client, demo_portal, mailer)
    page = client.get(f"/portal/visits/{visit_id}/reschedule", follow_redirects=False)
    assert page.status_code == 400 and "not valid" in text_of(page.text)


def test_a_waitlist_for_the_year_9999_is_refused(demo_portal: Portal) -> None:
    olivia = demo_portal.patients.by_email("olivia.martinez@example.com")
    assert olivia is not None and olivia.id is not None
    with pytest.raises(InvalidInput, match="outside the days the clinic books"):
        demo_portal.waitlist.join(olivia.id, ["neurotoxin"], "any", date(9999, 1, 1), date(9999, 1, 2))
    with pytest.raises(InvalidInput, match="outside the days the clinic books"):
        demo_portal.waitlist.join(olivia.id, ["neurotoxin"], "any", date(2027, 3, 1), date(2027, 3, 2), by_patient=True)
    assert demo_portal.waitlist.entries(olivia.id) == []


@pytest.mark.parametrize("first_name", ["\u200b\u200b", "\u200b \u2060", "...", "Ana\x07"])
def test_a_name_with_nothing_readable_is_refused(demo_portal: Portal, first_name: str) -> None:
    with pytest.raises(InvalidInput, match="first and .*last name"):
        demo_portal.patients.add(first_name=first_name, last_name="Smith")
    assert demo_portal.patients.find("Smith") == [] or all(
        p.first_name.strip("\u200b\u2060. ") for p in demo_portal.patients.find("Smith"))


def test_invisible_characters_are_taken_out_of_a_name(demo_portal: Portal) -> None:
    added = demo_portal.patients.add(first_name="\u200bZoë\u200d", last_name="  de   la Cruz ")
    assert (added.first_name, added.last_name) == ("Zoë", "de la Cruz")
