"""A patient who reads Spanish sees Spanish everywhere: the wording of pages, emails and texts (issue 12)."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.frontends.test_web_booking import NINA, TIMES, hold_time
from tests.frontends.test_web_records import signed_in
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


# -- finding 22: the core's messages, with their values, in the page's language


def test_a_spanish_sign_up_says_in_spanish_why_the_password_is_too_short(client: TestClient) -> None:
    page = client.get("/signup?lang=es").text
    answer = client.post("/signup", data=form(page, "/signup").data(
        first_name="Maya", last_name="Chen", email="maya@example.com", mobile="", password="tangerine7"))

    alert = re.search(r'<div class="alert" role="alert" id="form-error">(.*?)</div>', answer.text, re.DOTALL)
    assert answer.status_code == 422 and alert is not None
    assert text_of(alert.group(1)) == "Use al menos 12 caracteres."


def test_wrong_booking_codes_count_down_in_spanish(client: TestClient, sms: RecordingSender) -> None:
    client.get("/?lang=es")
    checkout = hold_time(client, time="10:00 a.m.")
    step1 = client.get(checkout).text
    step2 = client.post(f"{checkout}/phone", data=form(step1, f"{checkout}/phone").data(**NINA)).text
    wrong = form(step2, f"{checkout}/verify").data(code="000000" if "000000" not in sms.sent[-1].text else "111111")

    answers = [text_of(client.post(f"{checkout}/verify", data=wrong).text) for _ in range(4)]

    assert "Ese código no es correcto. Le quedan 4 intentos." in answers[0]
    assert "Ese código no es correcto. Le queda 1 intento." in answers[3]
    assert not any("tries left" in answer or "try left" in answer for answer in answers)


def test_a_spanish_checkout_refuses_a_bad_phone_and_email_in_spanish(client: TestClient) -> None:
    client.get("/?lang=es")
    checkout = hold_time(client, time="10:00 a.m.")
    step1 = form(client.get(checkout).text, f"{checkout}/phone")

    bad_phone = client.post(f"{checkout}/phone", data=step1.data(**{**NINA, "mobile": "555"}))
    bad_email = client.post(f"{checkout}/phone", data=step1.data(**{**NINA, "email": "nina.patel@"}))

    assert bad_phone.status_code == 422 and "«555» no es un número de teléfono válido." in text_of(bad_phone.text)
    assert "«nina.patel@» no es una dirección de correo electrónico válida." in text_of(bad_email.text)


def test_a_bad_query_value_is_explained_in_spanish_naming_the_field(client: TestClient) -> None:
    response = client.get(f"{TIMES}&lang=es".replace("2026-11-17", "17-11-2026"))

    assert response.status_code == 400
    assert "«from» no tiene un valor válido." in text_of(response.text)
    assert "Expected" not in response.text


def test_the_api_answers_in_the_language_asked_for_and_in_english_otherwise(client: TestClient) -> None:
    asked = "/api/v1/availability?services=nothing-here&provider=any&from=2026-11-17&to=2026-11-18"
    spanish = client.get(asked, headers={"accept-language": "es"})
    english = client.get(asked)

    assert spanish.json()["detail"] == "No existe el servicio «nothing-here»."
    assert english.json()["detail"] == "There is no service 'nothing-here'."


# -- finding 23: the clinic's own texts, translated in the clinic file


def test_the_spanish_catalogue_shows_the_clinics_spanish_names_and_descriptions(client: TestClient) -> None:
    spanish = text_of(client.get("/?lang=es").text)
    english = text_of(client.get("/?lang=en").text)

    for text in ("Inyectables", "Relleno de labios (1 jeringa)", "Depilación láser – zona pequeña",
                 "Labio superior, barbilla o axilas."):
        assert text in spanish and text not in english
    assert "Lip Filler (1 syringe)" in english and "Lip Filler" not in spanish
    assert "HydraFacial Signature" in spanish  # the clinic's own name where it gave no other


def test_a_spanish_checkout_shows_the_cancellation_policy_in_spanish(client: TestClient, sms: RecordingSender) -> None:
    client.get("/?lang=es")
    checkout = hold_time(client, time="10:00 a.m.")
    step1 = client.get(checkout).text
    step2 = client.post(f"{checkout}/phone", data=form(step1, f"{checkout}/phone").data(**NINA)).text
    code = re.search(r"\b(\d{6})\b", sms.sent[-1].text)
    assert code is not None

    step3 = text_of(client.post(f"{checkout}/verify", data=form(step2, f"{checkout}/verify").data(
        code=code.group(1))).text)

    assert "Avísenos con al menos 24 horas de antelación" in step3 and "24 hours' notice" not in step3
    assert "Botox / Dysport (hasta 3 zonas)" in step3


def test_a_spanish_patient_gets_treatment_names_and_instructions_in_spanish(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> None:
    book_in_spanish(client, sms)
    demo_portal.dispatcher.dispatch_due()

    emails = {m.subject: m.text for m in mailer.sent if m.recipient == NINA["email"]}
    confirmation = next(text for subject, text in emails.items() if "confirmada" in subject)
    before = next(text for text in emails.values() if "Antes de su tratamiento con inyectables" in text)
    assert "Botox / Dysport (hasta 3 zonas)" in confirmation
    assert "Evite el alcohol, la aspirina" in before and "Avoid alcohol" not in before


def test_the_spanish_provider_page_gives_the_providers_titles_in_spanish(client: TestClient) -> None:
    spanish = text_of(client.get("/book/provider?services=neurotoxin&lang=es").text)

    assert "Jessica Lin NP-C, enfermera especialista en medicina estética" in spanish
    assert "Aesthetic Nurse Practitioner" not in spanish


def test_the_spanish_visits_page_names_the_treatments_in_spanish(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    signed_in(client, demo_portal, mailer)

    shown = text_of(client.get("/portal/visits?lang=es").text)

    assert "Facial con dermaplaning" in shown and "Dermaplaning Facial" not in shown
