"""A signed-in person's own pages through the web (no JavaScript), over SQLite and PostgreSQL: whom they act for,
switching between records, choosing who may act for them, and changing the sign-in email."""

from __future__ import annotations


from litestar.testing import TestClient

from portalcore.bootstrap import Portal
from portalcore.domain.proxies import ProxyScope
from tests.emails import emailed_code, emailed_path
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, forms, link, links, parse, text_of, title_of

OLIVIA = "olivia.martinez@example.com"
ETHAN = "ethan.brooks@example.com"
CARER = "sam.carer@example.com"
GOOD = "velvet orchard lantern"


def patient_id(portal: Portal, email: str) -> int:
    found = portal.patients.by_email(email)
    assert found is not None and found.id is not None
    return found.id


def set_password(client: TestClient, mailer: RecordingSender, email: str, path: str) -> None:
    """Opens the last emailed link starting with ``path`` and chooses a password there."""
    page_path = emailed_path(mailer, email, path)
    page = client.get(page_path).text
    done = client.post(page_path, data=form(page, page_path).data(password=GOOD), follow_redirects=False)
    assert done.status_code == 303, done.text


def sign_in(client: TestClient, mailer: RecordingSender, email: str) -> None:
    page = client.get("/login").text
    step = client.post("/login", data=form(page, "/login").data(email=email, password=GOOD), follow_redirects=False)
    assert step.status_code == 303, step.text
    code_page = client.get(step.headers["location"]).text
    done = client.post("/login/code", data=form(code_page, "/login/code").data(code=emailed_code(mailer, email)),
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/portal", done.text


def olivia_signs_in(client: TestClient, portal: Portal, mailer: RecordingSender) -> None:
    portal.invitations.invite(patient_id(portal, OLIVIA))
    set_password(client, mailer, OLIVIA, "/access/invite/")
    sign_in(client, mailer, OLIVIA)


def carer_signs_in(client: TestClient, portal: Portal, mailer: RecordingSender, email: str = CARER,
                   scope: ProxyScope = ProxyScope.ALL) -> None:
    """The front desk gives ``email`` access to Olivia; the person chooses a password and signs in."""
    portal.proxies.grant(patient_id(portal, OLIVIA), email=email, first_name="Sam", last_name="Carer", scope=scope)
    set_password(client, mailer, email, "/password/reset/")
    sign_in(client, mailer, email)


def switch_to(client: TestClient, name: str) -> None:
    page = client.get("/portal/switch").text
    [chosen] = [f for f in forms(page, "/portal/switch") if any(name in text for _, _, text in f.buttons)]
    done = client.post("/portal/switch", data=chosen.data(), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/portal", done.text


def test_a_carer_is_greeted_by_their_own_name_and_told_whom_they_act_for(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    carer_signs_in(client, demo_portal, mailer)
    first = client.get("/portal")
    assert "Welcome, Sam" in text_of(first.text) and "Olivia" not in text_of(first.text)
    assert link(first.text, "Choose whose portal to open") == "/portal/switch"

    switch_to(client, "Olivia Martinez")
    dashboard = client.get("/portal")

    assert "Welcome, Sam" in text_of(dashboard.text)
    assert "Acting for Olivia Martinez" in text_of(dashboard.text)  # the header, on every page
    assert "You are acting for Olivia Martinez." in text_of(dashboard.text)
    assert "Acting for Olivia Martinez" in text_of(client.get("/").text)
    assert link(dashboard.text, "Switch person") == "/portal/switch"
    assert "/settings/proxies" not in [href for href, _ in links(dashboard.text)]


def test_a_patient_who_cares_for_someone_switches_there_and_back(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.proxies.grant(patient_id(demo_portal, OLIVIA), email=ETHAN, first_name="", last_name="",
                              scope=ProxyScope.VISITS_FORMS)
    set_password(client, mailer, ETHAN, "/password/reset/")
    sign_in(client, mailer, ETHAN)
    home = client.get("/portal").text
    assert "Welcome, Ethan" in text_of(home) and "Acting for" not in text_of(home)

    choices = client.get("/portal/switch")
    assert choices.status_code == 200 and choices.headers["cache-control"] == "no-store"
    assert "You (Ethan Brooks) (open now)" in text_of(choices.text)
    assert "Olivia Martinez Appointments and forms only" in text_of(choices.text)

    switch_to(client, "Olivia Martinez")
    assert "Acting for Olivia Martinez" in text_of(client.get("/portal").text)
    switch_to(client, "Ethan Brooks")
    assert "Acting for" not in text_of(client.get("/portal").text)


def test_switching_to_someone_not_granted_is_refused_with_the_reason(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    carer_signs_in(client, demo_portal, mailer)
    page = client.get("/portal/switch").text
    data = form(page, "/portal/switch").data(patient_id=str(patient_id(demo_portal, ETHAN)))

    refused = client.post("/portal/switch", data=data, follow_redirects=False)

    assert refused.status_code == 403
    assert "You do not have access to that person's portal." in text_of(refused.text)
    assert "Acting for" not in text_of(client.get("/portal").text)


def test_a_revoked_grant_disappears_from_the_switch_page(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    carer_signs_in(client, demo_portal, mailer)
    [grant] = demo_portal.proxies.grants_for(patient_id(demo_portal, OLIVIA))
    demo_portal.proxies.revoke(grant.id or 0)

    page = client.get("/portal/switch").text

    assert "Olivia" not in text_of(page) and "Nobody has given you access" in text_of(page)


def test_a_proxy_with_visits_and_forms_access_cannot_open_the_proxy_settings(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    carer_signs_in(client, demo_portal, mailer, scope=ProxyScope.VISITS_FORMS)
    switch_to(client, "Olivia Martinez")

    refused = client.get("/settings/proxies")

    assert refused.status_code == 403 and title_of(refused.text).startswith("This page is for the patient only")
    assert "Only the patient can choose who may act for them" in text_of(refused.text)
    assert CARER not in refused.text


def accept_invitation(client: TestClient, mailer: RecordingSender, email: str) -> None:
    """The invited person opens the emailed link and accepts."""
    path = emailed_path(mailer, email, "/access/proxy/")
    page = client.get(path)
    assert page.status_code == 200, page.text
    done = client.post(path, data=form(page.text, path).data(), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/access/accepted", done.text


def test_a_patient_invites_someone_from_settings_who_accepts_and_is_later_removed(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    olivia_signs_in(client, demo_portal, mailer)
    assert link(client.get("/portal").text, "People who can act for you") == "/settings/proxies"
    page = client.get("/settings/proxies")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Nobody can act for you" in text_of(page.text)
    grant_form = form(page.text, "/settings/proxies")
    details = {"first_name": "Sam", "last_name": "Carer", "email": CARER, "relationship": "brother",
               "scope": "visits_forms", "last_day": "2026-12-31"}

    wrong = client.post("/settings/proxies", data=grant_form.data(password="not my password", **details))
    assert wrong.status_code == 422 and "Your password is not right." in text_of(wrong.text)
    assert 'value="sam.carer@example.com"' in wrong.text and "not my password" not in wrong.text
    done = client.post("/settings/proxies", data=grant_form.data(password=GOOD, **details), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/settings/proxies?notice=invited"
    listed = text_of(client.get(done.headers["location"]).text)
    assert "We emailed the person a link to accept." in listed and "Nobody can act for you" in listed
    assert "Waiting for an answer" in listed and "Sam Carer sam.carer@example.com" in listed
    invitation = [m for m in mailer.sent if m.recipient == CARER][-1]
    assert "Olivia Martinez asks you" in invitation.subject and "appointments and forms only" in invitation.text

    client.cookies.clear()
    offer = text_of(client.get(emailed_path(mailer, CARER, "/access/proxy/")).text)
    assert "Olivia Martinez would like you to be able to act for them" in offer
    assert "Appointments and forms only" in offer and "The end of December 31, 2026" in offer
    accept_invitation(client, mailer, CARER)
    assert "You can now act for them" in text_of(client.get("/access/accepted").text)
    assert "Olivia Martinez has shared" in [m for m in mailer.sent if m.recipient == CARER][-1].subject
    assert emailed_path(mailer, CARER, "/password/reset/")

    sign_in(client, mailer, OLIVIA)
    listed = text_of(client.get("/settings/proxies").text)
    assert "Sam Carer sam.carer@example.com" in listed and "Waiting for an answer" not in listed
    assert "Appointments and forms only" in listed and "The end of December 31, 2026" in listed
    assert "Given by Olivia Martinez" in listed
    settings = client.get("/settings/proxies").text
    [revoke] = [f for f in parse(settings).forms if f.action.endswith("/revoke")]
    assert revoke.buttons[0][2] == "Remove access for Sam Carer"
    removed = client.post(revoke.action, data=revoke.data(), follow_redirects=False)
    assert removed.headers["location"] == "/settings/proxies?notice=revoked"
    after = text_of(client.get(removed.headers["location"]).text)
    assert "Access removed." in after and "Nobody can act for you" in after


def test_inviting_someone_shows_only_what_the_patient_typed_about_them(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    olivia_signs_in(client, demo_portal, mailer)
    page = client.get("/settings/proxies").text

    done = client.post("/settings/proxies", data=form(page, "/settings/proxies").data(
        first_name="Zed", last_name="Nobody", email=ETHAN, scope="all", password=GOOD), follow_redirects=False)

    assert done.status_code == 303
    listed = text_of(client.get(done.headers["location"]).text)
    assert "Zed Nobody ethan.brooks@example.com" in listed and "Ethan" not in listed.replace(ETHAN, "")
    assert "Nobody can act for you" in listed  # nothing is granted before Ethan accepts
    [withdraw] = [f for f in parse(client.get("/settings/proxies").text).forms if f.action.endswith("/withdraw")]
    assert withdraw.buttons[0][2] == "Withdraw the invitation to Zed Nobody"
    gone = client.post(withdraw.action, data=withdraw.data(), follow_redirects=False)
    assert gone.headers["location"] == "/settings/proxies?notice=withdrawn"
    assert "Zed Nobody" not in text_of(client.get(gone.headers["location"]).text)
    client.cookies.clear()
    stale = client.get(emailed_path(mailer, ETHAN, "/access/proxy/"))
    assert stale.status_code == 400 and "was withdrawn" in text_of(stale.text)


def test_a_carer_invited_from_settings_signs_in_and_sees_the_patient(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    olivia_signs_in(client, demo_portal, mailer)
    page = client.get("/settings/proxies").text
    client.post("/settings/proxies", data=form(page, "/settings/proxies").data(
        first_name="Sam", last_name="Carer", email=CARER, scope="all", password=GOOD))
    client.cookies.clear()

    accept_invitation(client, mailer, CARER)
    set_password(client, mailer, CARER, "/password/reset/")
    sign_in(client, mailer, CARER)
    switch_to(client, "Olivia Martinez")

    assert "Acting for Olivia Martinez" in text_of(client.get("/portal").text)


def test_an_email_change_is_confirmed_from_the_new_inbox_then_used_to_sign_in(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    olivia_signs_in(client, demo_portal, mailer)
    assert link(client.get("/portal").text, "Change your sign-in email") == "/settings/email"
    page = client.get("/settings/email")
    assert page.status_code == 200 and f"You sign in with {OLIVIA}" in text_of(page.text)
    change = form(page.text, "/settings/email")

    wrong = client.post("/settings/email", data=change.data(new_email="olivia.new@example.com", password="nope"))
    assert wrong.status_code == 422 and "Your password is not right." in text_of(wrong.text)
    sent = client.post("/settings/email", data=change.data(new_email="olivia.new@example.com", password=GOOD),
                       follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/settings/email/sent"
    assert "We sent a link to your new email address" in text_of(client.get("/settings/email/sent").text)

    confirmed = client.get(emailed_path(mailer, "olivia.new@example.com", "/settings/email/confirm/"))
    assert confirmed.status_code == 200 and "Your sign-in email is changed" in text_of(confirmed.text)
    client.cookies.clear()
    sign_in(client, mailer, "olivia.new@example.com")
    assert "Welcome, Olivia" in text_of(client.get("/portal").text)


def test_giving_access_without_the_forms_csrf_token_is_refused(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    olivia_signs_in(client, demo_portal, mailer)
    data = form(client.get("/settings/proxies").text, "/settings/proxies").data(
        first_name="Sam", last_name="Carer", email=CARER, password=GOOD)
    del data["_csrf_token"]

    assert client.post("/settings/proxies", data=data).status_code == 403
    assert "Nobody can act for you" in text_of(client.get("/settings/proxies").text)


def test_the_account_pages_need_a_session(client: TestClient) -> None:
    for path in ("/portal/switch", "/settings/proxies", "/settings/email", "/settings/email/sent"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), path


def test_the_proxy_settings_speak_spanish(client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    olivia_signs_in(client, demo_portal, mailer)

    page = text_of(client.get("/settings/proxies?lang=es").text)

    assert "Personas que pueden actuar por usted" in page and "Solo citas y formularios" in page


def test_asking_for_an_email_someone_else_has_answers_as_usual_and_tells_that_person(
        client: TestClient, demo_portal: Portal, mailer: RecordingSender) -> None:
    demo_portal.proxies.grant(patient_id(demo_portal, ETHAN), email=CARER, first_name="Sam", last_name="Carer",
                              scope=ProxyScope.ALL)  # a login of its own, without a patient record
    olivia_signs_in(client, demo_portal, mailer)
    change = form(client.get("/settings/email").text, "/settings/email")

    answers = [client.post("/settings/email", data=change.data(new_email=address, password=GOOD),
                           follow_redirects=False) for address in ("olivia.new@example.com", ETHAN, CARER.upper())]

    assert [(a.status_code, a.headers["location"]) for a in answers] == [(303, "/settings/email/sent")] * 3
    for owner, name in ((ETHAN, "Ethan"), (CARER, "Sam")):
        told = [m for m in mailer.sent if m.recipient == owner][-1]
        assert "Someone asked to use your email" in told.subject and f"Hello {name}," in told.text
        assert "/settings/email/confirm/" not in told.text
    assert emailed_path(mailer, "olivia.new@example.com", "/settings/email/confirm/")
    assert f"You sign in with {OLIVIA}" in text_of(client.get("/settings/email").text)
