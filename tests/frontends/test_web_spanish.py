"""A patient who reads Spanish sees Spanish everywhere: the wording of pages, emails and texts (issue 12)."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_booking import NINA, hold_time, reach_confirm_step
from tests.frontends.web_forms import form, text_of


def book_in_spanish(client: TestClient, sms: RecordingSender, time: str = "10:00 a.m.") -> str:
    """Books Nina's Botox visit through the Spanish pages; returns the confirmation page."""
    client.get("/?lang=es")
    checkout = hold_time(client, time=time)
    step1 = client.get(checkout).text
    step2 = client.post(f"{checkout}/phone", data=form(step1, f"{checkout}/phone").data(**NINA)).text
    code = next(word for word in sms.sent[-1].text.split() if word.rstrip(".").isdigit() and len(word) >= 6)
    step3 = client.post(f"{checkout}/verify", data=form(step2, f"{checkout}/verify").data(code=code.rstrip("."))).text
    return client.post(f"{checkout}/confirm", data=form(step3, f"{checkout}/confirm").data(accept_policy="yes")).text


# -- finding 24: wording


def test_the_spanish_cart_calls_the_length_of_a_visit_a_duration(client: TestClient) -> None:
    page = text_of(client.get("/book?services=neurotoxin&lang=es").text)

    assert "Duración 30 min" in page and "Hora 30 min" not in page


def test_a_spanish_time_never_ends_a_sentence_with_two_full_stops(client: TestClient, sms: RecordingSender) -> None:
    client.get("/?lang=es")
    checkout = hold_time(client, time="10:00 a.m.")

    page = text_of(client.get(checkout).text)

    assert re.search(r"Hasta las \d{1,2}:\d\d a\.m\. le reservamos esta hora\.", page), page
    assert "a.m.." not in page


def test_spanish_texts_spell_codigo_with_its_accent(client: TestClient, sms: RecordingSender) -> None:
    client.get("/?lang=es")
    checkout = hold_time(client, time="10:00 a.m.")
    reach = form(client.get(checkout).text, f"{checkout}/phone")

    client.post(f"{checkout}/phone", data=reach.data(**NINA))

    assert "su código de reserva es" in sms.sent[-1].text


def test_a_spanish_booking_names_the_day_with_de_and_the_card_in_spanish(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    page = text_of(book_in_spanish(client, sms))
    demo_portal.dispatcher.dispatch_due()

    assert "Tarjeta terminada en 4242 (simulada)" in page
    email = next(m for m in mailer.sent if m.recipient == NINA["email"] and "confirmada" in m.subject)
    assert "martes, 17 de noviembre de 2026, 10:00 a.m." in email.text
    text = next(m.text for m in sms.sent if "Confirmamos" in m.text)
    assert "martes, 17 de noviembre de 2026, 10:00 a.m. con Jessica Lin" in text and ".." not in text
