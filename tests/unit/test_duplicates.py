"""When two patient profiles look like one person, without a database."""

from __future__ import annotations

from datetime import date

from portalcore.domain.duplicates import DuplicateReason, likely_duplicates, name_key
from portalcore.domain.patients import Patient


def test_names_compare_without_accents_capitals_hyphens_or_extra_spaces() -> None:
    assert name_key("  Lucía ", "FERNÁNDEZ") == name_key("lucia", "fernandez") == "lucia fernandez"
    assert name_key("Mary-Jane", "O'Neil") == name_key("mary jane", "o neil")
    assert name_key("Ann", "Lee") != name_key("Anne", "Lee")


def test_profiles_without_birth_date_are_not_paired_on_name_alone() -> None:
    patients = [Patient("Ann", "Lee", id=1), Patient("Ann", "Lee", id=2)]
    assert likely_duplicates(patients) == []


def test_a_pair_sharing_both_name_with_birth_date_and_mobile_appears_under_both_reasons() -> None:
    born = date(1990, 5, 1)
    first = Patient("Ann", "Lee", mobile="+12125550177", date_of_birth=born, id=7)
    second = Patient("ANN", "LEE", mobile="+12125550177", date_of_birth=born, id=3)
    groups = likely_duplicates([first, second])
    assert [(g.reason, [p.id for p in g.patients]) for g in groups] == [
        (DuplicateReason.NAME_AND_BIRTH_DATE, [3, 7]), (DuplicateReason.MOBILE, [3, 7])]
