"""The one place that picks implementations: ``build_portal(settings, **overrides) -> Portal``."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy.engine import Engine

from portalcore.adapters.argon2_hasher import Argon2PasswordHasher
from portalcore.adapters.breached_passwords import BundledBreachedPasswords, PwnedPasswordsBreachedPasswords
from portalcore.adapters.captcha import make_captcha
from portalcore.adapters.clock import SystemClock
from portalcore.adapters.scheduler import ApschedulerRunner
from portalcore.adapters.sql import migrate
from portalcore.adapters.sql.engine import make_engine
from portalcore.adapters.sql.catalog_cache import CatalogCache
from portalcore.adapters.sql.unit_of_work import SqlUnitOfWork
from portalcore.adapters.totp import PyotpOneTimePasswords
from portalcore.adapters.webauthn_passkeys import WebauthnPasskeyVerifier
from portalcore.domain.access import AccessPolicy
from portalcore.domain.errors import ConfigurationError, InvalidInput
from portalcore.domain.outbox import Channel, RetryPolicy
from portalcore.domain.passwords import PasswordPolicy
from portalcore.ports import (
    BreachedPasswords, Captcha, Clock, Mailer, MessageRenderer, PaymentGateway, SmsSender, UnitOfWorkFactory,
)
from portalcore.services.access.credentials import CredentialService
from portalcore.services.access.invitations import InvitationService
from portalcore.services.access.jobs import AccessJobs
from portalcore.services.access.kit import AccessKit
from portalcore.services.access.login import LoginService
from portalcore.services.access.medical_reads import MedicalReads
from portalcore.services.access.passkey_login import PasskeyLogin
from portalcore.services.access.proxies import ProxyService
from portalcore.services.access.proxy_invites import ProxyInvites
from portalcore.services.access.second_factors import SecondFactorService
from portalcore.services.booking.availability import BookingService
from portalcore.services.booking.checkout import CheckoutService
from portalcore.services.booking.checkout_steps import CheckoutSteps
from portalcore.services.booking.phone_check import PhoneVerificationService
from portalcore.services.booking.visit_claims import VisitClaims
from portalcore.services.clinic.catalog import CatalogService
from portalcore.services.clinic.setup import SetupService
from portalcore.services.delivery import MessageComposer, OutboxDispatcher, OutboxService
from portalcore.services.patients.directory import PatientService
from portalcore.services.records.portal_reads import PatientPortalService
from portalcore.services.visits.changes import VisitService
from portalcore.services.visits.portal_changes import PortalVisitService
from portalcore.services.visits.portal_waitlist import PortalWaitlistService
from portalcore.services.visits.reference_changes import HeldVisits, ReferenceVisitService
from portalcore.services.visits.reminder_links import LinkedVisitService
from portalcore.services.visits.schedule import ScheduleService
from portalcore.services.visits.signed_links import VisitLinks
from portalcore.services.visits.timed_events import TimedJobRunner, TimedJobService
from portalcore.services.visits.waitlist import WaitlistKit, WaitlistService
from portalcore.settings import Settings

DEMO_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo_clinic.toml"


@attrs.define
class Portal:
    """Everything a frontend needs: the services, wired to the configured adapters."""

    settings: Settings
    clock: Clock
    catalog: CatalogService
    patients: PatientService
    schedule: ScheduleService
    setup: SetupService
    outbox: OutboxService
    dispatcher: OutboxDispatcher
    booking: BookingService
    checkout: CheckoutService
    checkout_steps: CheckoutSteps  # the web checkout's steps, with what was typed kept by the hold
    phone: PhoneVerificationService
    visit_claims: VisitClaims
    visits: VisitService
    payments: PaymentGateway
    invitations: InvitationService
    login: LoginService
    factors: SecondFactorService
    credentials: CredentialService
    proxies: ProxyService
    proxy_invites: ProxyInvites  # a patient asks someone to act for them; it starts when they accept
    reads: PatientPortalService
    captcha: Captcha
    timed: TimedJobRunner
    jobs: TimedJobService
    linked_visits: LinkedVisitService
    reference_visits: ReferenceVisitService
    waitlist: WaitlistService
    portal_visits: PortalVisitService  # a signed-in patient or proxy moves or cancels a visit
    portal_waitlist: PortalWaitlistService  # ... and joins or leaves the waitlist
    _engine: Engine
    _mailer: Mailer
    _sms: SmsSender

    def check_outside_services(self) -> None:
        """Raises ``ConfigurationError`` when the mail server cannot be reached (called at start-up)."""
        check = getattr(self._mailer, "check_connection", None)
        if check is not None:
            check()

    def migrate(self) -> None:
        """Brings the database schema up to date."""
        migrate.upgrade(self._engine)

    def background_jobs(self, *, blocking: bool = False) -> ApschedulerRunner:
        """The periodic jobs of ``portal worker`` (blocking) and ``portal serve`` (in a thread): timed jobs
        (which queue messages) first, then the outbox."""
        return ApschedulerRunner({"run_timed_jobs": self.timed.run_due,
                                  "dispatch_outbox": self.dispatcher.dispatch_due,
                                  "release_expired_holds": self.booking.release_expired},
                                 self.settings.worker_interval_seconds, blocking=blocking)

    def close(self) -> None:
        """Releases connections: the database pool and the SDK clients' HTTP sessions."""
        for adapter in (self.payments, self._sms):
            closer = getattr(adapter, "close", None)
            if closer is not None:
                closer()
        self._engine.dispose()


def build_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend == "smtp":
        from portalcore.adapters.mail.smtp import SmtpMailer

        return SmtpMailer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from,
                          username=settings.smtp_username, password=settings.smtp_password,
                          starttls=settings.smtp_starttls, ssl=settings.smtp_ssl, timeout=settings.smtp_timeout)
    from portalcore.adapters.mail.file import FileMailer

    return FileMailer(settings.effective_mailbox_dir, sender=settings.mail_from)


def build_sms(settings: Settings) -> SmsSender:
    if settings.sms_backend == "twilio":
        from portalcore.adapters.sms.twilio import TwilioSmsSender

        return TwilioSmsSender(account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
                               from_number=settings.twilio_from, api_base=settings.twilio_api_base)
    from portalcore.adapters.sms.console import ConsoleSmsSender

    return ConsoleSmsSender(log_path=settings.data_dir / "sms.log")


def build_payments(settings: Settings, engine: Engine, clock: Clock) -> PaymentGateway:
    if settings.payment_backend == "stripe":
        from portalcore.adapters.payments.stripe import StripePaymentGateway

        return StripePaymentGateway(settings.stripe_secret_key, api_base=settings.stripe_api_base)
    from portalcore.adapters.payments.simulated import SimulatedPaymentGateway

    return SimulatedPaymentGateway(engine, clock)


def build_portal(settings: Settings, *, clock: Clock | None = None, mailer: Mailer | None = None,
                 sms: SmsSender | None = None, payments: PaymentGateway | None = None,
                 renderer: MessageRenderer | None = None, migrate_database: bool = True, **_: Any) -> Portal:
    """Wires a Portal. Anything passed in replaces what the settings would choose (tests pass fakes).

    Raises ``ConfigurationError`` for unusable settings or a database that cannot be opened.
    """
    from portalcore.adapters.templates import Jinja2MessageRenderer

    settings.validate()
    clock = clock or SystemClock()
    engine = make_engine(settings.effective_database_url)
    if migrate_database:
        try:
            migrate.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
    uow = partial(SqlUnitOfWork, engine, clock.now, cache=CatalogCache())
    mailer = mailer or build_mailer(settings)
    sms = sms or build_sms(settings)
    composer = MessageComposer(renderer or Jinja2MessageRenderer())
    retry = RetryPolicy(max_attempts=settings.outbox_max_attempts, base_seconds=settings.outbox_retry_base_seconds)
    dispatcher = OutboxDispatcher(uow, clock, mailer, sms, retry=retry, batch_size=settings.outbox_batch_size,
                                  per_minute={Channel.EMAIL: settings.outbox_email_per_minute,
                                              Channel.SMS: settings.outbox_sms_per_minute})
    payments = payments or build_payments(settings, engine, clock)
    kit = build_access_kit(settings, uow, clock, composer, dispatcher)
    invitations = InvitationService(kit)
    waitlist = WaitlistKit(clock, composer, settings.secret_key.encode(), settings.base_url)
    visits = VisitService(uow, clock, payments, composer, settings.base_url, waitlist=waitlist)
    links = VisitLinks(settings.secret_key.encode(), settings.base_url)
    held = HeldVisits(uow, clock, visits)
    proxies, credentials = ProxyService(kit), CredentialService(kit)
    otp, passkeys = PyotpOneTimePasswords(), WebauthnPasskeyVerifier(settings.base_url)
    waitlists = WaitlistService(uow, waitlist, payments, MedicalReads(kit, proxies))
    claims = VisitClaims(uow, clock, composer, settings.secret_key.encode(), settings.base_url)
    checkout = CheckoutService(uow, clock, payments, composer, settings.base_url, claims, invitations=invitations)
    phone = PhoneVerificationService(uow, clock, composer, dispatcher, settings.secret_key)
    return Portal(
        settings=settings, clock=clock, catalog=CatalogService(uow),
        patients=PatientService(uow, clock=clock, invitations=invitations, reads=MedicalReads(kit, proxies)),
        schedule=ScheduleService(uow, clock, composer, settings.base_url), setup=SetupService(uow, clock),
        outbox=OutboxService(uow), dispatcher=dispatcher, booking=BookingService(uow, clock),
        checkout=checkout, checkout_steps=CheckoutSteps(uow, clock, phone, checkout), phone=phone,
        visit_claims=claims,
        visits=visits,
        payments=payments, invitations=invitations, login=LoginService(kit, otp, PasskeyLogin(kit, passkeys)),
        factors=SecondFactorService(kit, otp, passkeys),
        credentials=credentials, proxies=proxies, proxy_invites=ProxyInvites(kit, proxies),
        reads=PatientPortalService(MedicalReads(kit, proxies), clock),
        portal_visits=PortalVisitService(uow, clock, MedicalReads(kit, proxies), proxies, visits),
        portal_waitlist=PortalWaitlistService(uow, clock, MedicalReads(kit, proxies), proxies, waitlists),
        captcha=make_captcha(settings.captcha_provider, settings.captcha_site_key, settings.captcha_secret),
        timed=TimedJobRunner(uow, clock, composer, links, retry=retry, batch_size=settings.outbox_batch_size,
                             payments=payments, without_visit=AccessJobs(kit, invitations, credentials).handlers()),
        jobs=TimedJobService(uow, clock), linked_visits=LinkedVisitService(uow, clock, links, visits, held),
        reference_visits=ReferenceVisitService(uow, held),
        waitlist=waitlists, engine=engine, mailer=mailer, sms=sms)


def build_access_kit(settings: Settings, uow: UnitOfWorkFactory, clock: Clock, composer: MessageComposer,
                     dispatcher: OutboxDispatcher) -> AccessKit:
    policy = AccessPolicy(invite_ttl=timedelta(days=settings.invite_link_days),
                          verify_ttl=timedelta(hours=settings.verify_link_hours),
                          reset_ttl=timedelta(minutes=settings.reset_link_minutes),
                          idle_timeout=timedelta(minutes=settings.session_idle_minutes),
                          absolute_timeout=timedelta(hours=settings.session_absolute_hours))
    hasher = Argon2PasswordHasher(time_cost=settings.password_hash_time_cost,
                                  memory_cost=settings.password_hash_memory_kib)
    return AccessKit(uow=uow, clock=clock, composer=composer, dispatcher=dispatcher, hasher=hasher,
                     breached=build_breached_passwords(settings), secret=settings.secret_key.encode(),
                     base_url=settings.base_url, policy=policy,
                     passwords=PasswordPolicy(min_length=settings.password_min_length))


def build_breached_passwords(settings: Settings) -> BreachedPasswords:
    """The bundled lists, or Have I Been Pwned's range API with them as the fallback (a setting)."""
    bundled = BundledBreachedPasswords()
    if settings.breached_passwords == "pwnedpasswords":
        return PwnedPasswordsBreachedPasswords(fallback=bundled, base_url=settings.pwned_passwords_url)
    return bundled


def read_clinic_file(path: Path | None = None) -> dict[str, Any]:
    """The clinic description in a TOML file (the demo clinic by default)."""
    path = path or DEMO_FIXTURE
    if not path.is_file():
        raise ConfigurationError(f"clinic file {path} does not exist")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path} is not valid TOML: {error}") from None
