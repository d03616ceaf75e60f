"""Issue 12, finding 3: texting booking codes cannot be abused (SMS pumping and bombing), on both databases.

Through the JSON API and the checkout pages: texts are limited per number, per sender and per clinic and day
(with an alert for the clinic), only mobiles are texted, a verified check books one visit, and the phone step
carries the CAPTCHA when the clinic has one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from portal_cli.main import app as cli
from portal_web import create_app
from portalcore.adapters.captcha import TurnstileCaptcha
from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.outbox import Channel
from tests.fakes.captcha_fake import FakeSiteverify
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_booking import API, NINA, api_hold, hold_time, last_code
from tests.frontends.web_forms import form, text_of, title_of

NO_MORE = "We cannot send more codes right now. Please try again later or call the clinic."


def ask(client: TestClient, mobile: str) -> tuple[int, dict]:
    answer = client.post(f"{API}/phone-checks", json={"mobile": mobile})
    return answer.status_code, answer.json()


def test_one_number_gets_five_codes_an_hour(client: TestClient, clock: FixedClock, sms: RecordingSender) -> None:
    answers = [ask(client, "+12125550199") for _ in range(7)]

    assert [status for status, _ in answers] == [201] * 5 + [422] * 2
    assert answers[5][1]["detail"] == NO_MORE and len(sms.sent) == 5
    assert ask(client, "+12125550198")[0] == 201  # another number is not held up
    clock.advance(timedelta(minutes=61))
    assert ask(client, "+12125550199")[0] == 201 and len(sms.sent) == 7


def test_resending_counts_against_the_number_too(client: TestClient, clock: FixedClock,
                                                 sms: RecordingSender) -> None:
    tokens = [ask(client, "+12125550199")[1]["token"] for _ in range(4)]
    clock.advance(timedelta(seconds=31))

    assert client.post(f"{API}/phone-checks/{tokens[0]}/resend").status_code == 202
    refused = client.post(f"{API}/phone-checks/{tokens[1]}/resend")
    assert refused.status_code == 422 and refused.json()["detail"] == NO_MORE and len(sms.sent) == 5


def test_one_sender_gets_twenty_codes_an_hour_whatever_the_numbers(client: TestClient, sms: RecordingSender) -> None:
    statuses = [ask(client, f"+1212555{n:04d}")[0] for n in range(100, 122)]

    assert statuses == [201] * 20 + [422] * 2 and len(sms.sent) == 20


def test_the_clinics_daily_limit_stops_texts_and_alerts_the_clinic(
        client: TestClient, demo_portal: Portal, clock: FixedClock, sms: RecordingSender,
        caplog: pytest.LogCaptureFixture) -> None:
    demo_portal.setup.change_settings({"phone_checks_per_day": "3"})

    with caplog.at_level(logging.WARNING):
        statuses = [ask(client, f"+1212555{n:04d}")[0] for n in range(100, 106)]

    assert statuses == [201] * 3 + [422] * 3 and len(sms.sent) == 3
    alerts = [e.message for e in demo_portal.outbox.entries() if e.message.idempotency_key.startswith("alert:")]
    assert [(a.channel, a.recipient) for a in alerts] == [(Channel.EMAIL, "hello@lumen-medspa.example")]
    assert "online booking codes paused" in alerts[0].subject
    assert any("daily limit of 3 texts" in r.getMessage() for r in caplog.records)
    listed = CliRunner().invoke(cli, ["outbox", "list"], env={"PORTAL_DATABASE_URL": demo_portal.settings.database_url})
    assert "alert:phone-checks" in listed.output or "hello@lumen-medspa.example" in listed.output, listed.output
    clock.advance(timedelta(days=1))  # a new day in New York
    assert ask(client, "+12125550199")[0] == 201


@pytest.mark.parametrize("number", ["+18005550123", "+19005550123", "(800) 555-0123"])
def test_toll_free_and_premium_rate_numbers_get_no_code(client: TestClient, sms: RecordingSender,
                                                        number: str) -> None:
    status, problem = ask(client, number)

    assert status == 422 and problem["detail"] == "Please give a mobile number that can receive text messages."
    assert sms.sent == []


def test_a_verified_phone_check_books_one_visit(client: TestClient, sms: RecordingSender) -> None:
    token = ask(client, "+12125550199")[1]["token"]
    assert client.post(f"{API}/phone-checks/{token}/verify", json={"code": last_code(sms)}).status_code == 200
    booking = {"phone_check": token, "first_name": "Nina", "last_name": "Patel", "email": "nina.patel@example.com",
               "mobile": "+12125550199", "payment_method": "pm_card_visa", "accept_policy": True}

    first = client.post(f"{API}/bookings", json={**booking, "hold": api_hold(client)["token"]})
    second = client.post(f"{API}/bookings", json={
        **booking, "hold": api_hold(client, "2026-11-17T17:00:00Z")["token"]})

    assert first.status_code == 201, first.text
    assert second.status_code == 422 and "code" in second.json()["detail"]
    assert client.post(f"{API}/phone-checks/{token}/verify", json={"code": "123456"}).status_code == 404


@pytest.fixture
def siteverify(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSiteverify]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with FakeSiteverify(secret="turnstile-secret", good_token="human-token") as server:
        yield server


@pytest.fixture
def captcha_client(demo_portal: Portal, siteverify: FakeSiteverify) -> Iterator[TestClient]:
    demo_portal.captcha = TurnstileCaptcha("turnstile-site-key", "turnstile-secret", verify_url=siteverify.url)
    with TestClient(app=create_app(demo_portal)) as test_client:
        yield test_client


def test_the_phone_step_asks_for_the_captcha_when_the_clinic_has_one(captcha_client: TestClient,
                                                                      sms: RecordingSender) -> None:
    checkout = hold_time(captcha_client)
    page = captcha_client.get(checkout).text
    assert 'class="cf-turnstile" data-sitekey="turnstile-site-key"' in page

    refused = captcha_client.post(f"{checkout}/phone", data=form(page, f"{checkout}/phone").data(**NINA))
    assert refused.status_code == 400 and "not a robot" in text_of(refused.text) and sms.sent == []
    sent = captcha_client.post(f"{checkout}/phone", data=form(page, f"{checkout}/phone").data(
        **NINA, **{"cf-turnstile-response": "human-token"}))
    assert sent.status_code == 200 and title_of(sent.text).startswith("Enter your code") and len(sms.sent) == 1

    api_refused = captcha_client.post(f"{API}/phone-checks", json={"mobile": "+12125550198"})
    api_sent = captcha_client.post(f"{API}/phone-checks", json={"mobile": "+12125550198",
                                                                "captcha_token": "human-token"})
    assert (api_refused.status_code, api_sent.status_code) == (400, 201) and len(sms.sent) == 2
