"""A waitlist offer through the web page: the freed time is shown with the clinic's deposit and policy, the first
to book it (policy accepted, card given) pays the deposit and gets it, a late click hears it is gone."""

from __future__ import annotations

from litestar.testing import TestClient

from portal_web import create_app
from portalcore.bootstrap import Portal
from tests.fakes.memory import RecordingSender
from tests.frontends.web_forms import form, text_of
from tests.integration.test_waitlist import DAY, freed_visit, offer_token, patient


def test_the_offer_page_takes_the_deposit_books_the_time_and_a_late_click_hears_it_is_gone(
        demo_portal: Portal, mailer: RecordingSender) -> None:
    visit_id = freed_visit(demo_portal)
    for name in ("Ada", "Ben"):
        demo_portal.waitlist.join(patient(demo_portal, name), ["neurotoxin"], "any", DAY, DAY)
    demo_portal.visits.cancel(visit_id, by_patient=False)
    paths = {name: f"/waitlist/offer/{offer_token(demo_portal, mailer, name)}" for name in ("Ada", "Ben")}
    with TestClient(app=create_app(demo_portal)) as client:
        pages = {name: client.get(path).text for name, path in paths.items()}
        shown = text_of(pages["Ada"])
        assert "Botox / Dysport" in shown and "10:00" in shown
        assert "Deposit charged now: $50.00." in shown and "charged a $50 fee" in shown  # deposit and policy
        offer = form(pages["Ada"], paths["Ada"])
        assert offer.fields["payment_method"] == "pm_card_visa" and "accept_policy" not in offer.fields

        refused = client.post(paths["Ada"], data=offer.data())  # the policy box left unticked
        assert refused.status_code == 422 and "accept the cancellation" in text_of(refused.text)
        assert "Book this time" in refused.text  # the offer is still open for her
        declined = client.post(paths["Ada"], data=offer.data(accept_policy="yes",
                                                             payment_method="pm_card_chargeDeclined"))
        assert declined.status_code == 402 and "declined" in text_of(declined.text)

        booked = client.post(paths["Ada"], data=offer.data(accept_policy="yes"))
        assert booked.status_code == 200 and "booked" in text_of(booked.text).lower()
        assert "Deposit paid $50.00" in text_of(booked.text)
        late = client.post(paths["Ben"], data=form(pages["Ben"], paths["Ben"]).data(accept_policy="yes"))
        assert late.status_code == 409 and "someone else has just booked" in text_of(late.text)
        assert "This offer is over" in text_of(client.get(paths["Ben"]).text)
