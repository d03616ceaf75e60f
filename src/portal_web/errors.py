"""Every error becomes an HTTP response here, and only here.

Paths under /api get RFC 9457 problem details (``application/problem+json``); everything else gets a readable
HTML page. Server-side failures never show their message or a traceback: they are logged instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import attrs
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template

from portal_web.i18n import DEFAULT, N_, choose, error_text, gettext
from portal_web.rendering import language_links
from portal_web.schemas import FieldError, Problem, SlotRef
from portal_web.sessions import SignInRequired
from portalcore.domain.availability import Slot
from portalcore.domain.errors import (
    ConfigurationError,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    PaymentDeclined,
    PaymentUnavailable,
    PortalError,
)
from portalcore.services.access.kit import PortalClosed
from portalcore.services.access.login import TooManyAttempts
from portalcore.services.booking.availability import TimeTaken

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api"
logger = logging.getLogger("portal_web")

# Looked up along the error's class hierarchy, so SlotTaken answers as its parent Conflict.
STATUS_BY_ERROR: dict[type[PortalError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    PaymentDeclined: 402,
    PaymentUnavailable: 503,
    ConfigurationError: 503,
    TooManyAttempts: 429,
    NotAllowed: 403,
}
HEADINGS = {  # translated where they are shown
    400: N_("Please check your request"),
    402: N_("The payment did not go through"),
    403: N_("This form has expired"),
    404: N_("We could not find that page"),
    405: N_("That action is not available here"),
    409: N_("Something changed in the meantime"),
    413: N_("That is too much at once"),
    415: N_("Please check your request"),
    422: N_("Please check what you entered"),
    429: N_("Please wait a moment"),
    503: N_("Online booking is not available right now"),
}
NOT_SET_UP_HEADING = N_("This booking site is almost ready")
NOT_ALLOWED_HEADING = N_("This is not open to you")
PORTAL_CLOSED_HEADING = N_("The patient portal is closed")
CSRF_FAILED = N_("For your security this form can only be sent from a page of this site that is still open. "
                 "Please go back, reload the page and try again.")
UNEXPECTED = N_("Something went wrong on our side. Please try again in a moment, or call the clinic.")
UNAVAILABLE = N_("Online booking is not available right now. Please try again later, or call the clinic.")
NO_SUCH_PAGE = N_("There is nothing at this address. It may have moved, or the link may be mistyped.")
INVALID_REQUEST = N_("Some parts of the request are not valid.")
FIELD_MISSING = N_("“%(field)s” is missing.")
FIELD_INVALID = N_("“%(field)s” does not have a valid value.")
VALUE_INVALID = N_("A value is not valid.")


class ClinicNotSetUp(ConfigurationError):
    """The database holds no clinic yet: whoever runs the portal still has to run ``portal init``."""

    code = "not_set_up"


@attrs.frozen
class Failure:
    """What the person sees about an error, whichever format it is sent in."""

    status: int
    code: str
    detail: str
    errors: tuple[FieldError, ...] = ()
    headers: dict[str, str] = attrs.field(factory=dict)
    alternatives: tuple[Slot, ...] = ()

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


def describe(error: Exception, lang: str = DEFAULT, field_names: Mapping[str, str] | None = None) -> Failure:
    """Turns any exception into a status, a stable code and a sentence that is safe to show, in ``lang``.
    ``field_names`` gives the names fields have in the request (``from``) by the handler's own (``first_day``)."""
    if isinstance(error, PortalError):
        return _describe_portal_error(error, lang)
    if isinstance(error, HTTPException):
        return _describe_http_exception(error, lang, field_names or {})
    logger.error("unexpected error while serving a request", exc_info=error)
    return Failure(500, "internal_error", gettext(lang, UNEXPECTED))


def _describe_portal_error(error: PortalError, lang: str) -> Failure:
    status = next((STATUS_BY_ERROR[c] for c in type(error).__mro__ if c in STATUS_BY_ERROR), 400)
    if isinstance(error, ConfigurationError) and not isinstance(error, ClinicNotSetUp):
        # Configuration messages are written for operators and may name hosts or keys.
        logger.error("configuration error while serving a request: %s", error)
        return Failure(status, error.code, gettext(lang, UNAVAILABLE))
    alternatives = error.alternatives if isinstance(error, TimeTaken) else ()
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else {}
    return Failure(status, error.code, error_text(error, lang), alternatives=alternatives, headers=headers)


def _describe_http_exception(error: HTTPException, lang: str, field_names: Mapping[str, str]) -> Failure:
    headers = {str(k): str(v) for k, v in (error.headers or {}).items()}
    if error.status_code >= 500:
        logger.error("server error while serving a request", exc_info=error)
        return Failure(error.status_code, "internal_error", gettext(lang, UNEXPECTED), headers=headers)
    if isinstance(error, ValidationException):
        extra = error.extra if isinstance(error.extra, list) else []
        fields = tuple(_field_error(item, lang, field_names) for item in extra if isinstance(item, dict))
        return Failure(error.status_code, "invalid_request", gettext(lang, INVALID_REQUEST), fields, headers)
    if isinstance(error, NotFoundException):
        return Failure(404, "not_found", gettext(lang, NO_SUCH_PAGE), headers=headers)
    if isinstance(error, PermissionDeniedException) and error.detail == "CSRF token verification failed":
        return Failure(403, "csrf_failed", gettext(lang, CSRF_FAILED), headers=headers)
    code = getattr(error, "code", None) or HTTPStatus(error.status_code).name.lower()
    detail = error.detail or HTTPStatus(error.status_code).phrase
    return Failure(error.status_code, code, gettext(lang, detail), headers=headers)


def _field_error(item: dict[str, Any], lang: str, field_names: Mapping[str, str]) -> FieldError:
    """One field the framework refused, as a sentence naming the field (its own messages are English only)."""
    key, source = item.get("key"), item.get("source")
    key = field_names.get(str(key), key) if key is not None else None
    if key is None:
        message = gettext(lang, VALUE_INVALID)
    else:
        missing = str(item.get("message", "")).lower().startswith("missing")
        message = gettext(lang, FIELD_MISSING if missing else FIELD_INVALID, field=key)
    return FieldError(message=message, key=None if key is None else str(key),
                      source=None if source is None else str(source))


def handle_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The app's only exception handler: problem details for the API, an HTML page for people, and the
    sign-in page for a page that needs a session."""
    if isinstance(error, SignInRequired):
        return Redirect(error.location, status_code=303)
    lang = choose(request.query_params, request.cookies, request.headers.get("accept-language", ""))
    failure = describe(error, lang, _field_names(request) if isinstance(error, ValidationException) else None)
    if request.url.path == API_PREFIX or request.url.path.startswith(API_PREFIX + "/"):
        return Response(problem(failure), status_code=failure.status, media_type=PROBLEM_JSON, headers=failure.headers)
    heading = (NOT_SET_UP_HEADING if isinstance(error, ClinicNotSetUp) else NOT_ALLOWED_HEADING
               if isinstance(error, NotAllowed) else PORTAL_CLOSED_HEADING if isinstance(error, PortalClosed)
               else HEADINGS.get(failure.status, failure.title))
    context = {"clinic": None, "failure": failure, "heading": heading, "lang": lang,
               "language_links": language_links(request, lang)}
    return Template("error.html", context=context, status_code=failure.status, media_type=MediaType.HTML,
                    headers=failure.headers)


def _field_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The names the handler's parameters have in the request (``first_day`` is asked for as ``from``)."""
    names = {}
    for key, field in request.route_handler.parsed_fn_signature.parameters.items():
        alias = getattr(field.kwarg_definition, "query", None) or getattr(field.kwarg_definition, "name", None)
        if isinstance(alias, str):
            names[key] = alias
    return names


def problem(failure: Failure) -> Problem:
    """The RFC 9457 body for a failure."""
    alternatives = [SlotRef(start_at=s.start_at, provider=s.provider, location=s.location)
                    for s in failure.alternatives]
    return Problem(type=f"urn:portal:problem:{failure.code}", title=failure.title, status=failure.status,
                   detail=failure.detail, code=failure.code, errors=list(failure.errors) or None,
                   alternatives=alternatives or None)


def problem_responses(*statuses: int, body: bool = False) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the problem-details answers a handler may give. Every request may be refused
    with 400 where it enters (``input_guard.py``), one with a ``body`` also with 413 and 415."""
    guarded = {400, 413, 415} if body else {400}
    return {status: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                                 description=HTTPStatus(status).phrase)
            for status in sorted(guarded | set(statuses))}
