"""What follows every new booking, wherever it was made (online checkout, waitlist offer, front desk): the
visit's forms routed to the patient, the confirmation, the pre-treatment instructions and the timed jobs, all in
the booking's own transaction."""

from __future__ import annotations

from datetime import datetime

from portalcore.domain.appointments import Appointment
from portalcore.domain.catalog import FormKind, FormTemplate
from portalcore.domain.clinic import Clinic
from portalcore.domain.forms import route_forms
from portalcore.domain.patients import Patient
from portalcore.domain.translations import localized
from portalcore.ports import UnitOfWork
from portalcore.services.delivery import MessageComposer
from portalcore.services.visits.messages import patient_language, queue_confirmation
from portalcore.services.visits.timed_events import schedule_visit


def settle_new_visit(uow: UnitOfWork, composer: MessageComposer, clinic: Clinic, patient: Patient,
                     visit: Appointment, *, manage_link: str, now: datetime) -> list[FormTemplate]:
    """Routes the forms the visit's services ask for (questionnaires and consents to fill in, instructions to
    read), queues the confirmation and the pre-treatment instructions, and plans reminders and aftercare.
    Returns the routed form templates, each once."""
    assert patient.id is not None and visit.id is not None
    templates = {f.slug: f for f in uow.catalog.forms()}
    services = [uow.catalog.service(slug) for slug in visit.services]
    asked = [templates[slug] for service in services if service is not None for slug in service.forms
             if slug in templates]
    routed = route_forms(asked, visit.id, now, visit.start_at)  # a form two services carry is sent once
    uow.bookings.add_forms(patient.id, routed, now)
    wanted = [templates[form.form] for form in routed]
    queue_confirmation(uow, composer, clinic, patient, visit, now=now, manage_link=manage_link)
    language = patient_language(patient, clinic)
    instructions = [{"title": f.title, "body": f.body} for f in (localized(form, language) for form in wanted)
                    if f.kind is FormKind.PRE_INSTRUCTIONS]
    if instructions and patient.email:
        uow.outbox.add(composer.email(
            "pre_instructions", to=patient.email, language=language,
            key=f"appointment:{visit.id}:pre-instructions:email",
            context={"clinic_name": clinic.name, "patient_name": patient.first_name, "instructions": instructions}),
            now)
    schedule_visit(uow, clinic, visit, now)
    return wanted
