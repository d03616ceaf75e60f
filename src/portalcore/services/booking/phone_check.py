"""Proving a mobile number with a 6-digit code sent by SMS before a booking is confirmed.

Every text is counted in the ``throttle`` table (the one sign-in uses) under the number (a keyed hash), the
address the request came from and the clinic's day, so neither one number nor one sender nor everyone together
can make the clinic send texts without end (SMS pumping and bombing).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.verification import (
    CODE_TTL, TEXT_DAY, TEXT_WINDOW, PhoneChallenge, TextBudget, TextsUsedUp, new_challenge,
)
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.contact import check_texting_number
from portalcore.services.delivery import MessageComposer, OutboxDispatcher

log = logging.getLogger(__name__)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class PhoneVerificationService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, composer: MessageComposer,
                 dispatcher: OutboxDispatcher, secret: str, region: str = "US") -> None:
        self._uow, self._clock, self._composer, self._dispatcher = uow, clock, composer, dispatcher
        self._secret, self._region = secret.encode(), region

    def _hash(self, token: str, code: str) -> str:
        # keyed, so a leaked table does not let anyone try the million codes offline
        return hmac.new(self._secret, f"{token}:{code}".encode(), hashlib.sha256).hexdigest()

    def start(self, mobile: str, language: str = "en", ip: str = "") -> tuple[str, str]:
        """Texts a new code to ``mobile``; returns the challenge token and the normalized number. ``ip`` is where
        the request came from (empty from the staff's own tools).

        Raises ``InvalidInput`` for a number that cannot receive texts (toll-free, premium-rate, not a mobile),
        or when the number, the sender or the clinic has had all the texts it may have for now."""
        phone = check_texting_number(mobile, self._region)
        token, code, now = secrets.token_urlsafe(24), new_code(), self._clock.now()
        try:
            with self._uow() as uow:
                self._count_text(uow, phone, ip, now)
                uow.bookings.add_challenge(new_challenge(token, phone, self._hash(token, code), now), now)
                key = self._queue(uow, token, phone, code, 1, language)
                uow.commit()
        except TextsUsedUp as refused:
            self._refused(refused, now)
        self._dispatcher.dispatch_key(key)
        return token, phone

    def resend(self, token: str, language: str = "en", ip: str = "") -> None:
        """Texts a fresh code for the same challenge; raises ``InvalidInput`` when asked again too soon, or when
        the number, the sender or the clinic has had all the texts it may have for now."""
        code, now = new_code(), self._clock.now()
        try:
            with self._uow() as uow:
                challenge = self._load(uow, token)
                wait = challenge.resend_wait(now)
                if wait:
                    raise InvalidInput("Please wait %(count)s second before asking for a new code.",
                                       plural="Please wait %(count)s seconds before asking for a new code.",
                                       count=wait)
                self._count_text(uow, challenge.phone, ip, now)
                updated = challenge.resent(self._hash(token, code), now)
                uow.bookings.save_challenge(updated)
                key = self._queue(uow, token, challenge.phone, code, updated.sends, language)
                uow.commit()
        except TextsUsedUp as refused:
            self._refused(refused, now)
        self._dispatcher.dispatch_key(key)

    def verify(self, token: str, code: str) -> PhoneChallenge:
        """Checks a typed code. Raises ``InvalidInput`` for a wrong, expired or exhausted code."""
        now = self._clock.now()
        with self._uow() as uow:
            challenge = self._load(uow, token)
            if challenge.verified:
                return challenge
            challenge.usable(now)
            typed = "".join(ch for ch in code if ch.isdigit())
            correct = len(typed) == 6 and hmac.compare_digest(self._hash(token, typed), challenge.code_hash)
            updated = challenge.after_guess(correct, now)
            uow.bookings.save_challenge(updated)
            uow.commit()
        if not correct:
            left = max(0, 5 - updated.failures)
            if left:
                raise InvalidInput("That code is not right. %(count)s try left.",
                                   plural="That code is not right. %(count)s tries left.", count=left)
            raise InvalidInput("That code is not right. Please ask for a new code.")
        return updated

    def _count_text(self, uow: UnitOfWork, phone: str, ip: str, now: datetime) -> None:
        """Counts one more text under each limit, or raises ``TextsUsedUp`` when that goes over one; the caller's
        transaction then ends without a commit, so a refused request counts nowhere. The counters are locked
        while counting, so requests at the same moment cannot slip past a limit together."""
        clinic = require_clinic(uow.clinic.get())
        number, sender, day = self._text_keys(clinic, phone, ip, now)
        hour, whole_day = int(TEXT_WINDOW.total_seconds()), int(TEXT_DAY.total_seconds())
        TextBudget(to_number=uow.access.count_failure(number, now, hour) - 1,
                   from_ip=uow.access.count_failure(sender, now, hour) - 1 if ip else 0,
                   clinic_today=uow.access.count_failure(day, now, whole_day) - 1,
                   clinic_per_day=clinic.settings.phone_checks_per_day).check()

    def _refused(self, refused: TextsUsedUp, now: datetime) -> NoReturn:
        """Re-raises ``refused``; when the clinic's daily limit was reached, the clinic is told first (logged,
        and emailed once that day: key ``alert:phone-checks:{day}``, listed by ``portal outbox list``)."""
        if refused.clinic_full:
            with self._uow() as uow:
                clinic = require_clinic(uow.clinic.get())
                day = now.astimezone(ZoneInfo(clinic.time_zone)).date().isoformat()
                self._alert(uow, clinic, day, now)
                uow.commit()
        raise refused

    def _text_keys(self, clinic: Clinic, phone: str, ip: str, now: datetime) -> tuple[str, str, str]:
        # keyed hashes: the throttle table holds no phone numbers or addresses
        number = hmac.new(self._secret, f"text-to:{phone}".encode(), hashlib.sha256).hexdigest()[:40]
        sender = hmac.new(self._secret, f"text-from:{ip}".encode(), hashlib.sha256).hexdigest()[:40]
        day = now.astimezone(ZoneInfo(clinic.time_zone)).date().isoformat()
        return f"text:number:{number}", f"text:ip:{sender}", f"text:clinic:{day}"

    def _alert(self, uow: UnitOfWork, clinic: Clinic, day: str, now: datetime) -> None:
        log.warning("phone checks: the clinic's daily limit of %d texts is reached for %s; no more codes are "
                    "texted today", clinic.settings.phone_checks_per_day, day)
        if clinic.email:
            uow.outbox.add(self._composer.email(
                "phone_checks_limit", to=clinic.email, language=clinic.language, key=f"alert:phone-checks:{day}",
                context={"clinic_name": clinic.name, "limit": clinic.settings.phone_checks_per_day, "day": day}),
                now)

    def _load(self, uow: UnitOfWork, token: str) -> PhoneChallenge:
        challenge = uow.bookings.challenge(token)
        if challenge is None:
            raise NotFound("This phone check is unknown; please start again.")
        return challenge

    def _queue(self, uow: UnitOfWork, token: str, phone: str, code: str, send: int, language: str) -> str:
        clinic = uow.clinic.get()
        key = f"phone:{token}:code:{send}"
        message = self._composer.sms("phone_code_sms", to=phone, language=language, key=key,
                                     context={"clinic_name": clinic.name if clinic else "Portal", "code": code,
                                              "minutes": int(CODE_TTL.total_seconds() // 60)})
        uow.outbox.add(message, self._clock.now())
        return key
