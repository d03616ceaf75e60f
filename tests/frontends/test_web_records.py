"""The patient's visits and "who viewed your record" pages through the test client, over SQLite and PostgreSQL:
clinic time, Spanish, never cached, a proxy's scope, and the audit entry each page view leaves."""

from __future__ import annotations


from litestar.testing import TestClient
from sqlalchemy import text

from portal_web.i18n import translations
from portalcore.bootstrap import Portal
from portalcore.domain import audit
from portalcore.domain.proxies import ProxyScope
from tests.frontends.test_web_access import accept_invitation, olivia_id, sign_in
from tests.frontends.web_forms import link, links, text_of, title_of
from tests.fakes.memory import RecordingSender
from tests.integration import test_access
from tests.integration.test_proxies import CARER


def signed_in(client: TestClient, portal: Portal, mailer: RecordingSender) -> TestClient:
    accept_invitation(client, portal, mailer)
    sign_in(client, mailer)
    return client


def carer_for_olivia(client: TestClient, portal: Portal, mailer: RecordingSender, scope: ProxyScope) -> None:
    """Sam, a carer granted ``scope`` over Olivia, signed in in ``client`` with Olivia's record open."""
    patient = olivia_id(portal)
    portal.proxies.grant(patient, email=CARER, first_name="Sam", last_name="Carer", scope=scope)
    portal.credentials.reset_password(test_access.last_link(mailer, CARER, "/password/reset/"), test_access.GOOD)
    token = test_access.sign_in(portal, mailer, CARER)
    session = portal.login.session(token)
    assert session is not None
    portal.proxies.switch(session, patient)
    client.cookies.set("portal_session", token)


def view_events(portal: Portal) -> list[tuple[str, int | None, bool]]:
    with portal._engine.connect() as connection:
        rows = connection.execute(text("SELECT action, patient_id, as_proxy FROM audit_event "
                                       "WHERE action LIKE 'view_%' ORDER BY id")).all()
    return [(r[0], r[1], bool(r[2])) for r in rows]


def test_the_dashboard_leads_to_the_visits_and_to_who_viewed_the_record(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    page = signed_in(client, demo_portal, mailer).get("/portal").text

    assert link(page, "Your visits") == "/portal/visits"
    assert link(page, "Who viewed your record") == "/portal/activity"


def test_visits_page_lists_upcoming_and_past_visits_in_clinic_time_and_is_never_cached(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    page = signed_in(client, demo_portal, mailer).get("/portal/visits")
    shown = text_of(page.text)

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert title_of(page.text).startswith("Your visits")
    # the demo clinic's visits for Olivia: dermaplaning next Monday 11:00 and a facial six weeks ago, New York time
    upcoming, past = shown.split("Upcoming", 1)[1].split(" Past ", 1)
    assert "Monday 23 November 2026, 11:00 AM" in upcoming and "Dermaplaning" in upcoming
    assert "Monday 5 October 2026, 10:00 AM" in past and "HydraFacial" in past
    assert "Sofia" in upcoming and "SoHo" in upcoming and "$" in upcoming


def test_visits_page_speaks_spanish(client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    page = signed_in(client, demo_portal, mailer).get("/portal/visits?lang=es")

    assert '<html lang="es">' in page.text and title_of(page.text).startswith("Sus citas")
    assert "lunes, 23 de noviembre de 2026" in text_of(page.text) and "Próximas" in text_of(page.text)


def test_without_a_session_both_pages_lead_to_sign_in(client: TestClient) -> None:
    for path in ("/portal/visits", "/portal/activity"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Fportal%2F")


def test_each_page_view_writes_exactly_one_view_event(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    signed_in(client, demo_portal, mailer)
    patient = olivia_id(demo_portal)

    client.get("/portal/visits")
    assert view_events(demo_portal) == [("view_visits", patient, False)]
    client.get("/portal/activity")
    assert view_events(demo_portal) == [("view_visits", patient, False), ("view_access_log", patient, False)]


def test_who_viewed_your_record_shows_the_patients_own_reads_and_sign_ins(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    signed_in(client, demo_portal, mailer).get("/portal/visits")
    page = client.get("/portal/activity")
    shown = text_of(page.text)

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert title_of(page.text).startswith("Who viewed your record")
    assert "You: Viewed the visits" in shown and "You: Signed in" in shown
    assert "front desk: An invitation to the portal was sent" in shown
    assert "Monday 16 November 2026, 9:00 AM" in shown and "from testclient" in shown
    assert shown.index("Viewed the visits") < shown.index("Signed in")  # newest first


def test_the_log_is_paged_with_links_to_older_and_newer_entries(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    signed_in(client, demo_portal, mailer)
    for _ in range(30):
        client.get("/portal/visits")

    first = client.get("/portal/activity")
    assert link(first.text, "Older") == "/portal/activity?page=2"
    assert not [href for href, label in links(first.text) if label == "Newer"]
    second = client.get("/portal/activity?page=2")
    assert link(second.text, "Newer") == "/portal/activity"
    assert client.get("/portal/activity?page=0").status_code == 400


def test_a_carer_for_visits_and_forms_sees_the_visits_but_not_the_log(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    carer_for_olivia(client, demo_portal, mailer, ProxyScope.VISITS_FORMS)
    patient = olivia_id(demo_portal)

    visits = client.get("/portal/visits")
    assert visits.status_code == 200 and title_of(visits.text).startswith("Visits of Olivia Martinez")
    log = client.get("/portal/activity")
    assert log.status_code == 403 and "not open to you" in text_of(log.text)
    assert view_events(demo_portal) == [("view_visits", patient, True)]


def test_the_patient_sees_the_carer_by_name_in_the_log(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    carer_for_olivia(client, demo_portal, mailer, ProxyScope.ALL)
    client.get("/portal/visits")
    client.cookies.clear()
    signed_in(client, demo_portal, mailer)

    shown = text_of(client.get("/portal/activity").text)

    assert "Sam Carer (acting for the patient): Viewed the visits" in shown


def test_every_kind_of_log_entry_has_spanish_words() -> None:
    spanish = translations("es")
    for words in audit.PLAIN_WORDS.values():
        assert spanish.gettext(words) != words, words
