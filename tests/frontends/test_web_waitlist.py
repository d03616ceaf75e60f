"""A waitlist offer through the web page: the freed time is shown, the first click books it, a late click
hears it is gone."""

from __future__ import annotations

from litestar.testing import TestClient

from portal_web import create_app
from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, text_of
from tests.integration.test_waitlist import DAY, freed_visit, offer_token, patient


def test_the_offer_page_books_the_time_and_a_late_click_hears_it_is_gone(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    visit_id = freed_visit(demo_portal)
    for name in ("Ada", "Ben"):
        demo_portal.waitlist.join(patient(demo_portal, name), ["neurotoxin"], "any", DAY, DAY)
    demo_portal.visits.cancel(visit_id, by_patient=False)
    paths = {name: f"/waitlist/offer/{offer_token(demo_portal, mailer, name)}" for name in ("Ada", "Ben")}
    with TestClient(app=create_app(demo_portal)) as client:
        pages = {name: client.get(path).text for name, path in paths.items()}
        assert "Botox / Dysport" in text_of(pages["Ada"]) and "10:00" in text_of(pages["Ada"])
        booked = client.post(paths["Ada"], data=form(pages["Ada"], paths["Ada"]).data())
        assert booked.status_code == 200 and "booked" in text_of(booked.text).lower()
        late = client.post(paths["Ben"], data=form(pages["Ben"], paths["Ben"]).data())
        assert late.status_code == 409 and "someone else has just booked" in text_of(late.text)
        assert "This offer is over" in text_of(client.get(paths["Ben"]).text)
