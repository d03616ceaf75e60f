"""Names a patient gives passkeys."""

from __future__ import annotations

import pytest

from portalcore.domain.errors import InvalidInput
from portalcore.domain.passkeys import passkey_name


def test_a_passkey_name_is_trimmed_and_loses_control_characters() -> None:
    assert passkey_name("  Work\tlaptop\u202e \n") == "Work laptop"


def test_an_empty_passkey_name_becomes_passkey() -> None:
    assert passkey_name("   ") == "Passkey"


def test_a_passkey_name_over_100_characters_is_refused_with_the_limit() -> None:
    assert passkey_name("x" * 100) == "x" * 100
    with pytest.raises(InvalidInput, match="at most 100 characters"):
        passkey_name("x" * 101)
