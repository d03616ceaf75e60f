"""The web frontend through Litestar's test client, over SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

import attrs
import pytest
from litestar import get
from litestar.params import FromPath, FromQuery
from litestar.testing import TestClient

from portal_web import create_app
from portalcore.bootstrap import Portal
from portalcore.domain.errors import (
    ConfigurationError,
    InvalidInput,
    NotFound,
    PaymentDeclined,
    PaymentUnavailable,
    SlotTaken,
)

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def text_of(markup: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def service_card(page: str, name: str) -> str:
    cards = [text_of(card) for card in re.findall(r'<li class="service">(.*?)</li>', page, re.DOTALL)]
    matching = [card for card in cards if name in card]
    assert len(matching) == 1, f"expected one card for {name!r} in {cards}"
    return matching[0]


def test_home_lists_online_services_by_category_with_prices(client: TestClient, demo_portal: Portal) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>Book online – Lumen Aesthetics &amp; Med Spa</title>" in page
    headings = [text_of(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.DOTALL)]
    for listing in demo_portal.catalog.online_catalog():
        assert listing.category.name in headings
    assert headings[:4] == ["Injectables", "Laser", "Facials", "Skin Treatments"]
    botox = service_card(page, "Botox / Dysport")
    assert "30 min" in botox and "$450.00" in botox and "$50.00 deposit" in botox
    assert "Softens forehead lines" in botox
    assert "deposit" not in service_card(page, "HydraFacial Signature")
    assert "45 min" in service_card(page, "Lip Filler")


def test_home_shows_locations_and_clinic_contact(client: TestClient) -> None:
    page = text_of(client.get("/").text)

    assert "SoHo Studio" in page and "120 Spring St, New York, NY 10012" in page
    assert "Brooklyn Heights" in page
    assert "hello@lumen-medspa.example" in page


def test_home_is_accessible_landmarks_and_not_cached(client: TestClient) -> None:
    response = client.get("/")

    assert '<html lang="en">' in response.text
    assert '<main id="main"' in response.text and 'href="#main"' in response.text
    assert "<script" not in response.text
    assert response.headers["cache-control"] == "no-store"


def test_healthz_reports_ok(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_catalog_api_gives_categories_and_prices_in_cents(client: TestClient) -> None:
    response = client.get("/api/v1/catalog")

    assert response.status_code == 200
    body = response.json()
    assert body["clinic"] == {"name": "Lumen Aesthetics & Med Spa", "time_zone": "America/New_York", "currency": "USD"}
    assert [c["slug"] for c in body["categories"]] == ["injectables", "laser", "facials", "skin"]
    services = {s["slug"]: s for c in body["categories"] for s in c["services"]}
    assert services["neurotoxin"] == {
        "slug": "neurotoxin", "name": "Botox / Dysport (up to 3 areas)",
        "description": services["neurotoxin"]["description"], "duration_minutes": 30,
        "price_cents": 45000, "deposit_cents": 5000, "currency": "USD",
    }
    assert services["hydrafacial"]["deposit_cents"] == 0


def test_unknown_page_is_a_readable_404(client: TestClient) -> None:
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not find that page" in response.text
    assert "Traceback" not in response.text and "litestar" not in response.text.lower()


def test_unknown_api_path_is_problem_details(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404 and problem["title"] == "Not Found" and problem["code"] == "not_found"
    assert problem["type"] == "urn:portal:problem:not_found" and problem["detail"]


def test_portal_before_init_asks_to_run_portal_init(portal: Portal) -> None:
    with TestClient(app=create_app(portal)) as client:
        page = client.get("/")
        api = client.get("/api/v1/catalog")
        health = client.get("/healthz")

    assert page.status_code == 503
    assert "portal init" in page.text and "Traceback" not in page.text
    assert api.status_code == 503 and api.json()["code"] == "not_set_up"
    assert health.status_code == 503 and health.json()["status"] == "unavailable"


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/catalog", "/static/portal.css", "/missing"])
def test_every_response_carries_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)

    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "permissions-policy" in response.headers
    assert "strict-transport-security" not in response.headers  # base_url is plain http in the tests
    assert "access-control-allow-origin" not in response.headers


def test_https_base_url_adds_hsts(demo_portal: Portal) -> None:
    secure = attrs.evolve(demo_portal, settings=attrs.evolve(demo_portal.settings, base_url="https://book.lumen.example"))
    with TestClient(app=create_app(secure), base_url="https://book.lumen.example") as client:
        response = client.get("/")

    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_forged_host_header_is_rejected(client: TestClient) -> None:
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"host": "portal.test"}).status_code == 200  # the host of base_url


def test_openapi_schema_documents_the_catalog(client: TestClient) -> None:
    response = client.get("/schema/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "portal" and schema["info"]["version"]
    catalog = schema["paths"]["/api/v1/catalog"]["get"]
    assert set(catalog["responses"]) >= {"200", "503"}
    assert "application/problem+json" in catalog["responses"]["503"]["content"]
    assert "/" not in schema["paths"]  # HTML pages are not part of the API


def test_invalid_request_gives_readable_400(demo_portal: Portal) -> None:
    @get("/api/v1/probe", sync_to_thread=False)
    def api_probe(count: FromQuery[int]) -> int:
        return count

    @get("/probe", sync_to_thread=False)
    def page_probe(count: FromQuery[int]) -> int:
        return count

    app = create_app(demo_portal)
    app.register(api_probe)
    app.register(page_probe)
    with TestClient(app=app) as client:
        api = client.get("/api/v1/probe", params={"count": "lots"})
        page = client.get("/probe", params={"count": "lots"})

    assert api.status_code == 400 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "invalid_request"
    assert api.json()["errors"][0]["key"] == "count"
    assert page.status_code == 400 and "count" in page.text and "Traceback" not in page.text


ERRORS = {
    "invalid": (InvalidInput("The email address is not valid."), 422),
    "missing": (NotFound("There is no service 'x'."), 404),
    "taken": (SlotTaken("That time was just booked by someone else."), 409),
    "declined": (PaymentDeclined("Your card was declined."), 402),
    "payment-down": (PaymentUnavailable(), 503),
    "config": (ConfigurationError("PORTAL_STRIPE_SECRET_KEY sk_live_secret is wrong"), 503),
    "bug": (RuntimeError("secret internals"), 500),
}


@pytest.mark.parametrize("kind", ERRORS)
def test_errors_become_http_statuses_in_one_place(demo_portal: Portal, kind: str) -> None:
    @get(["/api/v1/fail/{kind:str}", "/fail/{kind:str}"], sync_to_thread=False)
    def fail(kind: FromPath[str]) -> None:
        raise ERRORS[kind][0]

    app = create_app(demo_portal)
    app.register(fail)
    error, status = ERRORS[kind]
    with TestClient(app=app) as client:
        api = client.get(f"/api/v1/fail/{kind}")
        page = client.get(f"/fail/{kind}")

    assert api.status_code == status and page.status_code == status
    assert api.headers["content-type"] == "application/problem+json"
    assert page.headers["content-type"].startswith("text/html")
    if status < 500 or isinstance(error, PaymentUnavailable):
        assert api.json()["detail"] == str(error)
        assert str(error) in text_of(page.text)
    else:  # operator details and internals stay in the log
        for leaked in ("secret", "Traceback"):
            assert leaked not in api.text and leaked not in page.text
