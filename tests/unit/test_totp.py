"""The TOTP adapter against RFC 6238's SHA-1 test vectors (last six digits), its window and its input checks."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pyotp  # only to produce the code an authenticator app would show
import pytest

from portalcore.adapters.totp import PyotpOneTimePasswords

# RFC 6238 appendix B: the ASCII key "12345678901234567890" for SHA-1, here in base32 as apps take it.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode("ascii")


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.fixture
def otp() -> PyotpOneTimePasswords:
    return PyotpOneTimePasswords()


@pytest.mark.parametrize(("seconds", "code"), [
    (59, "287082"),                  # 94287082
    (1111111109, "081804"),          # 07081804
    (1111111111, "050471"),          # 14050471
    (1234567890, "005924"),          # 89005924
    (2000000000, "279037"),          # 69279037
    (20000000000, "353130"),         # 65353130
])
def test_rfc_6238_vectors_match_their_own_step(otp, seconds: int, code: str) -> None:
    assert otp.matching_step(RFC_SECRET, code, at(seconds)) == seconds // 30


def test_rfc_vector_at_59_seconds_is_step_1(otp) -> None:
    assert otp.matching_step(RFC_SECRET, "287082", at(59)) == 1


def test_one_step_either_side_is_accepted_with_the_exact_step(otp) -> None:
    assert otp.matching_step(RFC_SECRET, "287082", at(59 + 30)) == 1   # the code was typed a step ago
    assert otp.matching_step(RFC_SECRET, "287082", at(29)) == 1        # the phone's clock runs ahead


def test_two_steps_away_is_refused_with_the_default_window(otp) -> None:
    assert otp.matching_step(RFC_SECRET, "287082", at(59 + 60)) is None
    assert otp.matching_step(RFC_SECRET, "287082", at(59 + 60), window=2) == 1


def test_window_zero_accepts_only_the_current_step(otp) -> None:
    assert otp.matching_step(RFC_SECRET, "287082", at(59), window=0) == 1
    assert otp.matching_step(RFC_SECRET, "287082", at(59 + 30), window=0) is None


def test_step_boundaries_are_exact(otp) -> None:
    assert otp.matching_step(RFC_SECRET, "287082", at(30), window=0) == 1
    assert otp.matching_step(RFC_SECRET, "287082", at(60) - timedelta(microseconds=1), window=0) == 1
    assert otp.matching_step(RFC_SECRET, "287082", at(60), window=0) is None


def test_wrong_code_is_refused(otp) -> None:
    assert otp.matching_step(RFC_SECRET, "287083", at(59)) is None


@pytest.mark.parametrize("code", [
    "28708", "2870820", "", "28708a", " 287082", "287082 ", "287-082", "٢٨٧٠٨٢", "２８７０８２", "+28708",
])
def test_codes_that_are_not_six_ascii_digits_are_refused(otp, code: str) -> None:
    assert otp.matching_step(RFC_SECRET, code, at(59)) is None


def test_any_time_zone_gives_the_same_step(otp) -> None:
    new_york = timezone(timedelta(hours=-5))
    assert otp.matching_step(RFC_SECRET, "287082", at(59).astimezone(new_york)) == 1


def test_naive_datetime_raises(otp) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        otp.matching_step(RFC_SECRET, "287082", datetime(1970, 1, 1, 0, 0, 59))


def test_new_secret_is_32_base32_characters_and_fresh(otp) -> None:
    secret = otp.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert len(base64.b32decode(secret)) == 20  # 160 bits
    assert otp.new_secret() != secret


def test_new_secret_works_with_matching_step(otp) -> None:
    secret = otp.new_secret()
    now = datetime(2026, 11, 16, 14, 0, 7, tzinfo=UTC)
    code = pyotp.TOTP(secret).at(now)
    assert otp.matching_step(secret, code, now) == int(now.timestamp()) // 30


def test_provisioning_uri_names_issuer_account_and_secret(otp) -> None:
    uri = otp.provisioning_uri(RFC_SECRET, account="ann@example.test", issuer="Lumen Aesthetics")
    parts = urlsplit(uri)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert "ann%40example.test" in parts.path and "Lumen%20Aesthetics" in parts.path
    assert query["secret"] == [RFC_SECRET]
    assert query["issuer"] == ["Lumen Aesthetics"]
