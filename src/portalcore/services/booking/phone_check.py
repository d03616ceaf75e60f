"""Proving a mobile number with a 6-digit code sent by SMS before a booking is confirmed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.verification import CODE_TTL, PhoneChallenge, new_challenge
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.contact import check_mobile
from portalcore.services.delivery import MessageComposer, OutboxDispatcher


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

    def start(self, mobile: str, language: str = "en") -> tuple[str, str]:
        """Texts a new code to ``mobile``; returns the challenge token and the normalized number.

        Raises ``InvalidInput`` for a number that cannot receive texts."""
        phone = check_mobile(mobile, self._region)
        token, code, now = secrets.token_urlsafe(24), new_code(), self._clock.now()
        with self._uow() as uow:
            uow.bookings.add_challenge(new_challenge(token, phone, self._hash(token, code), now), now)
            key = self._queue(uow, token, phone, code, 1, language)
            uow.commit()
        self._dispatcher.dispatch_key(key)
        return token, phone

    def resend(self, token: str, language: str = "en") -> None:
        """Texts a fresh code for the same challenge; raises ``InvalidInput`` when asked again too soon."""
        code, now = new_code(), self._clock.now()
        with self._uow() as uow:
            challenge = self._load(uow, token)
            wait = challenge.resend_wait(now)
            if wait:
                raise InvalidInput("Please wait %(count)s second before asking for a new code.",
                                   plural="Please wait %(count)s seconds before asking for a new code.", count=wait)
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
            if left:
                raise InvalidInput("That code is not right. %(count)s try left.",
                                   plural="That code is not right. %(count)s tries left.", count=left)
            raise InvalidInput("That code is not right. Please ask for a new code.")
        return updated

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
