"""After a visit is moved or cancelled the form redirects to ``…/changed`` (POST-redirect-GET), which reads the
visit again. What a cancellation did with money (the deposit's part in the fee, a charge, a refund) is known only
when it happens, so it travels to that page in a flash cookie (``portal_web/flash.py``)."""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Request
from litestar.response import Redirect, Template

from portal_web.flash import cleared, flash_cookie, read_flash
from portal_web.rendering import render
from portal_web.sessions import is_secure
from portal_web.visits.views import VisitChanges, VisitTarget
from portalcore.bootstrap import Portal
from portalcore.domain.clinic import Clinic
from portalcore.domain.money import Money
from portalcore.domain.policies import CancelTerms
from portalcore.services.visits.changes import Cancellation

FLASH = "visit_cancelled"
AMOUNTS = ("fee", "deposit", "deposit_to_fee", "to_charge", "deposit_left")


@attrs.frozen
class CancelOutcome:
    """What a cancellation did with money, as the page after the redirect shows it."""

    terms: CancelTerms
    fee_charged: bool
    refunded: Money


def moved(target: VisitTarget) -> Redirect:
    return Redirect(f"{target.path}/changed?done=moved", status_code=303)


def cancelled(portal: Portal, target: VisitTarget, done: Cancellation) -> Redirect:
    terms = done.terms
    facts = {name: getattr(terms, name).cents for name in AMOUNTS} | {
        "currency": terms.fee.currency, "rule": terms.deposit_rule, "fee_charged": done.fee_charged,
        "refunded": done.refunded.cents}
    path = f"{target.path}/changed"
    cookie = flash_cookie(portal.settings.secret_key, FLASH, path, facts, secure=is_secure(portal.settings.base_url))
    return Redirect(f"{path}?done=cancelled", status_code=303, cookies=[cookie])


def changed(request: Request[Any, Any, Any], portal: Portal, clinic: Clinic, lang: str, target: VisitTarget,
            done: str | None) -> Template | Redirect:
    """The visit after the change, with what the cancellation did with money when this browser just made it."""
    path, secure = f"{target.path}/changed", is_secure(portal.settings.base_url)
    facts = read_flash(portal.settings.secret_key, FLASH, path, request.cookies)
    page = VisitChanges(portal, clinic, lang).changed(target, done, _outcome(facts) if facts else None)
    if isinstance(page, Redirect):
        return page
    response = render(request, clinic, lang, page)
    if facts is not None:  # shown once
        response.cookies.append(cleared(FLASH, path, secure=secure))
    return response


def _outcome(facts: dict[str, Any]) -> CancelOutcome | None:
    try:
        currency = str(facts["currency"])
        amounts = {name: Money(int(facts[name]), currency) for name in AMOUNTS}
        return CancelOutcome(CancelTerms(**amounts, deposit_rule=str(facts["rule"])), bool(facts["fee_charged"]),
                             Money(int(facts["refunded"]), currency))
    except (KeyError, TypeError, ValueError):
        return None
