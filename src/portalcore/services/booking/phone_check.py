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
from zoneinfo import ZoneInfo

from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.verification import (
    CODE_TTL, TEXT_DAY, TEXT_WINDOW, PhoneChallenge, TextBudget, new_challenge,
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
        with self._uow() as uow:
            self._count_text(uow, phone, ip, now)
            uow.bookings.add_challenge(new_challenge(token, phone, self._hash(token, code), now), now)
            key = self._queue(uow, token, phone, code, 1, language)
            uow.commit()
        self._dispatcher.dispatch_key(key)
        return token, phone

    def resend(self, token: str, language: str = "en", ip: str = "") -> None:
        """Texts a fresh code for the same challenge; raises ``InvalidInput`` when asked again too soon, or when
        the number, the sender or the clinic has had all the texts it may have for now."""
        code, now = new_code(), self._clock.now()
        with self._uow() as uow:
            challenge = self._load(uow, token)
            wait = challenge.resend_wait(now)
            if wait:
                raise InvalidInput(f"Please wait {wait} seconds before asking for a new code.")
            self._count_text(uow, challenge.phone, ip, now)
            updated = challenge.resent(self._hash(token, code), now)
            uow.bookings.save_challenge(updated)
            key = self._queue(uow, token, challenge.phone, code, updated.sends, language)
            uow.commit()
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
            raise InvalidInput(f"That code is not right. {left} tries left." if left else
                               "That code is not right. Please ask for a new code.")
        return updated

    def _count_text(self, uow: UnitOfWork, phone: str, ip: str, now: datetime) -> None:
        """Counts one more text under each limit, or raises ``InvalidInput`` (counting nothing) when one is full.
        The clinic's daily limit is logged and emailed to the clinic once a day when reached; that alert is
        committed even though the request is refused."""
        clinic = require_clinic(uow.clinic.get())
        keys = self._text_keys(clinic, phone, ip, now)
        budget = TextBudget(
            to_number=uow.access.throttle(keys[0], now, int(TEXT_WINDOW.total_seconds())),
            from_ip=uow.access.throttle(keys[1], now, int(TEXT_WINDOW.total_seconds())) if ip else 0,
            clinic_today=uow.access.throttle(keys[2], now, int(TEXT_DAY.total_seconds())),
            clinic_per_day=clinic.settings.phone_checks_per_day)
        try:
            budget.check()
        except InvalidInput:
            if budget.clinic_full:
                self._alert(uow, clinic, keys[2], now)
                uow.commit()
            raise
        for key, window in zip(keys, (TEXT_WINDOW, TEXT_WINDOW, TEXT_DAY), strict=True):
            if key != keys[1] or ip:
                uow.access.count_failure(key, now, int(window.total_seconds()))

    def _text_keys(self, clinic: Clinic, phone: str, ip: str, now: datetime) -> tuple[str, str, str]:
        # keyed hashes: the throttle table holds no phone numbers or addresses
        number = hmac.new(self._secret, f"text-to:{phone}".encode(), hashlib.sha256).hexdigest()[:40]
        sender = hmac.new(self._secret, f"text-from:{ip}".encode(), hashlib.sha256).hexdigest()[:40]
        day = now.astimezone(ZoneInfo(clinic.time_zone)).date().isoformat()
        return f"text:number:{number}", f"text:ip:{sender}", f"text:clinic:{day}"

    def _alert(self, uow: UnitOfWork, clinic: Clinic, key: str, now: datetime) -> None:
        day = key.rsplit(":", 1)[1]
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
