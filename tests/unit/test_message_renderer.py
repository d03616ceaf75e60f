"""The message templates: every one renders in every language, falls back sensibly and escapes HTML."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from portalcore.adapters.templates import Jinja2MessageRenderer

CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {"clinic_name": "Lumen Aesthetics", "patient_name": "Ann Lee", "link": "https://portal.test/activate/abc"},
    "appointment_confirmation": {
        "clinic_name": "Lumen Aesthetics", "patient_name": "Ann Lee", "when": "Tue 3 Mar 2026, 10:00",
        "services": ["Hydrafacial", "LED therapy"], "provider_name": "Dr. Rivera", "location_name": "Downtown",
        "manage_link": "https://portal.test/appointments/12",
    },
    "pre_instructions": {
        "clinic_name": "Lumen Aesthetics", "patient_name": "Ann Lee",
        "instructions": [{"title": "Avoid the sun", "body": "No tanning for 2 weeks."},
                         {"title": "Skin care", "body": "Stop retinol 3 days before."}],
    },
    "login_code": {"clinic_name": "Lumen Aesthetics", "code": "482913", "minutes": 10},
}
CONTEXTS["appointment_confirmation_sms"] = CONTEXTS["appointment_confirmation"]
GREETING = {"en": "Hello", "es": "Hola"}


@pytest.fixture(scope="module")
def renderer() -> Jinja2MessageRenderer:
    return Jinja2MessageRenderer()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", ["welcome", "appointment_confirmation", "pre_instructions", "login_code"])
def test_every_email_template_renders_subject_text_and_html(renderer, name, language):
    subject, text, html = renderer.render(name, language, CONTEXTS[name])

    assert subject and "\n" not in subject
    assert "Lumen Aesthetics" in text
    assert html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in html
    for value in CONTEXTS[name].values():
        if isinstance(value, str):
            assert value in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_templates_greet_in_the_patients_language(renderer, language):
    _, text, _ = renderer.render("welcome", language, CONTEXTS["welcome"])

    assert text.startswith(f"{GREETING[language]}")


def test_confirmation_lists_every_service_and_the_manage_link(renderer):
    _, text, html = renderer.render("appointment_confirmation", "en", CONTEXTS["appointment_confirmation"])

    assert "Services: Hydrafacial, LED therapy" in text
    assert 'href="https://portal.test/appointments/12"' in html


def test_pre_instructions_include_each_instruction(renderer):
    _, text, html = renderer.render("pre_instructions", "es", CONTEXTS["pre_instructions"])

    for item in CONTEXTS["pre_instructions"]["instructions"]:
        assert item["title"] in text and item["body"] in text
        assert item["title"] in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_sms_template_is_one_short_line_without_subject_or_html(renderer, language):
    subject, text, html = renderer.render("appointment_confirmation_sms", language, CONTEXTS["appointment_confirmation_sms"])

    assert (subject, html) == ("", "")
    assert "\n" not in text and len(text) <= 320
    assert "https://portal.test/appointments/12" in text
    assert text.isascii()


def test_login_code_says_minute_in_singular_for_one(renderer):
    _, text, _ = renderer.render("login_code", "en", {**CONTEXTS["login_code"], "minutes": 1})

    assert "1 minute." in text


def test_regional_language_falls_back_to_its_base_language(renderer):
    subject, _, _ = renderer.render("welcome", "es-MX", CONTEXTS["welcome"])

    assert subject == renderer.render("welcome", "es", CONTEXTS["welcome"])[0]
    assert renderer.resolve_language("welcome", "es_MX") == "es"


@pytest.mark.parametrize("language", ["fr", "", "../../etc", "pt-BR"])
def test_unknown_or_odd_language_falls_back_to_english(renderer, language):
    subject, _, _ = renderer.render("welcome", language, CONTEXTS["welcome"])

    assert subject == "Activate your Lumen Aesthetics patient portal"


def test_html_escapes_a_patient_name_but_text_keeps_it_verbatim(renderer):
    context = {**CONTEXTS["welcome"], "patient_name": "<b>Ann</b>"}

    _, text, html = renderer.render("welcome", "en", context)

    assert "&lt;b&gt;Ann&lt;/b&gt;" in html and "<b>Ann</b>" not in html
    assert "Hello <b>Ann</b>," in text


def test_missing_variable_fails_loudly(renderer):
    context = {key: value for key, value in CONTEXTS["welcome"].items() if key != "link"}

    with pytest.raises(jinja2.UndefinedError):
        renderer.render("welcome", "en", context)


def test_unknown_template_raises_lookup_error(renderer):
    with pytest.raises(LookupError):
        renderer.render("no_such_message", "en", {})
    with pytest.raises(LookupError):
        renderer.render("../en/welcome", "en", {})


def test_subject_is_collapsed_to_one_line(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "note.subject.txt").write_text("Hello\n  {{ name }}\n")
    (tmp_path / "en" / "note.txt").write_text("Body for {{ name }}\n")

    subject, text, html = Jinja2MessageRenderer(tmp_path).render("note", "en", {"name": "Ann"})

    assert (subject, text, html) == ("Hello Ann", "Body for Ann", "")
