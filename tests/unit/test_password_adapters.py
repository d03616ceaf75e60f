"""The argon2id hasher and the bundled list of common passwords (no network)."""

from __future__ import annotations


import pytest

from portalcore.adapters.argon2_hasher import Argon2PasswordHasher
from portalcore.adapters.breached_passwords import BundledBreachedPasswords
from portalcore.ports import BreachedPasswords, PasswordHasher


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
