"""Access that runs out by itself, as timed jobs on SQLite and PostgreSQL: a carer's grant ends on its last day
(audited, both sides emailed, revoked or moved ends send nothing), and an unused invitation is renewed once
the day before it expires."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from portalcore.adapters.clock import FixedClock
from portalcore.bootstrap import Portal
from portalcore.domain.errors import InvalidInput
from portalcore.domain.proxies import ProxyScope
from portalcore.domain.timed_events import JobKind, JobState
from tests.fakes.memory import RecordingSender
from tests.integration.test_access import GOOD, last_link, olivia

OLIVIA = "olivia.martinez@example.com"


def run_at(portal: Portal, clock: FixedClock, moment: datetime) -> None:
    clock.at = moment
    portal.timed.run_due()
    portal.dispatcher.dispatch_due()


def subjects(mailer: RecordingSender, to: str) -> list[str]:
    return [m.subject for m in mailer.sent if m.recipient == to]


def audit_actions(portal: Portal, patient_id: int) -> list[str]:
    with portal._engine.connect() as connection:
        return list(connection.execute(text("SELECT action FROM audit_event WHERE patient_id = :p ORDER BY id"),
                                       {"p": patient_id}).scalars())


def test_a_grant_ends_on_its_last_day_with_an_audit_entry_and_an_email_to_each_side_once(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    patient = olivia(demo_portal)
    kept = demo_portal.proxies.grant(patient, email="sam.carer@example.com", first_name="Sam", last_name="Carer",
                                     scope=ProxyScope.ALL, expires_on=date(2026, 11, 20))
    revoked = demo_portal.proxies.grant(patient, email="kim.carer@example.com", first_name="Kim",
                                        last_name="Carer", scope=ProxyScope.ALL, expires_on=date(2026, 11, 20))
    demo_portal.proxies.revoke(revoked.id or 0)
    pending = demo_portal.jobs.entries(JobState.PENDING)
    assert [(line.job.kind, line.job.data["grant_id"]) for line in pending] == [(JobKind.PROXY_ACCESS_ENDED, kept.id)]
    assert pending[0].due_local.isoformat() == "2026-11-21T00:00:00-05:00"  # midnight after the last day
    mailer.sent.clear()

    run_at(demo_portal, clock, datetime(2026, 11, 21, 4, 59, tzinfo=UTC))  # 23:59 on the last day
    assert mailer.sent == []
    run_at(demo_portal, clock, datetime(2026, 11, 21, 5, 0, tzinfo=UTC))
    run_at(demo_portal, clock, datetime(2026, 11, 22, 5, 0, tzinfo=UTC))  # the worker again: nothing twice
    assert subjects(mailer, "sam.carer@example.com") == [
        "Your access to Olivia Martinez's Lumen Aesthetics & Med Spa patient portal has ended"]
    assert subjects(mailer, OLIVIA) == [
        "Sam Carer no longer has access to your Lumen Aesthetics & Med Spa patient portal"]
    assert subjects(mailer, "kim.carer@example.com") == []  # revoked before: its end sends nothing
    assert audit_actions(demo_portal, patient).count("proxy_ended") == 1


def test_a_renewed_grant_over_a_teenager_ends_at_its_new_end_not_at_18(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    teen = demo_portal.patients.add(first_name="Mia", last_name="Martinez", date_of_birth=date(2008, 11, 20),
                                    email="mia.martinez@example.com", language="es")
    assert teen.id is not None
    grant = demo_portal.proxies.grant(teen.id, email="sam.carer@example.com", first_name="Sam",
                                      last_name="Martinez", scope=ProxyScope.ALL, relationship="parent")
    [planned] = [j for j in demo_portal.jobs.entries(JobState.PENDING) if j.job.kind is JobKind.PROXY_ACCESS_ENDED]
    assert planned.due_local.isoformat() == "2026-11-20T00:00:00-05:00"  # the 18th birthday
    new_end = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    demo_portal.proxies.renew(grant.id or 0, expires_at=new_end)
    mailer.sent.clear()

    run_at(demo_portal, clock, datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    assert mailer.sent == []
    run_at(demo_portal, clock, new_end)
    assert subjects(mailer, "mia.martinez@example.com") == [
        "Sam Martinez ya no tiene acceso a su portal de pacientes de Lumen Aesthetics & Med Spa"]
    assert len(subjects(mailer, "sam.carer@example.com")) == 1
    states = [(line.job.state, line.job.due_at) for line in demo_portal.jobs.entries()
              if line.job.kind is JobKind.PROXY_ACCESS_ENDED]
    assert sorted(states) == [(JobState.CANCELLED, planned.job.due_at), (JobState.DONE, new_end)]


def test_an_unused_invitation_is_renewed_once_the_day_before_it_expires(
        demo_portal: Portal, clock: FixedClock, mailer: RecordingSender) -> None:
    demo_portal.invitations.invite(olivia(demo_portal))
    first = last_link(mailer, OLIVIA, "/access/invite/")
    ethan = demo_portal.patients.by_email("ethan.brooks@example.com")
    assert ethan is not None and ethan.id is not None
    demo_portal.invitations.invite(ethan.id)
    demo_portal.invitations.accept(last_link(mailer, "ethan.brooks@example.com", "/access/invite/"), GOOD)
    expires = clock.now() + timedelta(days=7)
    mailer.sent.clear()

    run_at(demo_portal, clock, expires - timedelta(days=1, minutes=1))
    assert mailer.sent == []
    run_at(demo_portal, clock, expires - timedelta(days=1))
    assert subjects(mailer, OLIVIA) == ["Reminder: your Lumen Aesthetics & Med Spa patient portal is waiting"]
    assert subjects(mailer, "ethan.brooks@example.com") == []  # already signed up
    fresh = last_link(mailer, OLIVIA, "/access/invite/")
    with pytest.raises(InvalidInput):  # the old link cannot be sent again, so it was replaced
        demo_portal.invitations.invitation(first)
    assert demo_portal.invitations.invitation(fresh).email == OLIVIA

    run_at(demo_portal, clock, expires + timedelta(days=6, hours=23))  # the fresh one's last day: no second nudge
    assert len(subjects(mailer, OLIVIA)) == 1
