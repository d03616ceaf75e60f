"""Turning a page's content into an HTML response in the visitor's language, with the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import attrs
from litestar import MediaType, Request
from litestar.response import Template

from portal_web.i18n import NAMES, SUPPORTED
from portal_web.sessions import find_visitor
from portalcore.domain.clinic import Clinic


@attrs.frozen
class Page:
    """What a handler shows: a template, its data, the status, and where the language switch leads.

    ``switch_path`` matters for pages answering a POST: the switch is a link (a GET), so it leads to a page that
    can be fetched, e.g. the first step of the checkout.
    """

    template: str
    context: dict[str, Any] = attrs.field(factory=dict)
    status: int = 200
    switch_path: str | None = None
    headers: dict[str, str] = attrs.field(factory=dict)


def language_links(request: Request[Any, Any, Any], lang: str, switch_path: str | None = None) -> list[dict[str, str]]:
    """Links to this page in the other languages (for a POST, to ``switch_path`` or the start page)."""
    if request.method == "GET" and switch_path is None:
        path = request.url.path
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    else:
        path, query = (switch_path or "/"), []
    return [{"lang": other, "name": NAMES[other], "href": f"{path}?{urlencode([*query, ('lang', other)])}"}
            for other in SUPPORTED if other != lang]


def render(request: Request[Any, Any, Any], clinic: Clinic | None, lang: str, page: Page) -> Template:
    """The page as an HTML response; every page gets the clinic, its language, the language links and who is
    signed in (for the header; looked up only when a session cookie came along)."""
    context = {**page.context, "clinic": clinic, "lang": lang,
               "language_links": language_links(request, lang, page.switch_path),
               "visitor": find_visitor(request, request.app.state["portal"])}
    return Template(page.template, context=context, status_code=page.status, media_type=MediaType.HTML,
                    headers=page.headers)
