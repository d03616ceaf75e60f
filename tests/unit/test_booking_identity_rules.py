"""The pure rules of issue 12: who books into an existing profile, and when no more codes are texted."""

from __future__ import annotations

import pytest

from portalcore.domain.booking import books_into_profile
from portalcore.domain.verification import TEXTS_PER_IP, TEXTS_PER_NUMBER, TextBudget, TextsUsedUp


@pytest.mark.parametrize(("profile_mobile", "verified", "signed_in", "joins"), [
    ("+12125550143", "+12125550143", None, True),  # the mobile on the profile, proven by the code
    ("+12125550143", "+12125550177", None, False),  # only the email matches
    ("", "+12125550177", None, False),  # a profile without a mobile is never matched by one
    ("+12125550143", "+12125550177", 7, True),  # signed in as that patient
    ("+12125550143", "+12125550177", 8, False),  # signed in as somebody else
])
def test_a_known_email_books_into_its_profile_only_for_that_patient(
        profile_mobile: str, verified: str, signed_in: int | None, joins: bool) -> None:
    assert books_into_profile(7, profile_mobile, verified, signed_in) is joins


def test_texts_stop_at_each_limit_with_the_same_answer() -> None:
    TextBudget(to_number=TEXTS_PER_NUMBER - 1, from_ip=TEXTS_PER_IP - 1, clinic_today=9, clinic_per_day=10).check()
    refusals = []
    for budget in (TextBudget(to_number=TEXTS_PER_NUMBER, from_ip=0, clinic_today=0, clinic_per_day=10),
                   TextBudget(to_number=0, from_ip=TEXTS_PER_IP, clinic_today=0, clinic_per_day=10),
                   TextBudget(to_number=0, from_ip=0, clinic_today=10, clinic_per_day=10)):
        with pytest.raises(TextsUsedUp) as refused:
            budget.check()
        refusals.append((str(refused.value), refused.value.clinic_full))
    assert {text for text, _ in refusals} == {"We cannot send more codes right now. Please try again later or call "
                                             "the clinic."}
    assert [full for _, full in refusals] == [False, False, True]
