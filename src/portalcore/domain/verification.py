"""One-time codes that prove a patient holds a phone: expiry, tries and resend throttling."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Self

import attrs

from portalcore.domain.errors import InvalidInput

CODE_TTL = timedelta(minutes=10)
MAX_FAILURES = 5
RESEND_AFTER = timedelta(seconds=30)
MAX_SENDS = 5
# Texting codes costs the clinic money and can flood a stranger's phone (SMS pumping and bombing), so texts are
# counted per number and per address the requests come from, in hours counted from the first text; the clinic's
# daily total (per clinic-local day) is a clinic setting (``phone_checks_per_day``).
TEXTS_PER_NUMBER = 5
TEXTS_PER_IP = 20
TEXT_WINDOW = timedelta(hours=1)
TEXT_DAY = timedelta(days=1)
NO_MORE_TEXTS = "We cannot send more codes right now. Please try again later or call the clinic."


class CodeRules:
    """Expiry, tries and resend throttling shared by every challenge answered with a 6-digit code.

    Subclasses are frozen attrs classes with ``expires_at``, ``last_sent_at``, ``failures``, ``sends``,
    ``code_hash`` and ``verified_at``.
    """

    expires_at: datetime
    last_sent_at: datetime
    failures: int
    sends: int
    verified_at: datetime | None
    max_sends = MAX_SENDS
    resend_after = RESEND_AFTER
    ttl = CODE_TTL

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def resend_wait(self, now: datetime) -> int:
        """Seconds before another code may be sent (0: now); raises ``InvalidInput`` after too many sends."""
        if self.sends >= self.max_sends:
            raise InvalidInput("Too many codes were sent. Please start again later or call the clinic.")
        return max(0, int((self.last_sent_at + self.resend_after - now).total_seconds() + 0.999))

    def resent(self, code_hash: str, now: datetime) -> Self:
        """A fresh code; the failure count stays, so resending never buys more guesses."""
        return attrs.evolve(self, code_hash=code_hash, sends=self.sends + 1, last_sent_at=now,
                            expires_at=now + self.ttl)

    def usable(self, now: datetime) -> None:
        """Raises ``InvalidInput`` when no guess may be made any more."""
        if self.verified:
            return
        if self.failures >= MAX_FAILURES:
            raise InvalidInput("Too many wrong codes. Please ask for a new code.")
        if now >= self.expires_at:
            raise InvalidInput("This code has expired. Please ask for a new code.")

    def after_guess(self, correct: bool, now: datetime) -> Self:
        if correct:
            return attrs.evolve(self, verified_at=now)
        return attrs.evolve(self, failures=self.failures + 1)


@attrs.frozen
class PhoneChallenge(CodeRules):
    """A code sent to ``phone``; only a keyed hash of it is stored. ``token`` names the challenge to the browser."""

    token: str
    phone: str
    code_hash: str
    expires_at: datetime
    last_sent_at: datetime
    failures: int = 0
    sends: int = 1
    verified_at: datetime | None = None


@attrs.frozen
class TextBudget:
    """How many texts have gone out under each limit: to this number and from this address in the last hour,
    and for the whole clinic today. The same answer for whichever limit is reached."""

    to_number: int
    from_ip: int
    clinic_today: int
    clinic_per_day: int

    @property
    def clinic_full(self) -> bool:
        return self.clinic_today >= self.clinic_per_day

    def check(self) -> None:
        """Raises ``TextsUsedUp`` when another text would go over a limit."""
        if self.to_number >= TEXTS_PER_NUMBER or self.from_ip >= TEXTS_PER_IP or self.clinic_full:
            raise TextsUsedUp(self.clinic_full)


class TextsUsedUp(InvalidInput):
    """No more codes may be texted now; ``clinic_full`` when the clinic's daily limit is what was reached."""

    def __init__(self, clinic_full: bool) -> None:
        super().__init__(NO_MORE_TEXTS)
        self.clinic_full = clinic_full


def new_challenge(token: str, phone: str, code_hash: str, now: datetime) -> PhoneChallenge:
    return PhoneChallenge(token=token, phone=phone, code_hash=code_hash, expires_at=now + CODE_TTL,
                          last_sent_at=now)
