"""A visit booked online with an existing patient's email but not by that patient (issue 12).

The email alone proves nothing, so such a visit is booked for the booker on a profile of their own (their name
and the mobile they proved, no email) and the profile with that email is sent a single-use link: "a visit was
booked with your address; if it was you, add it to your record". Following it puts the visit and its forms on
the record. Until then nothing of the record is used or shown: not its history, not its cards, not its name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import attrs

from portalcore.domain.access import AccessLink, LinkPurpose
from portalcore.domain.appointments import Appointment
from portalcore.domain.clinic import Clinic
from portalcore.domain.errors import InvalidInput
from portalcore.domain.patients import Patient
from portalcore.ports import Clock, UnitOfWork, UnitOfWorkFactory
from portalcore.services.clinic.catalog import require_clinic
from portalcore.services.delivery import MessageComposer
from portalcore.services.visits.messages import patient_language, visit_context

CLAIM_TTL = timedelta(days=14)
LINK_UNUSABLE = "This link has expired or was already used. Please call the clinic if a visit is missing."


@attrs.frozen
class ClaimedVisit:
    """A visit offered to (or just added to) a patient's record through the emailed link."""

    appointment: Appointment
    patient: Patient
    done: bool = False  # the visit is on the patient's record (the link was followed)


class VisitClaims:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, composer: MessageComposer, secret: bytes,
                 base_url: str) -> None:
        self._uow, self._clock, self._composer = uow, clock, composer
        self._secret, self._base_url = secret, base_url

    def _digest(self, token: str) -> str:
        return hmac.new(self._secret, f"claim:{token}".encode(), hashlib.sha256).hexdigest()

    def offer(self, uow: UnitOfWork, clinic: Clinic, profile: Patient, visit: Appointment, now: datetime) -> None:
        """In the booking's transaction: emails ``profile`` a single-use link that adds ``visit`` to its record."""
        assert profile.id is not None and visit.id is not None
        token = secrets.token_urlsafe(32)
        uow.access.add_link(AccessLink(purpose=LinkPurpose.CLAIM_VISIT, token_hash=self._digest(token),
                                       expires_at=now + CLAIM_TTL, email=profile.email, patient_id=profile.id,
                                       data={"appointment": str(visit.id)}), now)
        language = patient_language(profile, clinic)
        uow.outbox.add(self._composer.email(
            "visit_claim", to=profile.email, language=language, key=f"appointment:{visit.id}:claim:email",
            context=visit_context(uow, clinic, profile, visit) | {
                "link": f"{self._base_url.rstrip('/')}/visit-claims/{token}",
                "days": CLAIM_TTL.days}), now)

    def preview(self, token: str) -> ClaimedVisit:
        """The visit the link offers and the patient it would join, for the page that asks to confirm.

        Raises ``InvalidInput`` when the link is unknown, used or expired."""
        with self._uow(readonly=True) as uow:
            return self._usable(uow, token)[1]

    def accept(self, token: str) -> ClaimedVisit:
        """Puts the visit and its forms on the record of the patient the link was sent to (its payments stay
        with the booker who paid). Following the link again changes nothing and answers the same.

        Raises ``InvalidInput`` when the link is unknown or expired."""
        now = self._clock.now()
        with self._uow() as uow:
            link, claimed = self._usable(uow, token)
            if claimed.done:
                return claimed
            assert claimed.patient.id is not None and claimed.appointment.id is not None
            uow.appointments.reassign(claimed.appointment.id, claimed.patient.id)
            uow.access.use_link(link.token_hash, now)
            uow.commit()
        return ClaimedVisit(attrs.evolve(claimed.appointment, patient_id=claimed.patient.id), claimed.patient, True)

    def _usable(self, uow: UnitOfWork, token: str) -> tuple[AccessLink, ClaimedVisit]:
        require_clinic(uow.clinic.get())
        link = uow.access.link(self._digest(token)) if token else None
        if link is None or link.purpose is not LinkPurpose.CLAIM_VISIT:
            raise InvalidInput(LINK_UNUSABLE)
        visit = uow.appointments.get(int(link.data.get("appointment", "0")))
        patient = uow.patients.get(link.patient_id) if link.patient_id is not None else None
        if visit is None or patient is None:
            raise InvalidInput(LINK_UNUSABLE)
        done = link.used_at is not None and visit.patient_id == patient.id
        if not done and not link.usable(self._clock.now()):
            raise InvalidInput(LINK_UNUSABLE)
        return link, ClaimedVisit(visit, patient, done)
