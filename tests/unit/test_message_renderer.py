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
    "phone_code_sms": {"clinic_name": "Lumen Aesthetics", "code": "482913", "minutes": 10},
    "login_code_sms": {"clinic_name": "Lumen Aesthetics", "code": "482913", "minutes": 10},
    "portal_access_sms": {
        "clinic_name": "Lumen Aesthetics", "patient_name": "Ann Lee", "email_sent": False,
        "link": "https://portal.test/activate/sms1",
    },
    "verify_email": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "link": "https://portal.test/verify/v1", "hours": 24,
    },
    "signup_exists": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "login_link": "https://portal.test/login",
        "reset_link": "https://portal.test/password/forgot",
    },
    "email_in_use": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "login_link": "https://portal.test/login",
        "reset_link": "https://portal.test/password/forgot",
    },
    "password_reset": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "link": "https://portal.test/password/reset/r1",
        "minutes": 30,
    },
    "password_changed": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "when": "Tue 3 Mar 2026, 10:00",
        "reset_link": "https://portal.test/password/forgot",
    },
    "email_change_confirm": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "new_email": "ann.new@example.com",
        "link": "https://portal.test/email/confirm/e1", "hours": 24,
    },
    "email_changed": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "new_email": "ann.new@example.com",
        "when": "Tue 3 Mar 2026, 10:00",
    },
    "second_factor_changed": {
        "clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "factor": "an authenticator app", "added": True,
        "when": "Tue 3 Mar 2026, 10:00",
    },
    "proxy_granted": {
        "clinic_name": "Lumen Aesthetics", "name": "Ben Lee", "patient_name": "Ann Lee", "scope": "visits_forms",
        "link": "https://portal.test/login",
    },
    "proxy_invite": {
        "clinic_name": "Lumen Aesthetics", "name": "Ben Lee", "patient_name": "Ann Lee", "scope": "visits_forms",
        "link": "https://portal.test/access/proxy/p1", "days": 7,
    },
    "invitation_reminder": {"clinic_name": "Lumen Aesthetics", "patient_name": "Ann Lee",
                            "link": "https://portal.test/access/invite/again"},
    "proxy_access_ended": {"clinic_name": "Lumen Aesthetics", "name": "Ben Lee", "patient_name": "Ann Lee"},
    "proxy_access_ended_patient": {"clinic_name": "Lumen Aesthetics", "name": "Ann Lee", "proxy_name": "Ben Lee",
                                   "link": "https://portal.test/settings/proxies"},
}
CONTEXTS["appointment_confirmation_sms"] = CONTEXTS["appointment_confirmation"]
GREETING = {"en": "Hello", "es": "Hola"}
EMAILS = [
    "welcome", "appointment_confirmation", "pre_instructions", "login_code", "verify_email", "signup_exists",
    "password_reset", "password_changed", "email_change_confirm", "email_changed", "second_factor_changed",
    "proxy_granted", "invitation_reminder", "proxy_access_ended", "proxy_access_ended_patient", "email_in_use",
    "proxy_invite",
]
SMS = ["appointment_confirmation_sms", "phone_code_sms", "login_code_sms", "portal_access_sms"]
# Context values that are codes for the template to turn into words, not text to show as is.
CODES = {"scope"}


@pytest.fixture(scope="module")
def renderer() -> Jinja2MessageRenderer:
    return Jinja2MessageRenderer()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", EMAILS)
def test_every_email_template_renders_subject_text_and_html(renderer, name, language):
    subject, text, html = renderer.render(name, language, CONTEXTS[name])

    assert subject and "\n" not in subject
    assert "Lumen Aesthetics" in text
    assert html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in html
    for key, value in CONTEXTS[name].items():
        if isinstance(value, str) and key not in CODES:
            assert value in text


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", EMAILS + SMS)
def test_no_template_syntax_is_left_in_the_output(renderer, name, language):
    for part in renderer.render(name, language, CONTEXTS[name]):
        for leftover in ("{{", "}}", "{%", "%}", "{#", "#}", "None", "Undefined"):
            assert leftover not in part


@pytest.mark.parametrize("name", EMAILS + SMS)
def test_spanish_is_a_translation_not_a_copy_of_english(renderer, name):
    english = renderer.render(name, "en", CONTEXTS[name])
    spanish = renderer.render(name, "es", CONTEXTS[name])

    assert renderer.resolve_language(name, "es") == "es"
    for en_part, es_part in zip(english, spanish):
        assert en_part == es_part == "" or en_part != es_part


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", EMAILS)
def test_every_email_escapes_names_in_html(renderer, name, language):
    names = {key for key in ("name", "patient_name") if key in CONTEXTS[name]}
    context = {**CONTEXTS[name], **{key: "<b>Ann</b>" for key in names}}

    _, text, html = renderer.render(name, language, context)

    if names:
        assert "&lt;b&gt;Ann&lt;/b&gt;" in html and "<b>Ann</b>" in text
    assert "<b>Ann</b>" not in html


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
@pytest.mark.parametrize("name", SMS)
def test_sms_template_is_one_short_line_without_subject_or_html(renderer, name, language):
    subject, text, html = renderer.render(name, language, CONTEXTS[name])

    assert (subject, html) == ("", "")
    assert "\n" not in text and len(text) <= 320
    assert text.startswith("Lumen Aesthetics: ")
    for key, value in CONTEXTS[name].items():
        if key.endswith("link"):
            assert value in text
    # English stays in GSM-7; Spanish is spelled properly (issue 12: "su código"), accents cost SMS length
    assert text.isascii() or language == "es"


@pytest.mark.parametrize("language", ["en", "es"])
def test_portal_access_sms_carries_the_link_only_when_no_email_was_sent(renderer, language):
    context = CONTEXTS["portal_access_sms"]

    _, without_email, _ = renderer.render("portal_access_sms", language, {**context, "email_sent": False})
    _, with_email, _ = renderer.render("portal_access_sms", language, {**context, "email_sent": True})
    _, with_email_no_link, _ = renderer.render(
        "portal_access_sms", language, {**context, "email_sent": True, "link": ""}
    )
    _, nothing, _ = renderer.render("portal_access_sms", language, {**context, "email_sent": False, "link": ""})

    assert context["link"] in without_email
    assert context["link"] not in with_email and "http" not in with_email_no_link
    assert with_email == with_email_no_link
    for text in (without_email, with_email, nothing):
        assert "\n" not in text and len(text) <= 320 and text.isascii()
        assert text.startswith("Lumen Aesthetics: ") and "Ann Lee" in text
    assert not nothing.rstrip().endswith(":")


@pytest.mark.parametrize("language", ["en", "es"])
def test_second_factor_changed_says_whether_it_was_added_or_removed(renderer, language):
    context = CONTEXTS["second_factor_changed"]

    added = renderer.render("second_factor_changed", language, {**context, "added": True})
    removed = renderer.render("second_factor_changed", language, {**context, "added": False})

    assert added[0] != removed[0] and added[1] != removed[1]
    assert "an authenticator app" in added[1] and "an authenticator app" in removed[1]


def test_second_factor_changed_renders_the_factor_as_given(renderer):
    _, text, _ = renderer.render("second_factor_changed", "en", CONTEXTS["second_factor_changed"])

    assert "an authenticator app was added to your Lumen Aesthetics patient portal account" in text


@pytest.mark.parametrize(("scope", "phrase"), [("all", "everything in their portal"),
                                                 ("visits_forms", "their appointments and forms only")])
def test_proxy_granted_describes_the_scope_in_words(renderer, scope, phrase):
    _, text, html = renderer.render("proxy_granted", "en", {**CONTEXTS["proxy_granted"], "scope": scope})

    assert phrase in text and phrase in html
    assert "visits_forms" not in text


def test_proxy_granted_never_describes_an_unknown_scope_as_everything(renderer):
    _, text, _ = renderer.render("proxy_granted", "en", {**CONTEXTS["proxy_granted"], "scope": "something_new"})

    assert "their appointments and forms only" in text and "everything" not in text


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
