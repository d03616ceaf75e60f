"""``create_app(portal)``: the Litestar application of the web frontend, used by the server and by tests."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from litestar import Litestar, Router
from litestar.datastructures import CacheControlHeader, State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from portal_web.access.account_pages import AccessLinkPages, SettingsPages
from portal_web.access.factor_pages import PasskeySignInPages, SecurityPages
from portal_web.access.pages import LoginPages, PortalPages
from portal_web.access.proxy_pages import ProxyInvitePages, ProxyPages
from portal_web.booking.api import BookingApi
from portal_web.booking.checkout_api import CheckoutApi
from portal_web.booking.checkout_pages import CheckoutPages, ConfirmationPages
from portal_web.booking.claim_pages import VisitClaimPages
from portal_web.booking.pages import BookingPages
from portal_web.captcha import csp_sources
from portal_web.clinic.api import CatalogController
from portal_web.clinic.pages import PagesController
from portal_web.dependencies import dependencies
from portal_web.errors import API_PREFIX, handle_error
from portal_web.input_guard import InputGuard
from portal_web.health import healthz
from portal_web.i18n import load_catalogs, remember_language
from portal_web.records.pages import RecordPages
from portal_web.security import allowed_hosts, csrf_config, security_headers
from portal_web.templating import template_engine
from portal_web.visits.link_pages import VisitLinkPages
from portal_web.visits.offer_pages import WaitlistPages
from portal_web.visits.pages import VisitChangePages
from portal_web.visits.reference_pages import ReferenceChangePages
from portal_web.visits.waitlist_pages import PortalWaitlistPages
from portalcore.bootstrap import Portal

STATIC_DIR = Path(__file__).parent / "static"


def create_app(portal: Portal) -> Litestar:
    """The web app over an already built ``portal``; it never opens storage itself.

    The caller owns ``portal`` and closes it after the server stops. ``portal.settings.base_url`` decides
    which Host headers are accepted and whether HSTS is sent.
    """
    base_url = portal.settings.base_url
    load_catalogs()
    return Litestar(
        route_handlers=[PagesController, BookingPages, CheckoutPages, ConfirmationPages, CatalogController,
                        BookingApi, CheckoutApi, LoginPages, PortalPages, AccessLinkPages, SettingsPages,
                        PasskeySignInPages, SecurityPages, ProxyPages, ProxyInvitePages,
                        RecordPages, VisitChangePages, ReferenceChangePages, PortalWaitlistPages, VisitLinkPages,
                        WaitlistPages, VisitClaimPages, healthz,
                        static_files()],
        dependencies=dependencies(portal),
        template_config=TemplateConfig(instance=template_engine()),
        exception_handlers={Exception: handle_error},
        middleware=[InputGuard(API_PREFIX)],
        csrf_config=csrf_config(base_url, portal.settings.secret_key),
        before_send=[security_headers(base_url, csp_sources(portal.captcha.provider)), remember_language(base_url)],
        allowed_hosts=allowed_hosts(base_url),
        openapi_config=openapi_config(),
        state=State({"portal": portal}),
        debug=False,
    )


def static_files() -> Router:
    """The stylesheet and other assets at /static, cacheable for an hour."""
    return create_static_files_router(path="/static", directories=[STATIC_DIR], name="static",
                                      cache_control=CacheControlHeader(max_age=3600, public=True))


def openapi_config() -> OpenAPIConfig:
    """The API description at /schema/openapi.json (JSON only: the HTML viewers load scripts from CDNs)."""
    return OpenAPIConfig(title="portal", version=package_version(), path="/schema",
                         render_plugins=[JsonRenderPlugin()], use_handler_docstrings=True)


def package_version() -> str:
    """The installed version of the ``portal`` distribution."""
    try:
        return version("portal")
    except PackageNotFoundError:
        return "0+unknown"
