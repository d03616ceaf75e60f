"""``/healthz`` for load balancers and uptime checks."""

from __future__ import annotations

import logging

from litestar import MediaType, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from portal_web.schemas import Health
from portalcore.bootstrap import Portal
from portalcore.domain.errors import NotFound

logger = logging.getLogger("portal_web")
UNAVAILABLE = ResponseSpec(data_container=Health, generate_examples=False,
                           description="The database does not answer, or the clinic is not set up yet.")


@get("/healthz", summary="Health check", tags=["operations"], sync_to_thread=True,
     responses={503: UNAVAILABLE})
def healthz(portal: NamedDependency[Portal]) -> Response[Health]:
    """`ok` when the database answers and the clinic is set up; 503 `unavailable` otherwise."""
    try:
        portal.catalog.clinic()
    except NotFound:
        return _unavailable("The clinic is not set up yet.")
    except Exception:  # a health check must answer whatever the database does
        logger.exception("health check failed")
        return _unavailable("The database is not reachable.")
    return Response(Health(status="ok"), media_type=MediaType.JSON)


def _unavailable(detail: str) -> Response[Health]:
    return Response(Health(status="unavailable", detail=detail), status_code=503, media_type=MediaType.JSON)
