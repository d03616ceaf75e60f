"""Getting into the portal: invitations by the clinic (one, or all at once), self sign-up and email proof."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum

import attrs

from portalcore.domain import audit
from portalcore.domain.access import AccessLink, Account, LinkPurpose
from portalcore.domain.errors import InvalidInput, NotFound
from portalcore.domain.patients import Patient, check_names, normalize_email, plausible_birth_date
from portalcore.ports import UnitOfWork
from portalcore.services.access.deadlines import schedule_invitation_reminder
from portalcore.services.access.kit import AccessKit, Actor, stamp
from portalcore.services.contact import check_email, check_mobile

LINK_GONE = "This link has expired or was already used. Ask the clinic for a new invitation, or use “Forgot password”."


@attrs.frozen
class Invitation:
    """What the set-password page shows."""

    first_name: str
    email: str


class PortalState(str, Enum):
    NEVER_INVITED = "never_invited"
    INVITED = "invited"  # a link was sent; no password chosen yet
    ACTIVE = "active"  # has a login with a password and a proven email


@attrs.frozen
class PortalStatus:
    """What the front desk sees of one patient's portal access."""

    state: PortalState
    invited_at: datetime | None = None  # the latest invitation
    invitation_usable: bool = False  # that link can still be opened (not used, voided or expired)
    last_login_at: datetime | None = None
    login_email: str = ""


@attrs.frozen
class ActivationRun:
    candidates: int  # patients with an email who never logged in
    sent: int
    skipped: int  # invited recently enough already


class InvitationService:
    def __init__(self, kit: AccessKit, region: str = "US") -> None:
        self._kit, self._region = kit, region

    def invite(self, patient_id: int, *, by_email: bool = True, by_sms: bool = False,
               actor: Actor = Actor.front_desk()) -> None:
        """Sends portal access to a patient: an email with a link to set a password and/or a text that says
        so (or carries the link when there is no email). A new invitation voids the earlier link. Raises
        ``NotFound``, ``InvalidInput`` (nothing chosen, no email nor mobile) and ``PortalClosed``."""
        if not (by_email or by_sms):
            raise InvalidInput("Choose email, SMS or both to send portal access.")
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            keys = self.queue_invite(uow, self._patient(uow, patient_id), by_email=by_email, by_sms=by_sms, actor=actor)
            uow.commit()
        self._kit.send_now(*keys)

    def status(self, patient_id: int) -> PortalStatus:
        """Whether the patient was never invited, is invited (since when, and whether the link still works)
        or has an active login (and when they last logged in). Raises ``NotFound``."""
        with self._kit.uow(readonly=True) as uow:
            self._patient(uow, patient_id)
            return self.status_in(uow, patient_id)

    def status_in(self, uow: UnitOfWork, patient_id: int) -> PortalStatus:
        """``status`` inside the caller's transaction (the front desk's audited read of a patient)."""
        account = uow.access.account_of_patient(patient_id)
        link = uow.access.latest_link(LinkPurpose.INVITE, patient_id=patient_id)
        invited_at = link.created_at if link else None
        usable = link is not None and link.usable(self._kit.clock.now())
        if account is not None and account.active:
            return PortalStatus(PortalState.ACTIVE, invited_at, usable, account.last_login_at, account.email)
        return PortalStatus(PortalState.INVITED if link else PortalState.NEVER_INVITED, invited_at, usable)

    def deliver(self, keys: list[str]) -> None:
        """Sends invitations queued by ``queue_invite`` at once, after the caller's commit (the worker retries
        any that fail)."""
        self._kit.send_now(*keys)

    def activation_candidates(self) -> int:
        """How many patients with an email have never logged in ("Activate Now" shows this number)."""
        with self._kit.uow(readonly=True) as uow:
            return len(uow.access.never_logged_in())

    def activate_all(self, *, resend_older_than: timedelta | None = None, actor: Actor = Actor("admin"),
                     batch: int = 200, dry_run: bool = False) -> ActivationRun:
        """Emails the welcome invitation to every patient who never logged in. Running it again sends nothing
        to those already invited, unless their last invitation is older than ``resend_older_than``. Commits
        per batch, so an interrupted run resumes where it stopped. With ``dry_run`` it only counts who would
        get the email and changes nothing. Raises ``PortalClosed``."""
        now = self._kit.clock.now()
        with self._kit.uow(readonly=True) as uow:
            self._kit.require_open(uow)
            candidates = [patient_id for patient_id, _ in uow.access.never_logged_in()]
        sent = skipped = 0
        for start in range(0, len(candidates), batch):
            with self._kit.uow(readonly=dry_run) as uow:
                for patient_id in candidates[start:start + batch]:
                    last = uow.access.latest_link(LinkPurpose.INVITE, patient_id=patient_id)
                    if last is not None and (resend_older_than is None or now - last.created_at < resend_older_than):
                        skipped += 1
                        continue
                    patient = uow.patients.get(patient_id)
                    if patient is None or not patient.email:
                        continue
                    if not dry_run:
                        self.queue_invite(uow, patient, by_email=True, by_sms=False, actor=actor)
                    sent += 1
                if not dry_run:
                    uow.commit()
        return ActivationRun(candidates=len(candidates), sent=sent, skipped=skipped)

    def invitation(self, token: str) -> Invitation:
        """The invitation behind a link; raises ``InvalidInput`` when it expired or was used, ``PortalClosed``."""
        with self._kit.uow(readonly=True) as uow:
            self._kit.require_open(uow)
            link = self._usable(uow, token, LinkPurpose.INVITE)
            patient = self._patient(uow, link.patient_id)
        return Invitation(first_name=patient.first_name, email=link.email)

    def accept(self, token: str, password: str, *, ip: str = "") -> Account:
        """Sets the password of an invited patient; the link proves the email. Raises ``InvalidInput`` for a
        used or expired link or a password the policy refuses (saying why), ``PortalClosed``."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            link = self._usable(uow, token, LinkPurpose.INVITE)
            patient = self._patient(uow, link.patient_id)
            password_hash = self._kit.check_new_password(password, clinic=uow.clinic.get(),
                                                         first_name=patient.first_name, last_name=patient.last_name,
                                                         email=link.email)
            account = self._account_for(uow, patient, link.email, password_hash)
            uow.access.use_link(link.token_hash, now)
            uow.access.revoke_links(LinkPurpose.INVITE, now, patient_id=patient.id)
            self._kit.audit(uow, audit.ACCOUNT_ACTIVATED, Actor(patient.full_name, account.id, ip),
                            patient_id=patient.id)
            uow.commit()
        return account

    def register(self, *, first_name: str, last_name: str, email: str, password: str, mobile: str = "",
                 date_of_birth: date | None = None, language: str = "en", ip: str = "") -> None:
        """Self sign-up. Answers the same whether or not the email is known (no account enumeration): a known
        address gets a "you already have an account" email, a new one a link to verify it; an address asked
        for too often this hour gets nothing more (``EMAILS_PER_HOUR``). The patient profile is linked or
        created only when the link is opened. Raises ``InvalidInput`` for bad input and
        ``PortalClosed``."""
        first_name, last_name = check_names(first_name, last_name)
        address = check_email(email)
        phone = check_mobile(mobile, self._region) if mobile.strip() else ""
        now = self._kit.clock.now()
        if not plausible_birth_date(date_of_birth, now.date()):
            raise InvalidInput("Please give your real date of birth.")
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            password_hash = self._kit.check_new_password(password, clinic=uow.clinic.get(), first_name=first_name,
                                                         last_name=last_name, email=address)
            if self._kit.over_email_limit(uow, "signup", address):
                uow.commit()
                return
            existing = uow.access.account_by_email(address)
            if existing is not None and existing.active:
                key = self._kit.email(uow, "signup_exists", to=address, language=language,
                                      key=f"signup-exists:{address}:{stamp(now)}",
                                      context={"name": existing.first_name or first_name,
                                               "login_link": self._kit.url("/login"),
                                               "reset_link": self._kit.url("/password/forgot")})
            else:
                token, token_hash = self._kit.new_token()
                uow.access.add_link(AccessLink(
                    purpose=LinkPurpose.VERIFY_EMAIL, token_hash=token_hash, email=address,
                    expires_at=now + self._kit.policy.verify_ttl,
                    data={"first_name": first_name, "last_name": last_name, "mobile": phone,
                          "date_of_birth": date_of_birth.isoformat() if date_of_birth else "",
                          "language": language, "password_hash": password_hash}), now)
                key = self._kit.email(uow, "verify_email", to=address, language=language,
                                      key=f"verify:{token_hash[:16]}",
                                      context={"name": first_name, "link": self._kit.url(f"/signup/verify/{token}"),
                                               "hours": int(self._kit.policy.verify_ttl.total_seconds() // 3600)})
            self._kit.audit(uow, audit.REGISTERED, Actor(f"{first_name} {last_name}", None, ip), email=address)
            uow.commit()
        self._kit.send_now(key)

    def verify_email(self, token: str) -> Account:
        """Finishes a sign-up: the address is proven. The login is tied to the patient who already has that
        email (no duplicate profile) or to a new patient profile. Raises ``InvalidInput`` for a used or
        expired link, ``PortalClosed``."""
        now = self._kit.clock.now()
        with self._kit.uow() as uow:
            self._kit.require_open(uow)
            link = self._usable(uow, token, LinkPurpose.VERIFY_EMAIL)
            data = link.data
            patient = uow.patients.by_email(link.email)
            if patient is None:
                born = date.fromisoformat(data["date_of_birth"]) if data.get("date_of_birth") else None
                patient = uow.patients.add(Patient(first_name=data["first_name"], last_name=data["last_name"],
                                                   email=link.email, mobile=data.get("mobile", ""),
                                                   date_of_birth=born, language=data.get("language", "en")))
            account = self._account_for(uow, patient, link.email, data["password_hash"])
            uow.access.use_link(link.token_hash, now)
            self._kit.audit(uow, audit.ACCOUNT_ACTIVATED, Actor(patient.full_name, account.id),
                            patient_id=patient.id, via="sign-up")
            uow.commit()
        return account

    # -- parts
    def queue_invite(self, uow: UnitOfWork, patient: Patient, *, by_email: bool, by_sms: bool,
                     actor: Actor, reminder: bool = False) -> list[str]:
        """Queues the invitation in the caller's transaction (a booking, a new patient); returns the outbox keys.
        A reminder is scheduled for the day before it expires; with ``reminder`` this is that reminder (worded
        as one, and not reminded again, see ``AccessJobs.remind_invitation``)."""
        if by_email and not patient.email:
            raise InvalidInput("%(name)s has no email address; add one or send the invitation by SMS.",
                              name=patient.full_name)
        if by_sms and not patient.mobile:
            raise InvalidInput("%(name)s has no mobile number; add one or send the invitation by email.",
                              name=patient.full_name)
        if not patient.email and not by_sms:
            raise InvalidInput("%(name)s has no email address.", name=patient.full_name)
        now = self._kit.clock.now()
        uow.access.revoke_links(LinkPurpose.INVITE, now, patient_id=patient.id)
        token, token_hash = self._kit.new_token()
        invitation = AccessLink(purpose=LinkPurpose.INVITE, token_hash=token_hash, patient_id=patient.id,
                                email=patient.email, expires_at=now + self._kit.policy.invite_ttl)
        uow.access.add_link(invitation, now)
        link, keys = self._kit.url(f"/access/invite/{token}"), []
        language = patient.language
        if by_email:
            keys.append(self._kit.email(uow, "invitation_reminder" if reminder else "welcome", to=patient.email,
                                        language=language,
                                        key=f"invite:{token_hash[:16]}:email",
                                        context={"patient_name": patient.first_name, "link": link}))
        if by_sms:
            keys.append(self._kit.sms(uow, "portal_access_sms", to=patient.mobile, language=language,
                                      key=f"invite:{token_hash[:16]}:sms",
                                      context={"patient_name": patient.first_name, "email_sent": by_email,
                                               "link": "" if by_email else link}))
        channels = [c for c, on in (("email", by_email), ("sms", by_sms)) if on]
        if not reminder:
            schedule_invitation_reminder(uow, invitation, channels, now)
        self._kit.audit(uow, audit.INVITED, actor, patient_id=patient.id, channels=channels,
                        **({"reminder": True} if reminder else {}))
        return keys

    def _account_for(self, uow: UnitOfWork, patient: Patient, email: str, password_hash: str) -> Account:
        now = self._kit.clock.now()
        account = uow.access.account_of_patient(patient.id) or uow.access.account_by_email(email)
        if account is None:
            return uow.access.add_account(Account(
                email=normalize_email(email), first_name=patient.first_name, last_name=patient.last_name,
                patient_id=patient.id, password_hash=password_hash, email_verified_at=now, password_changed_at=now,
                language=patient.language), now)
        updated = attrs.evolve(account, password_hash=password_hash, email_verified_at=now, password_changed_at=now,
                               patient_id=account.patient_id or patient.id, must_change_password=False)
        uow.access.save_account(updated)
        return updated

    def _usable(self, uow: UnitOfWork, token: str, purpose: LinkPurpose) -> AccessLink:
        link = uow.access.link(self._kit.digest(token))
        if link is None or link.purpose is not purpose or not link.usable(self._kit.clock.now()):
            raise InvalidInput(LINK_GONE)
        return link

    @staticmethod
    def _patient(uow: UnitOfWork, patient_id: int | None) -> Patient:
        patient = uow.patients.get(patient_id) if patient_id is not None else None
        if patient is None:
            raise NotFound("Patient %(id)s does not exist.", id=patient_id)
        return patient
