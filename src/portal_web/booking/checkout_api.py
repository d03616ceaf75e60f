"""The JSON API for booking, part 2: proving the mobile number, and booking the held time."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from portal_web.booking.schemas import BookingInfo, BookingRequest, CodeRequest, PhoneCheck, PhoneCheckRequest, Verified
from portal_web.captcha import HumanCheckFailed
from portal_web.errors import problem_responses
from portal_web.sessions import client_ip
from portalcore.bootstrap import Portal
from portalcore.domain.appointments import Appointment
from portalcore.domain.booking import PatientDetails
from portalcore.domain.clinic import Clinic
from portalcore.services.booking.checkout import Confirmation


class CheckoutApi(Controller):
    """A 6-digit code by SMS, then the booking. Messages go out in the request's language (Accept-Language)."""

    path = "/api/v1"
    tags = ["checkout"]

    @post("/phone-checks", summary="Text a code", sync_to_thread=True,
          responses=problem_responses(422, 503, body=True))
    def start(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], lang: NamedDependency[str],
              data: JSONBody[PhoneCheckRequest]) -> PhoneCheck:
        """Texts a 6-digit code to the mobile number; 422 when it cannot receive texts or too many codes were
        sent; 400 without a CAPTCHA token the provider confirms, when the clinic has one."""
        ip = client_ip(request)
        if portal.captcha.enabled and not portal.captcha.verify(data.captcha_token, remote_ip=ip or None):
            raise HumanCheckFailed()
        token, phone = portal.phone.start(data.mobile, lang, ip=ip)
        return PhoneCheck(token=token, phone=phone)

    @post("/phone-checks/{token:str}/verify", summary="Check the code", status_code=200, sync_to_thread=True,
          responses=problem_responses(400, 404, 422, body=True))
    def verify(self, portal: NamedDependency[Portal], token: FromPath[str], data: JSONBody[CodeRequest]) -> Verified:
        """422 when the code is wrong, expired or tried too often."""
        return Verified(verified=portal.phone.verify(token, data.code).verified)

    @post("/phone-checks/{token:str}/resend", summary="Text a new code", status_code=202, sync_to_thread=True,
          responses=problem_responses(404, 422))
    def resend(self, request: Request[Any, Any, Any], portal: NamedDependency[Portal], lang: NamedDependency[str],
               token: FromPath[str]) -> None:
        """Sends a fresh code; 422 when asked again too soon or too many codes were sent."""
        portal.phone.resend(token, lang, ip=client_ip(request))

    @post("/bookings", summary="Book the held time", sync_to_thread=True,
          responses=problem_responses(400, 402, 409, 422, 503, body=True))
    def book(self, portal: NamedDependency[Portal], clinic: NamedDependency[Clinic], lang: NamedDependency[str],
             data: JSONBody[BookingRequest]) -> BookingInfo:
        """Books the held time for the patient, all or nothing, once per hold: a repeat answers with the same
        booking. 402 when the card is declined (nothing is booked; the time stays held for another card)."""
        details = PatientDetails(first_name=data.first_name, last_name=data.last_name, email=data.email,
                                 mobile=data.mobile, language=lang)
        done = portal.checkout.confirm(data.hold, data.phone_check, details, data.payment_method, data.accept_policy)
        return booking_info(done.appointment, clinic, done)

    @get("/bookings/{reference:str}", summary="A booking", sync_to_thread=True, responses=problem_responses(404))
    def booking(self, portal: NamedDependency[Portal], clinic: NamedDependency[Clinic],
                reference: FromPath[str]) -> BookingInfo:
        """The booked visit by its reference."""
        return booking_info(portal.checkout.booking(reference), clinic)


def booking_info(visit: Appointment, clinic: Clinic, done: Confirmation | None = None) -> BookingInfo:
    """The API view of a visit; the payment fields only when the booking's confirmation is at hand."""
    return BookingInfo(
        reference=visit.reference, status=visit.status.value, start_at=visit.start_at, end_at=visit.end_at,
        provider=visit.provider, location=visit.location, services=list(visit.services),
        price_cents=visit.price_cents, currency=clinic.currency,
        deposit_paid_cents=done.deposit_paid.cents if done else None,
        card_last4=(done.card.last4 if done.card else "") if done else None,
        simulated_payment=done.simulated_payment if done else None)
