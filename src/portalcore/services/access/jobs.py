"""Timed jobs about portal access, not about a visit: a carer's access reaching its end, a reminder the day
before an unused invitation expires, and the link asked for with "forgot password".

They are planned (``deadlines.py``) in the transaction that grants, renews, revokes or invites, and
``TimedJobRunner`` hands them to ``AccessJobs`` when due. Access is still checked on every use (an ended grant or an expired link opens
nothing whether or not a job ran); the jobs tell the people concerned and record the end.
"""

from __future__ import annotations

from collections.abc import Callable

from portalcore.domain import audit
from portalcore.domain.access import LinkPurpose
from portalcore.domain.access_timing import grant_end_applies, invitation_reminder_applies
from portalcore.domain.timed_events import JobKind, TimedJob
from portalcore.ports import UnitOfWork
from portalcore.services.access.credentials import CredentialService
from portalcore.services.access.grants import clinic_zone
from portalcore.services.access.invitations import InvitationService
from portalcore.services.access.kit import AccessKit, Actor

SYSTEM = Actor("system")
AccessJobHandler = Callable[[UnitOfWork, TimedJob], int]


class AccessJobs:
    """What the worker does when an access job falls due; each returns how many things it did (0: nothing
    applied any more)."""

    def __init__(self, kit: AccessKit, invitations: InvitationService, credentials: CredentialService) -> None:
        self._kit, self._invitations, self._credentials = kit, invitations, credentials

    def handlers(self) -> dict[JobKind, AccessJobHandler]:
        return {JobKind.PROXY_ACCESS_ENDED: self.grant_ended, JobKind.INVITATION_REMINDER: self.remind_invitation,
                JobKind.PASSWORD_RESET: self.send_reset}

    def send_reset(self, uow: UnitOfWork, job: TimedJob) -> int:
        """Emails a link to choose a new password when the address asked for has a login (nothing otherwise)."""
        return self._credentials.queue_reset(uow, job.data["email"], job.data.get("ip", ""))

    def grant_ended(self, uow: UnitOfWork, job: TimedJob) -> int:
        """Records in the audit log that a carer's access ended as planned, and emails the carer and the
        patient (the address on the patient's record: a parent's, for a child) that it has. Nothing happens
        when the grant was revoked or its end moved since the job was planned."""
        grant = uow.access.grant(int(job.data["grant_id"]))
        patient = uow.patients.get(grant.patient_id) if grant is not None else None
        zone, now = clinic_zone(uow), self._kit.clock.now()
        if grant is None or patient is None or not grant_end_applies(job, grant, patient.date_of_birth, zone, now):
            return 0
        holder = uow.access.account(grant.account_id)
        reason = "last day" if grant.expires_at == grant.ends_at(patient.date_of_birth, zone) else "18th birthday"
        self._kit.audit(uow, audit.PROXY_ENDED, SYSTEM, patient_id=patient.id, grant=grant.id,
                        proxy=holder.email if holder else "", reason=reason)
        if holder is None:
            return 1
        self._kit.email(uow, "proxy_access_ended", to=holder.email, language=holder.language,
                        key=f"{job.key}:proxy", context={"name": holder.first_name, "patient_name": patient.full_name})
        if patient.email:
            self._kit.email(uow, "proxy_access_ended_patient", to=patient.email, language=patient.language,
                            key=f"{job.key}:patient",
                            context={"name": patient.first_name,
                                     "proxy_name": f"{holder.first_name} {holder.last_name}".strip() or holder.email,
                                     "link": self._kit.url("/settings/proxies")})
        return 2 + bool(patient.email)

    def remind_invitation(self, uow: UnitOfWork, job: TimedJob) -> int:
        """Reminds a patient, the day before their portal invitation expires, that it is waiting.

        Only a keyed hash of an invitation's link is stored, so the link itself cannot be sent again. The
        reminder is therefore a fresh invitation through the front desk's "send again" path: a new link, valid
        for the full time again, in an email that says it is a reminder; the old link stops working a day
        early, which nobody misses as the new one lands in the same inbox. A clinic expects one nudge, not a
        stream: the fresh invitation gets no reminder of its own. Nothing is sent when the patient has since
        signed up, the invitation was used or replaced, the portal is switched off, or the patient no longer
        has the email or mobile it went to."""
        patient = uow.patients.get(int(job.data["patient_id"]))
        clinic = uow.clinic.get()
        if patient is None or patient.id is None or clinic is None or not clinic.settings.portal_enabled:
            return 0
        account = uow.access.account_of_patient(patient.id)
        latest = uow.access.latest_link(LinkPurpose.INVITE, patient_id=patient.id)
        if not invitation_reminder_applies(job, latest, bool(account and account.active), self._kit.clock.now()):
            return 0
        channels = job.data.get("channels", ["email"])
        by_email, by_sms = "email" in channels and bool(patient.email), "sms" in channels and bool(patient.mobile)
        if not (by_email or by_sms):
            return 0
        return len(self._invitations.queue_invite(uow, patient, by_email=by_email, by_sms=by_sms, actor=SYSTEM,
                                                  reminder=True))
