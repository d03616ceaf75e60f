"""A patient asking someone to act for them, from their own settings: nothing is granted until that person
accepts, from the email sent to the address the patient typed.

Until then the patient sees only what they typed (the name and the email), never whether anyone has a login
or a patient record with that address: the invitation is an ``AccessLink`` (``PROXY_INVITE``) that carries the
typed details, whatever the address. Whoever opens the link proves they read that inbox; accepting makes the
grant through ``ProxyService.grant`` (which emails how to sign in, with a link to choose a password when the
person has no login yet). From then on the patient's list shows the person who accepted.
"""

from __future__ import annotations

from datetime import date

import attrs

from portalcore.domain import audit
from portalcore.domain.access import AccessLink, LinkPurpose, PortalSession
from portalcore.domain.errors import Conflict, InvalidInput, NotFound
from portalcore.domain.patients import normalize_email
from portalcore.domain.proxies import ProxyScope
from portalcore.ports import UnitOfWork
from portalcore.services.access.kit import AccessKit, Actor
from portalcore.services.access.proxies import ProxyService, access_end
from portalcore.services.contact import check_email

NAMES_NEEDED = "Give the first and last name of the person who will have access."
OWN_EMAIL = "A patient cannot be their own proxy."
INVITATION_GONE = ("This invitation has expired, was withdrawn or was already used. Ask the person who sent it "
                   "for a new one.")
NO_SUCH_INVITATION = "This invitation does not exist."


@attrs.frozen
class PendingProxy:
    """An invitation the patient sent that nobody accepted yet, as the patient typed it."""

    invitation_id: int
    name: str
    email: str
    relationship: str
    scope: ProxyScope
    last_day: date | None


@attrs.frozen
class ProxyOffer:
    """What the invited person sees before accepting: who asks, and for what."""

    patient_name: str
    name: str  # the invited person, as the patient typed it
    scope: ProxyScope
    relationship: str
    last_day: date | None


class ProxyInvites:
    def __init__(self, kit: AccessKit, proxies: ProxyService) -> None:
        self._kit, self._proxies = kit, proxies

    def invite(self, session: PortalSession, *, password: str, email: str, first_name: str, last_name: str,
               scope: ProxyScope, relationship: str = "", expires_on: date | None = None, ip: str = "") -> None:
        """The signed-in patient asks someone to act for them, after typing their password again: an email with
        a link to accept goes to ``email``, and the access (ending after ``expires_on``, a day in the clinic's
        time zone, when given) starts once they accept. The answer is the same whoever has the address. Raises
        ``NotAllowed`` (a proxy, or not their own record), ``InvalidInput`` (wrong password, a missing name, a
        bad email, their own email, a past date) and ``TooManyAttempts``."""
        access = self._proxies.own_record(session)
        first, last = first_name.strip(), last_name.strip()
        if not (first and last):
            raise InvalidInput(NAMES_NEEDED)
        address = check_email(email)
        self._proxies.reauthenticate(session, password, ip)
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            access_end(uow, expires_on, now)
            patient = uow.patients.get(access.patient_id)
            if patient is None:
                raise NotFound("Patient %(id)s does not exist.", id=access.patient_id)
            if normalize_email(patient.email) == address:
                raise InvalidInput(OWN_EMAIL)
            for earlier in self._open(uow, access.patient_id):  # a new invitation replaces one to the same address
                if earlier.email == address:
                    uow.access.revoke_link(earlier.token_hash, now)
            token, token_hash = self._kit.new_token()
            uow.access.add_link(AccessLink(
                purpose=LinkPurpose.PROXY_INVITE, token_hash=token_hash, email=address, patient_id=access.patient_id,
                expires_at=now + self._kit.policy.invite_ttl,
                data={"first_name": first, "last_name": last, "relationship": relationship.strip(),
                      "scope": scope.value, "last_day": expires_on.isoformat() if expires_on else "",
                      "granted_by": access.actor, "account_id": str(session.account_id)}), now)
            key = self._kit.email(uow, "proxy_invite", to=address, language=patient.language,
                                  key=f"proxy-invite:{token_hash[:16]}",
                                  context={"name": first, "patient_name": patient.full_name, "scope": scope.value,
                                           "link": self._kit.url(f"/access/proxy/{token}"),
                                           "days": self._kit.policy.invite_ttl.days})
            self._kit.audit(uow, audit.PROXY_INVITED, Actor(access.actor, session.account_id, ip),
                            patient_id=access.patient_id, proxy=address, scope=scope.value)
            uow.commit()
        self._kit.send_now(key)

    def pending(self, session: PortalSession) -> list[PendingProxy]:
        """The invitations of the signed-in patient that can still be accepted, oldest first, as typed. Raises
        ``NotAllowed`` for a proxy."""
        patient_id = self._proxies.own_record(session).patient_id
        with self._kit.uow(readonly=True) as uow:
            return [PendingProxy(link.id or 0, f"{link.data['first_name']} {link.data['last_name']}", link.email,
                                 link.data.get("relationship", ""), ProxyScope(link.data["scope"]), _last_day(link))
                    for link in self._open(uow, patient_id)]

    def withdraw(self, session: PortalSession, invitation_id: int, *, ip: str = "") -> None:
        """The signed-in patient withdraws an invitation nobody accepted yet; its link stops working. Raises
        ``NotAllowed`` (a proxy) and ``NotFound`` (no such open invitation of this patient)."""
        access = self._proxies.own_record(session)
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            found = next((link for link in self._open(uow, access.patient_id) if link.id == invitation_id), None)
            if found is None:
                raise NotFound(NO_SUCH_INVITATION)
            uow.access.revoke_link(found.token_hash, now)
            self._kit.audit(uow, audit.PROXY_REVOKED, Actor(access.actor, session.account_id, ip),
                            patient_id=access.patient_id, invitation=invitation_id)
            uow.commit()

    def offer(self, token: str) -> ProxyOffer:
        """What an invitation link asks of the person who opened it. Raises ``InvalidInput`` when it expired,
        was withdrawn or used, and ``PortalClosed``."""
        link, patient_name = self._invitation(token)
        return ProxyOffer(patient_name, link.data["first_name"], ProxyScope(link.data["scope"]),
                          link.data.get("relationship", ""), _last_day(link))

    def accept(self, token: str, *, ip: str = "") -> str:
        """The invited person accepts: the grant starts, and they are emailed how to sign in. Returns the name
        of the patient. Raises ``InvalidInput`` (the link expired, was withdrawn or used; the last day has
        passed meanwhile) and ``PortalClosed``."""
        link, patient_name = self._invitation(token)
        data = link.data
        actor = Actor(data.get("granted_by", ""), int(data["account_id"]) if data.get("account_id") else None, ip)
        try:
            self._proxies.grant(link.patient_id or 0, email=link.email, first_name=data["first_name"],
                                last_name=data["last_name"], scope=ProxyScope(data["scope"]),
                                relationship=data.get("relationship", ""), expires_on=_last_day(link), actor=actor)
        except Conflict:
            pass  # already granted (the front desk did it meanwhile): there is nothing more to give
        with self._kit.uow() as uow:
            uow.access.use_link(link.token_hash, self._kit.clock.now())
            uow.commit()
        return patient_name

    # -- parts
    def _open(self, uow: UnitOfWork, patient_id: int) -> list[AccessLink]:
        now = self._kit.clock.now()
        return [link for link in uow.access.links(LinkPurpose.PROXY_INVITE, patient_id=patient_id) if link.usable(now)]

    def _invitation(self, token: str) -> tuple[AccessLink, str]:
        """The open invitation behind ``token`` and the name of the patient who sent it."""
        with self._kit.uow(readonly=True) as uow:
            self._kit.require_open(uow)
            link = uow.access.link(self._kit.digest(token))
            open_link = (link if link is not None and link.purpose is LinkPurpose.PROXY_INVITE
                         and link.usable(self._kit.clock.now()) else None)
            patient = uow.patients.get(open_link.patient_id or 0) if open_link is not None else None
        if open_link is None or patient is None:
            raise InvalidInput(INVITATION_GONE)
        return open_link, patient.full_name


def _last_day(link: AccessLink) -> date | None:
    text = link.data.get("last_day", "")
    return date.fromisoformat(text) if text else None
