"""Recovery codes: format, uniqueness, normalization of what people type, keyed hashes."""

from __future__ import annotations

import re

from portalcore.domain.recovery_codes import ALPHABET, hash_code, new_recovery_codes, normalize_recovery_code

PEPPER = b"pepper-for-tests-0123456789abcdef"


def test_ten_unique_codes_of_two_groups_of_five() -> None:
    codes = new_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[0-9a-z]{5}-[0-9a-z]{5}", code), code


def test_codes_avoid_characters_that_read_alike() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    used = set("".join(new_recovery_codes(200)).replace("-", ""))
    assert used <= set(ALPHABET)
    assert not used & set("ilou")


def test_count_is_respected_and_codes_differ_between_calls() -> None:
    assert len(new_recovery_codes(3)) == 3
    assert set(new_recovery_codes()).isdisjoint(new_recovery_codes())


def test_normalization_drops_case_spaces_and_dashes() -> None:
    assert normalize_recovery_code("ABCDE-fghij ") == "abcdefghij"
    assert normalize_recovery_code(" abcde fghij\n") == "abcdefghij"
    assert normalize_recovery_code("abcdefghij") == "abcdefghij"


def test_hash_is_stable_across_spellings_and_hex_sha256() -> None:
    code = new_recovery_codes(1)[0]
    digest = hash_code(code, PEPPER)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert hash_code(code.upper().replace("-", " "), PEPPER) == digest
    assert hash_code(code, PEPPER) == digest


def test_hash_depends_on_the_pepper_and_the_code() -> None:
    assert hash_code("abcde-fghij", PEPPER) != hash_code("abcde-fghij", b"another pepper")
    assert hash_code("abcde-fghij", PEPPER) != hash_code("abcde-fghik", PEPPER)
