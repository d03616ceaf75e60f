"""Acting for someone else: the front desk or a patient grants a carer access, the carer switches between
records, and every request is checked against the grant's scope in one place (``authorize``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import attrs

from portalcore.domain import audit
from portalcore.domain.access import AccessLink, Account, LinkPurpose, PortalSession
from portalcore.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portalcore.domain.patients import Patient, clean_name, normalize_email
from portalcore.domain.proxies import Area, ProxyGrant, ProxyScope, is_minor
from portalcore.ports import UnitOfWork
from portalcore.services.access.deadlines import cancel_grant_jobs, schedule_grant_end
from portalcore.services.access.grants import clinic_zone, live_grants
from portalcore.services.access.kit import AccessKit, Actor, load_account
from portalcore.services.access.login import TooManyAttempts
from portalcore.services.contact import check_email

ONLY_YOURS = "Only the patient can choose who may act for them. Switch back to your own record first."
WRONG_PASSWORD = "Your password is not right."


@attrs.frozen
class Access:
    """Whose data a request may touch, and whether the one asking does so as a proxy."""

    patient_id: int
    account_id: int
    as_proxy: bool
    actor: str


@attrs.frozen
class Represented:
    patient_id: int
    name: str
    scope: ProxyScope
    own: bool


@attrs.frozen
class ProxyHolder:
    """Someone who may act for a patient, as the patient sees it in their settings."""

    grant_id: int
    name: str
    email: str
    relationship: str
    scope: ProxyScope
    last_day: date | None  # the last day of access in the clinic's time zone, when it has an end date
    until_majority: bool
    granted_by: str
    active: bool  # False once expired or ended at 18 (revoked grants are not shown at all)


class ProxyService:
    def __init__(self, kit: AccessKit) -> None:
        self._kit = kit

    def grant(self, patient_id: int, *, email: str, first_name: str, last_name: str, scope: ProxyScope,
              relationship: str = "", expires_on: date | None = None, actor: Actor = Actor.front_desk()
              ) -> ProxyGrant:
        """Gives the person with ``email`` access to the patient's portal within ``scope``, until the end of
        ``expires_on`` (a day in the clinic's time zone) when given. A person without a login gets one and an
        email to choose a password. A grant over a minor ends at 18 unless renewed.
        Raises ``NotFound``, ``InvalidInput`` and ``Conflict`` (that person already has access)."""
        address, now = check_email(email), self._kit.clock.now()
        with self._kit.uow() as uow:
            expires_at = access_end(uow, expires_on, now)
            patient = _patient(uow, patient_id)
            if normalize_email(patient.email) == address:
                raise InvalidInput("A patient cannot be their own proxy.")
            account, link = self._account_for(uow, address, clean_name(first_name), clean_name(last_name))
            if any(g.patient_id == patient_id for g, _ in live_grants(uow, account.id or 0, now)):
                raise Conflict("That person already has access. Remove it first to give different access.")
            zone = clinic_zone(uow)
            grant = uow.access.add_grant(ProxyGrant(
                account_id=account.id or 0, patient_id=patient_id, scope=scope, relationship=relationship.strip(),
                expires_at=expires_at, until_majority=is_minor(patient.date_of_birth, now, zone),
                granted_by=actor.label), now)
            schedule_grant_end(uow, grant, patient.date_of_birth, zone, now)
            key = self._kit.email(uow, "proxy_granted", to=account.email, language=account.language,
                                  key=f"proxy:{grant.id}:granted",
                                  context={"name": account.first_name, "patient_name": patient.full_name,
                                           "scope": scope.value, "link": link or self._kit.url("/login")})
            self._kit.audit(uow, audit.PROXY_GRANTED, actor, patient_id=patient_id, proxy=account.email,
                            scope=scope.value)
            uow.commit()
        self._kit.send_now(key)
        return grant

    def revoke(self, grant_id: int, *, actor: Actor = Actor.front_desk(), patient_id: int | None = None) -> None:
        """Ends a grant at once (and the job that would have closed it at its end). With ``patient_id`` (a
        patient revoking from their settings) the grant must be over that patient. Raises ``NotFound``."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            grant = self._grant(uow, grant_id, patient_id)
            if grant.revoked_at is None:
                uow.access.save_grant(attrs.evolve(grant, revoked_at=now, revoked_by=actor.label))
                cancel_grant_jobs(uow, grant_id, now)
                self._kit.audit(uow, audit.PROXY_REVOKED, actor, patient_id=grant.patient_id, grant=grant_id)
            uow.commit()

    def renew(self, grant_id: int, *, expires_at: datetime | None, actor: Actor = Actor.front_desk()) -> None:
        """Keeps a grant over a patient who turned (or will turn) 18, with their consent; the end it then has
        (``expires_at``, or none) replaces the one planned."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            grant = self._grant(uow, grant_id, None)
            renewed = attrs.evolve(grant, until_majority=False, expires_at=expires_at)
            uow.access.save_grant(renewed)
            zone = clinic_zone(uow)
            if renewed.ends_at(None, zone) != grant.ends_at(_patient(uow, grant.patient_id).date_of_birth, zone):
                cancel_grant_jobs(uow, grant_id, now)
                schedule_grant_end(uow, renewed, None, zone, now)
            self._kit.audit(uow, audit.PROXY_GRANTED, actor, patient_id=grant.patient_id, grant=grant_id,
                            renewed=True)
            uow.commit()

    def grants_for(self, patient_id: int) -> list[ProxyGrant]:
        with self._kit.uow(readonly=True) as uow:
            return uow.access.grants_for_patient(patient_id)

    def represented(self, account_id: int) -> list[Represented]:
        """The records one login may open: its own first, then those it is an active proxy for."""
        now = self._kit.clock.now()
        with self._kit.uow(readonly=True) as uow:
            account = load_account(uow, account_id)
            found = []
            if account.patient_id is not None:
                own = _patient(uow, account.patient_id)
                found.append(Represented(own.id or 0, own.full_name, ProxyScope.ALL, True))
            for grant, patient in live_grants(uow, account_id, now):
                found.append(Represented(grant.patient_id, patient.full_name, grant.scope, False))
        return found

    def switch(self, session: PortalSession, patient_id: int, *, ip: str = "") -> PortalSession:
        """Makes the session act for ``patient_id`` (own record or an active grant). Raises ``NotAllowed``."""
        if not any(r.patient_id == patient_id for r in self.represented(session.account_id)):
            raise NotAllowed("You do not have access to that person's portal.")
        with self._kit.uow() as uow:
            switched = attrs.evolve(session, acting_for=patient_id)
            uow.access.save_session(switched)
            self._kit.audit(uow, audit.SWITCHED_PATIENT, Actor("", session.account_id, ip), patient_id=patient_id)
            uow.commit()
        return switched

    def authorize(self, session: PortalSession, area: Area) -> Access:
        """Whose data this session may touch in ``area``: the patient it acts for, when its own record or an
        active grant whose scope covers the area. Raises ``NotAllowed`` otherwise (also when the grant was
        revoked or expired after the switch)."""
        now = self._kit.clock.now()
        with self._kit.uow(readonly=True) as uow:
            account = load_account(uow, session.account_id)
            name = f"{account.first_name} {account.last_name}".strip()
            target = session.acting_for if session.acting_for is not None else account.patient_id
            if target is None:
                raise NotAllowed("Choose whose portal to open first.")
            if target == account.patient_id:
                return Access(target, session.account_id, False, name)
            for grant, _ in live_grants(uow, session.account_id, now):
                if grant.patient_id == target and grant.allows(area):
                    return Access(target, session.account_id, True, name)
        raise NotAllowed("You do not have access to this part of that person's portal.")

    # -- the patient's own settings: who may act for them
    def holders(self, session: PortalSession) -> list[ProxyHolder]:
        """Who may act for the signed-in patient (revoked access left out, ended access marked), oldest first.
        Only the patient acting for themselves may look. Raises ``NotAllowed``."""
        patient_id, now = self.own_record(session).patient_id, self._kit.clock.now()
        with self._kit.uow(readonly=True) as uow:
            patient, zone = _patient(uow, patient_id), clinic_zone(uow)
            found = []
            for grant in uow.access.grants_for_patient(patient_id):
                holder = uow.access.account(grant.account_id)
                if grant.revoked_at is None and holder is not None:
                    last_day = None
                    if grant.expires_at is not None:  # access ends at a midnight: the day before is the last
                        last_day = (grant.expires_at - timedelta(microseconds=1)).astimezone(zone).date()
                    found.append(ProxyHolder(
                        grant.id or 0, f"{holder.first_name} {holder.last_name}".strip(), holder.email,
                        grant.relationship, grant.scope, last_day, grant.until_majority, grant.granted_by,
                        grant.active(now, patient.date_of_birth, zone)))
        return found

    def revoke_own(self, session: PortalSession, grant_id: int, *, ip: str = "") -> None:
        """The signed-in patient ends someone's access to their portal at once. Raises ``NotAllowed`` (a proxy)
        and ``NotFound`` (no such access over this patient)."""
        access = self.own_record(session)
        self.revoke(grant_id, actor=Actor(access.actor, session.account_id, ip), patient_id=access.patient_id)

    # -- parts shared with the patient's own invitations (proxy_invites.py)
    def own_record(self, session: PortalSession) -> Access:
        """The session's own patient record, when it acts for itself; proxies never manage access."""
        try:
            return self.authorize(session, Area.SECURITY)
        except NotAllowed:
            raise NotAllowed(ONLY_YOURS) from None

    def reauthenticate(self, session: PortalSession, password: str, ip: str) -> None:
        """Checks the password again before a sensitive change; wrong ones count like failed logins."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            account = load_account(uow, session.account_id, for_update=True)
            if account.wait(now):
                raise TooManyAttempts(account.wait(now))
            if not self._kit.password_matches(account, password):
                uow.access.save_account(account.after_failure(now, self._kit.policy))
                self._kit.audit(uow, audit.LOGIN_FAILED, Actor(account.email, account.id, ip),
                                patient_id=account.patient_id, step="reauthentication")
                uow.commit()
                raise InvalidInput(WRONG_PASSWORD)
            uow.access.save_session(attrs.evolve(session, reauthenticated_at=now))
            uow.commit()

    def _account_for(self, uow: UnitOfWork, address: str, first_name: str, last_name: str) -> tuple[Account, str]:
        """The proxy's login, and a link to choose a password when they have none yet."""
        account = uow.access.account_by_email(address)
        now = self._kit.clock.now()
        if account is None:
            patient = uow.patients.by_email(address)
            if not (first_name and last_name) and patient is None:
                raise InvalidInput("Give the first and last name of the person who will have access.")
            account = uow.access.add_account(Account(
                email=address, first_name=patient.first_name if patient else first_name,
                last_name=patient.last_name if patient else last_name,
                patient_id=patient.id if patient else None), now)
        if account.active:
            return account, ""
        token, token_hash = self._kit.new_token()
        uow.access.add_link(AccessLink(purpose=LinkPurpose.RESET, token_hash=token_hash, account_id=account.id,
                                       email=address, expires_at=now + self._kit.policy.invite_ttl), now)
        return account, self._kit.url(f"/password/reset/{token}")

    @staticmethod
    def _grant(uow: UnitOfWork, grant_id: int, patient_id: int | None) -> ProxyGrant:
        grants = uow.access.grants_for_patient(patient_id) if patient_id is not None else None
        if grants is None:
            found = uow.access.grant(grant_id)
        else:
            found = next((g for g in grants if g.id == grant_id), None)
        if found is None:
            raise NotFound("This access does not exist.")
        return found


def access_end(uow: UnitOfWork, expires_on: date | None, now: datetime) -> datetime | None:
    """When access with ``expires_on`` as its last day (in the clinic's time zone) ends, in UTC; None for no
    end. Raises ``InvalidInput`` when that is not in the future."""
    if expires_on is None:
        return None
    expires_at = datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=clinic_zone(uow)).astimezone(UTC)
    if expires_at <= now:
        raise InvalidInput("The end date of the access must be in the future.")
    return expires_at


def _patient(uow: UnitOfWork, patient_id: int) -> Patient:
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound("Patient %(id)s does not exist.", id=patient_id)
    return patient

