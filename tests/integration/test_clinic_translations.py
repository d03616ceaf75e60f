"""Clinic texts in other languages (issue 12, finding 23): the clinic file carries them, the store keeps them,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from portalcore.bootstrap import Portal, read_clinic_file
from portalcore.domain.errors import InvalidInput
from portalcore.domain.translations import in_language


def test_the_clinic_files_translations_survive_the_round_trip(demo_portal: Portal) -> None:
    filler = demo_portal.catalog.service("lip-filler")
    category = next(entry.category for entry in demo_portal.catalog.online_catalog()
                    if entry.category.slug == "injectables")
    policy = demo_portal.catalog.clinic().settings.cancellation

    assert in_language(filler, "name", "es") == "Relleno de labios (1 jeringa)"
    assert in_language(filler, "name", "en") == "Lip Filler (1 syringe)"
    assert in_language(filler, "name", "fr") == "Lip Filler (1 syringe)"  # the clinic's own words otherwise
    assert in_language(category, "name", "es") == "Inyectables"
    assert in_language(policy, "text", "es").startswith("Avísenos con al menos 24 horas")


def test_changing_a_setting_keeps_the_policys_translation_until_its_text_changes(demo_portal: Portal) -> None:
    kept = demo_portal.setup.change_settings({"min_notice_minutes": "60"}).settings.cancellation
    rewritten = demo_portal.setup.change_settings({"cancellation.text": "Call us to cancel."}).settings.cancellation

    assert in_language(kept, "text", "es").startswith("Avísenos")
    assert in_language(rewritten, "text", "es") == "Call us to cancel."


def test_a_clinic_file_may_translate_only_texts(portal: Portal) -> None:
    data = read_clinic_file()
    data["services"][0]["translations"] = {"es": {"price_cents": "0"}}

    with pytest.raises(InvalidInput, match="only name, description can be translated"):
        portal.setup.import_clinic(data)
    with pytest.raises(Exception, match="not set up"):
        portal.catalog.clinic()
