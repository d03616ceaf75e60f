"""Password rules: length in NFKC code points, no truncation, common/leaked passwords, context words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portalcore.adapters.argon2_hasher import Argon2PasswordHasher
from portalcore.adapters.breached_passwords import BundledBreachedPasswords
from portalcore.domain.errors import InvalidInput
from portalcore.domain.passwords import (
    PasswordPolicy,
    check_password,
    context_words,
    normalize_password,
    password_problems,
)

POLICY = PasswordPolicy()
BUNDLED = BundledBreachedPasswords()
GOOD = "velvet orchard tangerine piano"
NINA = context_words(clinic_name="Lumen Aesthetics & Med Spa", first_name="Nina", last_name="Patel",
                     email="nina.patel.1990@example.com")


def never_breached(_password: str) -> bool:
    return False


def problems(password: str, *, policy: PasswordPolicy = POLICY, context: tuple[str, ...] = NINA) -> list[str]:
    return [str(problem) for problem in password_problems(password, policy=policy, context=context,
                                                          breached=BUNDLED.is_breached)]


def test_nfkc_makes_full_width_letters_equal_to_ascii() -> None:
    assert normalize_password("ｐａｓｓｗｏｒｄ") == "password"
    assert BUNDLED.is_breached("ｐａｓｓｗｏｒｄ")


def test_normalization_never_strips_or_truncates() -> None:
    long_one = "  spaced out  " + "x" * 300
    assert normalize_password(long_one) == long_one


def test_a_good_passphrase_passes() -> None:
    assert problems(GOOD) == []
    check_password(GOOD, policy=POLICY, context=NINA, breached=BUNDLED.is_breached)


def test_short_password_is_refused_with_the_minimum_named() -> None:
    assert problems("tangerine7") == ["Use at least 12 characters."]


def test_length_counts_code_points_of_the_nfkc_form() -> None:
    # "ﬁ" (one code point) becomes "fi" (two) under NFKC: 11 code points typed, 17 after normalization
    assert len("ﬁ" * 6 + "ｚｅｂｒａ") == 11
    assert problems("ﬁ" * 6 + "ｚｅｂｒａ") == []
    # five emoji are five characters, not the 20 bytes of their UTF-8 form
    assert "Use at least 12 characters." in problems("🦊🌵🎻🛶🧭")


def test_minimum_length_is_a_setting() -> None:
    relaxed = PasswordPolicy(min_length=8)
    assert problems("mauve kiwi", policy=relaxed) == []
    assert problems("mauve kiwi") == ["Use at least 12 characters."]


def test_policy_refuses_weak_settings() -> None:
    with pytest.raises(ValueError, match="min_length"):
        PasswordPolicy(min_length=6)
    with pytest.raises(ValueError, match="max_length"):
        PasswordPolicy(max_length=32)
    with pytest.raises(ValueError, match="max_length"):
        PasswordPolicy(min_length=100, max_length=64)


def test_64_and_128_characters_are_accepted_and_129_is_not() -> None:
    for length in (64, 128):
        password = (GOOD + " ") * 5
        password = password[:length]
        assert len(password) == length
        assert problems(password) == []
    too_long = (GOOD + " ") * 5
    assert problems(too_long[:129]) == ["Use at most 128 characters."]


def test_long_passwords_are_hashed_whole_not_truncated() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    password = ("velvet orchard tangerine piano " * 4)[:100]
    stored = hasher.hash(password)
    assert hasher.verify(stored, password)
    assert not hasher.verify(stored, password[:72])
    assert not hasher.verify(stored, password[:99])


@pytest.mark.parametrize("password", ["password1", "iloveyou", "Password1", "ILoveYou"])
def test_common_passwords_are_refused(password: str) -> None:
    # too short as well, but the list is what the patient needs to hear about
    with pytest.raises(InvalidInput):
        check_password(password, policy=PasswordPolicy(min_length=8), context=(), breached=BUNDLED.is_breached)
    assert "This password is on a list of common or leaked passwords; choose another." in problems(password)


def test_common_password_of_full_length_gives_the_list_as_the_reason() -> None:
    with pytest.raises(InvalidInput, match="list of common or leaked passwords"):
        check_password("qwertyuiop123", policy=POLICY, context=(), breached=BUNDLED.is_breached)


def test_breached_check_receives_the_nfkc_form() -> None:
    seen: list[str] = []
    password_problems("ｔａｎｇｅｒｉｎｅ ｐｉａｎｏ", policy=POLICY, context=(), breached=lambda pw: seen.append(pw) or False)
    assert seen == ["tangerine piano"]


def test_clinic_name_with_a_year_is_refused() -> None:
    assert problems("LumenAesthetics2026!") == ["Don't build your password from your name, email or the clinic's name."]


@pytest.mark.parametrize("password", ["nina.patel.1990", "Patel!Nina#2024", "letapanina2024", "MedSpa-Lumen-2026"])
def test_passwords_built_from_names_and_email_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput, match="name, email or the clinic's name"):
        check_password(password, policy=POLICY, context=NINA, breached=never_breached)


def test_letters_only_form_equal_to_a_short_context_word_is_refused() -> None:
    context = context_words(clinic_name="Spa", first_name="Al", last_name="Wu", email="al@wu.example")
    assert problems("Al 1234567890!", context=context) == [
        "Don't build your password from your name, email or the clinic's name."]


def test_a_passphrase_that_only_mentions_a_context_word_passes() -> None:
    assert problems("nina grows velvet tangerines") == []


def test_digits_only_password_without_context_words_is_not_called_built_from_them() -> None:
    assert problems("839201746352", context=NINA) == []


def test_context_words_cover_clinic_names_and_email() -> None:
    words = context_words(clinic_name="Lumen Aesthetics & Med Spa", first_name="Nina", last_name="Van Dyke",
                          email="Nina.Patel+spa@lumen-spa.example.com")
    for word in ("lumenaestheticsmedspa", "lumen", "aesthetics", "med", "spa", "nina", "vandyke", "van", "dyke",
                 "ninapatelspa", "patel", "lumenspa", "example"):
        assert word in words
    assert "com" not in words


def test_one_character_repeated_is_refused() -> None:
    assert problems("%%%%%%%%%%%%%%", context=()) == [
        "Don't use the same character over and over; a few unrelated words make a strong password."]
    assert problems("ZZZZZZZZZZZZZZ", context=())[-1].startswith("Don't use the same character")  # leaked too


def test_no_composition_rules() -> None:
    # all lower case, no digit, no symbol: still fine
    assert problems("quietly humming glaciers") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_accepted_password_is_long_enough(password: str) -> None:
    if not password_problems(password, policy=POLICY, context=(), breached=never_breached):
        assert len(normalize_password(password)) >= POLICY.min_length
