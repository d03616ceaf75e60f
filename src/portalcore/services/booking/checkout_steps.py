"""The online checkout of one held time, step by step, with what the patient told us kept on the server.

The details typed and the proof of the mobile number live in a ``CheckoutDraft`` under the hold's token, not in
the pages: every step can be shown again (the Back button), a repeated submit changes nothing, a declined card
leads back to the card step, and a new time chosen after the hold ran out keeps them (``carry``).

``visitor`` is a random key the browser keeps (a cookie): a draft is shown and used only with the key it was
typed with, so whoever learns a hold's token (a shared link, a screenshot) sees no name, email or phone.
"""

from __future__ import annotations

import hashlib

import attrs

from portalcore.domain.booking import CheckoutDraft, Hold, PatientDetails
from portalcore.domain.errors import InvalidInput
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.booking.checkout import CheckoutService, Confirmation, checked_details
from portalcore.services.booking.phone_check import PhoneVerificationService

RAN_OUT = "Your held time has run out. Please choose a time again."
PHONE_FIRST = "Please confirm your mobile number with the code we texted you."


@attrs.frozen
class CheckoutState:
    """Where a checkout stands: what is known, the hold (None once it ran out or was given back) and whether the
    draft's mobile number was proven with a code."""

    draft: CheckoutDraft
    hold: Hold | None
    verified: bool

    @property
    def booked(self) -> str:
        """The reference of the booking this hold made, or ""."""
        return self.draft.reference

    def live(self) -> Hold:
        """The hold; raises ``InvalidInput`` when it ran out."""
        if self.hold is None:
            raise InvalidInput(RAN_OUT)
        return self.hold


def owner_of(visitor: str) -> str:
    """The digest stored for a browser's key ("" for no key: such a draft is shown to nobody)."""
    return hashlib.sha256(f"checkout:{visitor}".encode()).hexdigest() if visitor else ""


class CheckoutSteps:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, phone: PhoneVerificationService,
                 checkout: CheckoutService, region: str = "US") -> None:
        self._uow, self._clock, self._phone, self._checkout, self._region = uow, clock, phone, checkout, region

    def state(self, hold_token: str, visitor: str) -> CheckoutState:
        """What this browser has told us in this checkout so far (also once it booked, or its hold ran out).

        Raises ``InvalidInput`` when the hold is unknown and nothing was kept for it."""
        with self._uow(readonly=True) as uow:
            return self._state(uow, hold_token, owner_of(visitor))

    def give_details(self, hold_token: str, details: PatientDetails, visitor: str, *, ip: str = "") -> CheckoutState:
        """Step 1: keeps who is coming and texts a code to the mobile number, unless this checkout already
        texted one to it (a repeat sends nothing; "send a new code" does) or already proved it.

        Raises ``InvalidInput`` for unusable details or a hold that ran out."""
        checked = checked_details(details, self._region)
        state = self.state(hold_token, visitor)
        state.live()
        draft = attrs.evolve(state.draft, first_name=checked.first_name, last_name=checked.last_name,
                             email=checked.email, mobile=checked.mobile, owner=owner_of(visitor))
        same_number = bool(state.draft.phone_token) and state.draft.mobile == checked.mobile
        if not same_number:
            phone_token, _ = self._phone.start(checked.mobile, checked.language, ip=ip)
            draft = attrs.evolve(draft, phone_token=phone_token)
        self._save(draft)
        return CheckoutState(draft, state.hold, same_number and state.verified)

    def resend(self, hold_token: str, visitor: str, language: str = "en", *, ip: str = "") -> None:
        """Texts a fresh code to the checkout's mobile number; raises ``InvalidInput`` (too soon, no number yet,
        hold ran out) or ``NotFound``."""
        state = self.state(hold_token, visitor)
        state.live()
        self._phone.resend(self._phone_token(state), language, ip=ip)

    def verify(self, hold_token: str, code: str, visitor: str) -> CheckoutState:
        """Step 2: checks the code texted to the mobile number; raises ``InvalidInput`` or ``NotFound``."""
        state = self.state(hold_token, visitor)
        state.live()
        self._phone.verify(self._phone_token(state), code)
        return attrs.evolve(state, verified=True)

    def confirm(self, hold_token: str, payment_method: str, accepted_policy: bool, visitor: str,
                language: str = "en", *, signed_in_patient: int | None = None) -> Confirmation:
        """Step 3: books the held time for the patient of the draft (``CheckoutService.confirm``, which a repeat
        answers with the booking already made). Raises what ``confirm`` raises."""
        draft = self.state(hold_token, visitor).draft
        details = PatientDetails(first_name=draft.first_name, last_name=draft.last_name, email=draft.email,
                                 mobile=draft.mobile, language=language)
        return self._checkout.confirm(hold_token, draft.phone_token, details, payment_method, accepted_policy,
                                      signed_in_patient=signed_in_patient)

    def carry(self, old_token: str, new_token: str, visitor: str) -> None:
        """Moves what this browser typed for an earlier hold (ran out, or its time was taken) onto the hold of the
        time chosen instead. Does nothing when the earlier checkout booked, is unknown or another browser's, or
        the new hold is not live."""
        now = self._clock.now()
        with self._uow() as uow:
            old, new = uow.bookings.draft(old_token), uow.bookings.hold(new_token)
            if (old is None or old.reference or not old.owner or old.owner != owner_of(visitor) or new is None
                    or not new.live(now) or old_token == new_token):
                return
            uow.bookings.save_draft(attrs.evolve(old, hold_token=new_token, services=new.services,
                                                 provider=new.provider), now)
            uow.bookings.drop_draft(old_token)
            uow.commit()

    # -- helpers
    def _state(self, uow: UnitOfWork, token: str, owner: str) -> CheckoutState:
        hold = uow.bookings.hold(token)
        live = hold if hold is not None and hold.live(self._clock.now()) else None
        draft = uow.bookings.draft(token)
        if draft is None:
            if live is None:
                raise InvalidInput(RAN_OUT)
            draft = CheckoutDraft(token, live.services, live.provider)
        elif not draft.reference and (not owner or draft.owner != owner):
            # typed in another browser: this one starts afresh and sees nothing of it
            draft = CheckoutDraft(token, draft.services, draft.provider)
        challenge = uow.bookings.challenge(draft.phone_token) if draft.phone_token else None
        verified = challenge is not None and challenge.verified and challenge.phone == draft.mobile
        return CheckoutState(draft, live, verified)

    def _phone_token(self, state: CheckoutState) -> str:
        if not state.draft.phone_token:
            raise InvalidInput(PHONE_FIRST)
        return state.draft.phone_token

    def _save(self, draft: CheckoutDraft) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            uow.bookings.save_draft(draft, now)
            uow.commit()
