"""Password rules for patient logins (NIST SP 800-63B-4 § 3.1.1.2, OWASP ASVS 5.0 chapter 6).

What is checked: length (counted in Unicode code points after NFKC normalization), a list of common or
leaked passwords, and passwords built from what an attacker already knows about the account (the patient's
name and email, the clinic's name). What is deliberately *not* checked: composition ("must contain a digit
and a symbol"), which both documents advise against. Passwords are never stripped or truncated; spaces and
any printable Unicode are allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

import attrs

from portalcore.domain.errors import InvalidInput

MIN_CONTEXT_WORD = 3  # shorter context words (initials, "Al", "co") are not removed from the password
MIN_LEFT_OVER = 4  # letters that must remain once the context words are taken out

BREACHED = "This password is on a list of common or leaked passwords; choose another."
FROM_CONTEXT = "Don't build your password from your name, email or the clinic's name."
REPEATED = "Don't use the same character over and over; a few unrelated words make a strong password."


def normalize_password(pw: str) -> str:
    """The form a password is measured, compared and hashed in: Unicode NFKC, nothing stripped or cut.

    NFKC makes the same password typed on different keyboards equal (full-width "ｐａｓｓ" is "pass",
    a composed "é" equals "e" + combining accent).
    """
    return unicodedata.normalize("NFKC", pw)


def _at_least(floor: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if value < floor:
            raise ValueError(f"{attribute.name} must be at least {floor}, not {value}")

    return check


@attrs.frozen
class PasswordPolicy:
    """How long a password must and may be, in characters (Unicode code points of the NFKC form).

    NIST SP 800-63B-4 requires at least 8 (15 when the password is the only factor) and accepting at least 64;
    ASVS 5.0 asks for 8 (12 recommended) and at least 64 allowed.
    """

    min_length: int = attrs.field(default=12, validator=_at_least(8))
    max_length: int = attrs.field(default=128, validator=_at_least(64))

    def __attrs_post_init__(self) -> None:
        if self.max_length < self.min_length:
            raise ValueError(f"max_length ({self.max_length}) is below min_length ({self.min_length})")


def _folded(text: str) -> str:
    """Case-folded NFKC form with everything but letters and digits removed."""
    return "".join(ch for ch in normalize_password(text).casefold() if ch.isalnum())


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


def _expand(word: str) -> list[str]:
    """A context value as comparable words: the whole value run together and each of its parts."""
    # "Lumen Aesthetics & Med Spa" -> "lumenaestheticsmedspa", "lumen", "aesthetics", "med", "spa"
    spaced = "".join(ch if ch.isalnum() else " " for ch in normalize_password(word).casefold())
    pieces = [_folded(word), *spaced.split()]
    return [piece for piece in dict.fromkeys(pieces) if piece]


def context_words(*, clinic_name: str, first_name: str, last_name: str, email: str) -> tuple[str, ...]:
    """The words a password must not be built from, normalized for ``password_problems``.

    The clinic's name and the patient's names, each whole and word by word; the email's local part (whole and
    split at dots, dashes, plus signs and the like) and its domain labels except the top-level one
    ("nina.patel@lumen-spa.example.com" gives "ninapatel", "nina", "patel", "lumenspa", "lumen", "spa" and
    "example" among others).
    """
    local, _, domain = email.rpartition("@") if "@" in email else (email, "", "")
    labels = domain.split(".")[:-1] if "." in domain else [domain]
    words: list[str] = []
    for value in (clinic_name, first_name, last_name, local, *labels):
        words.extend(_expand(value))
    return tuple(dict.fromkeys(words))


def _built_from_context(password: str, context: Iterable[str]) -> bool:
    """True when the password is little more than context words, digits and punctuation.

    Both the password and the context words are compared case-insensitively with everything but letters and
    digits removed. The password is refused when

    - its letters-only form equals a context word (or that word reversed), e.g. "Patel!!2026" for Patel; or
    - it contains at least one context word of 3 or more characters (or such a word reversed), and once every
      such word and then every digit and punctuation mark is taken out, fewer than 4 letters remain, e.g.
      "LumenAesthetics2026!" for "Lumen Aesthetics & Med Spa", or "nina.patel.1990" for Nina Patel.

    A passphrase that merely mentions one of the words ("velvet lumen orchard ...") keeps enough letters of its
    own and is accepted. A password with no context word in it is never refused by this rule.
    """
    words: set[str] = set()
    for raw in context:
        words.update(_expand(raw))
    if not words:
        return False
    folded = _folded(password)
    letters = _letters(folded)
    if letters and any(letters in (word, word[::-1], _letters(word), _letters(word)[::-1]) for word in words):
        return True
    removable = sorted({w for word in words if len(word) >= MIN_CONTEXT_WORD for w in (word, word[::-1])},
                       key=len, reverse=True)
    found = False
    left_over = len(letters)
    for form in (folded, letters):
        rest = form
        for word in removable:
            if word in rest:
                found = True
                rest = rest.replace(word, " ")
        left_over = min(left_over, len(_letters(rest)))
    return found and left_over < MIN_LEFT_OVER


def password_problems(
    password: str, *, policy: PasswordPolicy, context: Iterable[str], breached: Callable[[str], bool],
) -> list[InvalidInput]:
    """Every reason to refuse ``password``, as errors whose sentences a patient can act on; empty when it is
    acceptable.

    Checked in this order: too short, too long (both in code points of the NFKC form), on the list of common
    or leaked passwords (``breached`` receives the NFKC form), built from ``context`` words (see
    ``context_words`` and the rule in ``_built_from_context``), one character repeated. There are no
    composition rules.
    """
    normalized = normalize_password(password)
    problems: list[InvalidInput] = []
    if len(normalized) < policy.min_length:
        problems.append(InvalidInput("Use at least %(count)s characters.", count=policy.min_length))
    elif len(normalized) > policy.max_length:
        problems.append(InvalidInput("Use at most %(count)s characters.", count=policy.max_length))
    if normalized and breached(normalized):
        problems.append(InvalidInput(BREACHED))
    if _built_from_context(normalized, context):
        problems.append(InvalidInput(FROM_CONTEXT))
    if len(set(normalized.casefold())) == 1:
        problems.append(InvalidInput(REPEATED))
    return problems


def check_password(
    password: str, *, policy: PasswordPolicy, context: Iterable[str], breached: Callable[[str], bool],
) -> None:
    """Raises ``InvalidInput`` with the first of ``password_problems`` (same arguments) when there is one."""
    problems = password_problems(password, policy=policy, context=context, breached=breached)
    if problems:
        raise problems[0]
