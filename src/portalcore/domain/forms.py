"""Which documents a booked visit sends to the patient, and when each becomes visible (seeds 001/002)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from portalcore.domain.catalog import FormKind, FormTemplate


@attrs.frozen
class RoutedForm:
    """A form template given to a patient for one visit."""

    form: str  # template slug
    kind: FormKind
    title: str
    appointment_id: int
    visible_from: datetime
    status: str = "pending"  # pending | completed


def route_forms(templates: Sequence[FormTemplate], appointment_id: int, booked_at: datetime,
                start_at: datetime) -> list[RoutedForm]:
    """Questionnaires, consents and pre-treatment instructions appear as soon as the visit is booked;
    post-treatment instructions appear at the visit's start. Each template once per visit, in the given order."""
    routed, seen = [], set()
    for template in templates:
        if template.slug in seen:
            continue
        seen.add(template.slug)
        visible = start_at if template.kind is FormKind.POST_INSTRUCTIONS else booked_at
        routed.append(RoutedForm(template.slug, template.kind, template.title, appointment_id, visible))
    return routed
