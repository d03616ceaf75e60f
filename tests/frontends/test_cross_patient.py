"""Patient A can never read patient B's data through any route of the web app, and a proxy's scope holds.

Every route of the Litestar app (the documented API and the pages alike) is called with every method it takes,
with its path parameters filled with B's identifiers, once with A's session and once with none. No answer may
be a server error or carry B's name, email, phone or visit reference. ``PATHS`` names how to fill each route:
a route missing from it fails the test, so no route is added unseen.

Secrets are a special case: a booking reference, a held time's token and the links in B's emails and reminders
are bearer secrets (96 to 256 random bits, or an HMAC signature) that reach only B. Whoever holds one may see and
do what it is for (the reference echoed on its own booking page, a reminder's "cancel"), but never see B's name,
email or phone; a near miss or a forged signature finds nothing; and no call without one of B's secrets changes
B's visits or is recorded as A doing anything about B.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import attrs
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from sqlalchemy import text

from portalcore.bootstrap import Portal
from portalcore.domain.booking import PatientDetails
from portalcore.domain.proxies import ProxyScope
from portalcore.services.visits.signed_links import VisitLinks
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, text_of
from tests.integration.test_access import GOOD, last_link, sign_in
from tests.integration.test_booking import TUESDAY, details, local, verified_phone

A_EMAIL = "olivia.martinez@example.com"
B_EMAIL, B_MOBILE = "ethan.brooks@example.com", "+13475550188"
C_EMAIL = "sam.carer@example.com"
SESSION_COOKIE, CSRF_COOKIE = "portal_session", "csrftoken"


@attrs.frozen
class World:
    """B's identifiers as B's emails and texts carry them, and the logins of A, B and C (a proxy for B)."""

    a_patient: int
    b_patient: int
    a_account: int
    b_account: int
    c_account: int
    b_reference: str  # B's online booking
    b_hold: str  # a time B is holding right now
    b_phone_check: str  # B's mobile number being checked
    b_invite: str  # the invitation link B used
    b_reset: str  # a live password reset link of B
    b_grant: int  # C's access to B's record
    b_visit_link: str  # the signed link of B's next visit, as B's reminder carries it
    b_secrets: frozenset[str]
    b_visit: int  # the id of B's online booking (ids are not secrets)
    b_waitlist_entry: int  # B waits for a botox visit
    b_proxy_invitation: int  # someone B asked to act for them, who has not answered yet


Fill = Callable[[World], object]
# Every route, and how to fill its path parameters with B's identifiers. A new route must be added here.
PATHS: dict[str, dict[str, Fill]] = {
    "/": {},
    "/book": {},
    "/book/hold": {},
    "/book/provider": {},
    "/book/times": {},
    "/book/checkout/{token:str}": {"token": lambda w: w.b_hold},
    "/book/checkout/{token:str}/code": {"token": lambda w: w.b_hold},
    "/book/checkout/{token:str}/card": {"token": lambda w: w.b_hold},
    "/book/checkout/{token:str}/phone": {"token": lambda w: w.b_hold},
    "/book/checkout/{token:str}/resend": {"token": lambda w: w.b_hold},
    "/book/checkout/{token:str}/verify": {"token": lambda w: w.b_hold},
    "/book/checkout/{token:str}/confirm": {"token": lambda w: w.b_hold},
    "/book/checkout/{token:str}/release": {"token": lambda w: w.b_hold},
    "/bookings/{reference:str}": {"reference": lambda w: w.b_reference},
    "/bookings/{reference:str}/calendar.ics": {"reference": lambda w: w.b_reference},
    # a bearer secret of another kind stands in for the link emailed when B's address books from another phone
    "/visit-claims/{token:str}": {"token": lambda w: w.b_reset},
    "/bookings/{reference:str}/reschedule": {"reference": lambda w: w.b_reference},
    "/bookings/{reference:str}/cancel": {"reference": lambda w: w.b_reference},
    "/bookings/{reference:str}/changed": {"reference": lambda w: w.b_reference},
    "/api/v1/catalog": {},
    "/api/v1/availability": {},
    "/api/v1/holds": {},
    "/api/v1/holds/{token:str}/quote": {"token": lambda w: w.b_hold},
    "/api/v1/bookings": {},
    "/api/v1/bookings/{reference:str}": {"reference": lambda w: w.b_reference},
    "/api/v1/phone-checks": {},
    "/api/v1/phone-checks/{token:str}/verify": {"token": lambda w: w.b_phone_check},
    "/api/v1/phone-checks/{token:str}/resend": {"token": lambda w: w.b_phone_check},
    "/login": {},
    "/login/code": {},
    "/login/code/resend": {},
    "/login/passkey": {},
    "/login/passkey/options": {},
    "/login/passwordless": {},
    "/logout": {},
    "/portal": {},
    "/portal/switch": {},
    "/portal/visits": {},
    "/portal/visits/{visit_id:int}/reschedule": {"visit_id": lambda w: w.b_visit},
    "/portal/visits/{visit_id:int}/cancel": {"visit_id": lambda w: w.b_visit},
    "/portal/visits/{visit_id:int}/changed": {"visit_id": lambda w: w.b_visit},
    "/portal/waitlist": {},
    "/portal/waitlist/{entry_id:int}/leave": {"entry_id": lambda w: w.b_waitlist_entry},
    "/portal/activity": {},
    "/signup": {},
    "/signup/sent": {},
    "/signup/verify/{token:str}": {"token": lambda w: w.b_reset},
    "/access/invite/{token:str}": {"token": lambda w: w.b_invite},
    "/password/forgot": {},
    "/password/forgot/sent": {},
    "/password/reset/{token:str}": {"token": lambda w: w.b_reset},
    "/settings/password": {},
    "/settings/email": {},
    "/settings/email/sent": {},
    "/settings/email/confirm/{token:str}": {"token": lambda w: w.b_reset},
    "/settings/proxies": {},
    "/settings/proxies/{grant_id:int}/revoke": {"grant_id": lambda w: w.b_grant},
    "/settings/proxies/invitations/{invitation_id:int}/withdraw": {"invitation_id": lambda w: w.b_proxy_invitation},
    # the page of B's invitation names B to whoever holds its link; a reset link of B's stands in (it opens nothing)
    "/access/proxy/{token:str}": {"token": lambda w: w.b_reset},
    "/access/accepted": {},
    "/settings/security": {},
    "/settings/security/totp": {},
    "/settings/security/totp/confirm": {},
    "/settings/security/totp/disable": {},
    "/settings/security/recovery-codes": {},
    "/settings/security/passkeys": {},
    "/settings/security/passkeys/finish": {},
    # B has no passkey (WebAuthn needs an authenticator): the first id one would get stands in
    "/settings/security/passkeys/{passkey_id:int}/remove": {"passkey_id": lambda w: 1},
    "/visit/{token:str}": {"token": lambda w: w.b_visit_link},
    "/visit/{token:str}/confirm": {"token": lambda w: w.b_visit_link},
    "/visit/{token:str}/cancel": {"token": lambda w: w.b_visit_link},
    "/visit/{token:str}/reschedule": {"token": lambda w: w.b_visit_link},
    # B is on no waiting list: the secret of B's reminder stands in for an offer's token
    "/waitlist/offer/{token:str}": {"token": lambda w: w.b_visit_link},
    "/healthz": {},
    "/static/{file_path:path}": {"file_path": lambda w: "portal.css"},
    "/schema": {},
    "/schema/openapi.json": {},
    "/schema/{path:str}": {"path": lambda w: "openapi.json"},
}
SKIPPED_METHODS = {"OPTIONS", "HEAD"}  # answered by the framework itself


@pytest.fixture
def world(demo_portal: Portal, mailer: RecordingSender, sms: RecordingSender) -> World:
    portal = demo_portal
    a_patient, b_patient = patient_id(portal, A_EMAIL), patient_id(portal, B_EMAIL)
    for patient, email in ((a_patient, A_EMAIL), (b_patient, B_EMAIL)):
        portal.invitations.invite(patient)
        portal.invitations.accept(last_link(mailer, email, "/access/invite/"), GOOD)
    b_invite = last_link(mailer, B_EMAIL, "/access/invite/")
    # B books online (a visit with a reference), is in the middle of booking another, and forgot the password
    hold = portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 11))
    booked = portal.checkout.confirm(hold.token, verified_phone(portal, sms, B_MOBILE),
                                     details(email=B_EMAIL, mobile=B_MOBILE), payment_method="pm_card_visa",
                                     accepted_policy=True)
    b_hold = portal.booking.hold(["neurotoxin"], "jessica-lin", local(TUESDAY, 15)).token
    portal.checkout_steps.give_details(b_hold, PatientDetails("Ethan", "Brooks", B_EMAIL, B_MOBILE), "B's browser")
    b_phone_check, _ = portal.phone.start(B_MOBILE)
    portal.credentials.forgot_password(B_EMAIL)
    portal.timed.run_due()
    portal.dispatcher.dispatch_due()
    b_reset = last_link(mailer, B_EMAIL, "/password/reset/")
    # C may see B's visits and forms only
    grant = portal.proxies.grant(b_patient, email=C_EMAIL, first_name="Sam", last_name="Carer",
                                 scope=ProxyScope.VISITS_FORMS)
    portal.credentials.reset_password(last_link(mailer, C_EMAIL, "/password/reset/"), GOOD)
    next_visit = min((v for v in portal.schedule.day(TUESDAY.replace(day=19)) if v.appointment.patient_id == b_patient),
                     key=lambda v: v.appointment.start_at).appointment
    b_visit_link = VisitLinks(portal.settings.secret_key.encode(), portal.settings.base_url).token(
        next_visit.id or 0, next_visit.start_at)
    b_entry = portal.waitlist.join(b_patient, ["neurotoxin"], "any", TUESDAY, TUESDAY.replace(day=30))
    accounts = {email: account_id(portal, sign_in(portal, mailer, email)) for email in (A_EMAIL, B_EMAIL, C_EMAIL)}
    b_session = portal.login.session(sign_in(portal, mailer, B_EMAIL))
    assert b_session is not None
    portal.proxy_invites.invite(b_session, password=GOOD, email="dana.friend@example.com", first_name="Dana",
                                last_name="Friend", scope=ProxyScope.ALL)
    [b_invitation] = portal.proxy_invites.pending(b_session)
    return World(a_patient, b_patient, accounts[A_EMAIL], accounts[B_EMAIL], accounts[C_EMAIL], booked.reference,
                 b_hold, b_phone_check, b_invite, b_reset, grant.id or 0, b_visit_link,
                 frozenset({booked.reference, b_hold, b_phone_check, b_invite, b_reset, b_visit_link}),
                 booked.appointment.id or 0, b_entry.id or 0, b_invitation.invitation_id)


def patient_id(portal: Portal, email: str) -> int:
    found = portal.patients.by_email(email)
    assert found is not None and found.id is not None
    return found.id


def account_id(portal: Portal, token: str) -> int:
    session = portal.login.session(token)
    assert session is not None
    return session.account_id


def b_data(portal: Portal, world: World) -> list[str]:
    """What must never show: B's name, email and phone (as stored and as shown), and B's visit references."""
    b = portal.patients.get(world.b_patient)
    references = [b_visit.reference for b_visit in visits_of(portal, world.b_patient) if b_visit.reference]
    assert world.b_reference in references
    return [b.first_name, b.last_name, b.email, b.mobile, "347-555-0188", "(347) 555-0188", "3475550188",
            *references]


def visits_of(portal: Portal, patient: int) -> list:
    with portal._engine.connect() as connection:
        return connection.execute(text("SELECT reference, status, start_at FROM appointment WHERE patient_id = :p "
                                       "ORDER BY id"), {"p": patient}).all()


def audit_rows(portal: Portal) -> list[tuple[str, int | None, int | None, bool]]:
    with portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT action, account_id, patient_id, as_proxy FROM audit_event "
                                       "ORDER BY id")).all()
    return [(r[0], r[1], r[2], bool(r[3])) for r in rows]


def routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        assert isinstance(route, HTTPRoute), route
        found += [(route.path, method) for method in sorted(route.methods - SKIPPED_METHODS)]
    return found


def fill(path: str, world: World) -> str:
    filled = path
    for name, value in PATHS[path].items():
        start = filled.index("{" + name + ":")
        filled = filled[:start] + str(value(world)) + filled[filled.index("}", start) + 1:]
    assert "{" not in filled, f"{path}: a path parameter has no value in PATHS"
    return filled


def csrf(client: TestClient) -> tuple[str, str]:
    """A CSRF cookie and the matching form token, as any page of the site hands them out."""
    page = client.get("/login").text
    return client.cookies[CSRF_COOKIE], form(page, "/login").fields["_csrf_token"]


def call(client: TestClient, method: str, url: str, session: str | None, token: tuple[str, str]):
    client.cookies.clear()
    client.cookies.set(CSRF_COOKIE, token[0])
    if session:
        client.cookies.set(SESSION_COOKIE, session)
    if url.startswith("/api/"):
        return client.request(method, url, json={} if method == "POST" else None, follow_redirects=False)
    data = {"_csrf_token": token[1]} if method == "POST" else None
    return client.request(method, url, data=data, follow_redirects=False)


def leaks(response, secrets_in_request: set[str], forbidden: list[str]) -> list[str]:
    shown = response.text + " " + " ".join(f"{k}: {v}" for k, v in response.headers.multi_items())
    return [item for item in forbidden if item not in secrets_in_request and item in shown]


def test_every_route_is_known_to_this_test(client: TestClient) -> None:
    paths = {path for path, _ in routes(client.app)}

    assert paths - PATHS.keys() == set(), "new routes: say in PATHS how to fill them with B's identifiers"
    assert PATHS.keys() - paths == set(), "routes that no longer exist: remove them from PATHS"


def test_patient_a_never_sees_patient_bs_data_on_any_route(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, world: World) -> None:
    forbidden = b_data(demo_portal, world)
    token = csrf(client)
    b_audit_before = [row for row in audit_rows(demo_portal) if row[2] == world.b_patient]
    problems = []
    for path, method in routes(client.app):
        if path not in PATHS:
            continue  # reported by test_every_route_is_known_to_this_test
        url = fill(path, world)
        carried = {s for s in world.b_secrets if s in url}
        for who in ("A", "nobody"):
            session = sign_in(demo_portal, mailer, A_EMAIL) if who == "A" else None
            views_before = len([r for r in audit_rows(demo_portal) if r[0].startswith("view_")])
            b_state = visits_of(demo_portal, world.b_patient)
            response = call(client, method, url, session, token)
            if not carried and visits_of(demo_portal, world.b_patient) != b_state:
                problems.append(f"{who} {method} {url}: changed B's visits")  # only B's own secrets may
            new_views = [r for r in audit_rows(demo_portal) if r[0].startswith("view_")][views_before:]
            if response.status_code >= 500:
                problems.append(f"{who} {method} {url}: {response.status_code}")
            if found := leaks(response, carried, forbidden):
                problems.append(f"{who} {method} {url}: shows {found}")
            # A's reads are about A; a reminder link's read is the link holder's, recorded without a login
            if any(r[1] is not None and (r[1], r[2]) != (world.a_account, world.a_patient) for r in new_views) \
                    or len(new_views) > 1:
                problems.append(f"{who} {method} {url}: audited {new_views}")

    assert problems == []
    # nothing about B was done in A's name (a link holder's actions are recorded without a login)
    b_audit = [row for row in audit_rows(demo_portal) if row[2] == world.b_patient]
    assert [row for row in b_audit[len(b_audit_before):] if row[1] is not None] == []
    assert world.b_grant in [g.id for g in demo_portal.proxies.grants_for(world.b_patient) if g.revoked_at is None]
    assert [e.state.value for e in demo_portal.waitlist.entries(world.b_patient)] == ["waiting"]
    b_session = demo_portal.login.session(sign_in(demo_portal, mailer, B_EMAIL))
    assert b_session is not None
    assert [p.invitation_id for p in demo_portal.proxy_invites.pending(b_session)] == [world.b_proxy_invitation]


def test_a_near_miss_of_bs_booking_reference_finds_nothing(client: TestClient, world: World) -> None:
    near = world.b_reference[:-1] + ("A" if world.b_reference[-1] != "A" else "B")

    for url in (f"/bookings/{near}", f"/bookings/{near}/calendar.ics", f"/api/v1/bookings/{near}"):
        assert client.get(url).status_code == 404, url


def test_a_reminder_link_with_bs_visit_id_but_another_signature_opens_nothing(
        client: TestClient, demo_portal: Portal, world: World) -> None:
    visit_id, expires, _ = world.b_visit_link.split(".")
    own_signature = VisitLinks(demo_portal.settings.secret_key.encode(), "").token(1, world_expiry(expires))
    forged = f"{visit_id}.{expires}.{own_signature.rsplit('.', 1)[1]}"

    page = client.get(f"/visit/{forged}")
    assert page.status_code in (400, 404) and "Laser" not in text_of(page.text)


def world_expiry(stamp: str):
    return datetime.fromtimestamp(int(stamp), UTC)


def test_the_record_pages_show_a_only_their_own_visits_and_log(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, world: World) -> None:
    client.cookies.set(SESSION_COOKIE, sign_in(demo_portal, mailer, A_EMAIL))
    visits, log = client.get("/portal/visits"), client.get("/portal/activity")

    assert visits.status_code == log.status_code == 200
    assert "Dermaplaning" in text_of(visits.text)  # A's own demo visit
    for item in b_data(demo_portal, world):
        assert item not in visits.text and item not in log.text, item


def test_a_proxy_for_visits_and_forms_sees_bs_visits_but_not_bs_log_and_is_audited_as_proxy(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, world: World) -> None:
    token = sign_in(demo_portal, mailer, C_EMAIL)
    session = demo_portal.login.session(token)
    assert session is not None
    demo_portal.proxies.switch(session, world.b_patient)
    client.cookies.set(SESSION_COOKIE, token)
    before = len(audit_rows(demo_portal))

    visits = client.get("/portal/visits")
    log = client.get("/portal/activity")

    assert visits.status_code == 200 and "Visits of Ethan Brooks" in text_of(visits.text)
    assert f"/bookings/{world.b_reference}" in visits.text and "Laser" in text_of(visits.text)
    assert log.status_code == 403 and "Who viewed" not in text_of(log.text)
    assert audit_rows(demo_portal)[before:] == [("view_visits", world.c_account, world.b_patient, True)]


def test_reads_by_a_and_by_the_proxy_are_in_bs_and_as_logs_with_the_right_actor(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender, world: World) -> None:
    client.cookies.set(SESSION_COOKIE, sign_in(demo_portal, mailer, A_EMAIL))
    client.get("/portal/visits")
    c_token = sign_in(demo_portal, mailer, C_EMAIL)
    c_session = demo_portal.login.session(c_token)
    assert c_session is not None
    demo_portal.proxies.switch(c_session, world.b_patient)
    client.cookies.set(SESSION_COOKIE, c_token)
    client.get("/portal/visits")

    views = [row for row in audit_rows(demo_portal) if row[0] == "view_visits"]
    assert views == [("view_visits", world.a_account, world.a_patient, False),
                     ("view_visits", world.c_account, world.b_patient, True)]
    client.cookies.set(SESSION_COOKIE, sign_in(demo_portal, mailer, B_EMAIL))
    b_log = text_of(client.get("/portal/activity").text)
    assert "Sam Carer (acting for the patient): Viewed the visits" in b_log and "Olivia" not in b_log

