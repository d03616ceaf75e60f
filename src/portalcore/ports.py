"""The interfaces services depend on. Adapters implement them; every port has a real and an offline version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from portalcore.domain.access import AccessLink, Account, LinkPurpose, LoginChallenge, PortalSession
from portalcore.domain.appointments import Appointment, AppointmentStatus
from portalcore.domain.audit import AuditEvent
from portalcore.domain.booking import CardOnFile, Hold, PaymentRecord
from portalcore.domain.catalog import FormTemplate, Service, ServiceCategory
from portalcore.domain.clinic import Clinic, Location
from portalcore.domain.forms import RoutedForm
from portalcore.domain.outbox import Channel, MessageStatus, OutboxEntry, OutgoingMessage
from portalcore.domain.passkeys import NewPasskey, Passkey
from portalcore.domain.patients import Patient
from portalcore.domain.payments import Customer, Payment, Refund, SavedCard
from portalcore.domain.providers import Provider
from portalcore.domain.proxies import ProxyGrant
from portalcore.domain.timed_events import JobState, TimedJob
from portalcore.domain.waitlist import EntryState, OfferState, WaitlistEntry, WaitlistOffer
from portalcore.domain.verification import PhoneChallenge


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, time-zone aware, in UTC."""


class ClinicRepository(Protocol):
    def get(self) -> Clinic | None: ...
    def save(self, clinic: Clinic) -> Clinic: ...


class CatalogRepository(Protocol):
    """Locations, providers, categories, services and forms; ``save_*`` inserts or updates by slug."""

    def locations(self) -> list[Location]: ...
    def save_location(self, location: Location) -> Location: ...
    def providers(self) -> list[Provider]: ...
    def provider(self, slug: str) -> Provider | None: ...
    def save_provider(self, provider: Provider) -> Provider: ...
    def categories(self) -> list[ServiceCategory]: ...
    def save_category(self, category: ServiceCategory) -> ServiceCategory: ...
    def services(self) -> list[Service]: ...
    def service(self, slug: str) -> Service | None: ...
    def save_service(self, service: Service) -> Service: ...
    def forms(self) -> list[FormTemplate]: ...
    def save_form(self, form: FormTemplate) -> FormTemplate: ...


class PatientRepository(Protocol):
    def get(self, patient_id: int) -> Patient | None: ...
    def by_email(self, email: str) -> Patient | None: ...
    def search(self, text: str, limit: int = 50) -> list[Patient]: ...
    def add(self, patient: Patient) -> Patient:
        """Stores a new patient; raises ``Conflict`` when the email is already on another patient."""

    def count(self) -> int: ...
    def duplicate_candidates(self) -> list[Patient]:
        """Patients who share a date of birth or a mobile number with another patient, by id (the service
        decides which of them are likely the same person)."""

    def change_email(self, patient_id: int, email: str) -> None:
        """Raises ``Conflict`` when another patient has that email."""


class AppointmentRepository(Protocol):
    def add(self, appointment: Appointment) -> Appointment:
        """Stores a booked visit; raises ``SlotTaken`` when the provider is busy then (safe under concurrency)."""

    def get(self, appointment_id: int) -> Appointment | None: ...
    def by_reference(self, reference: str) -> Appointment | None: ...
    def between(self, start: datetime, end: datetime, provider: str | None = None) -> list[Appointment]:
        """Visits that touch [start, end), any status, ordered by start."""

    def for_patient(self, patient_id: int) -> list[Appointment]: ...
    def set_status(self, appointment_id: int, status: AppointmentStatus) -> None: ...

    def move(self, appointment_id: int, start_at: datetime, end_at: datetime, busy_until: datetime) -> None:
        """Raises ``SlotTaken`` when the provider is busy at the new time, ``NotFound``."""

    def confirm(self, appointment_id: int, at: datetime) -> None: ...


class AvailabilityRepository(Protocol):
    """The hot path of online booking: what keeps providers busy, read with one range query per call."""

    def busy_times(self, providers: Sequence[str], start: datetime, end: datetime,
                   now: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
        """Per provider slug, the sorted UTC intervals in which that provider cannot take a new visit and that
        touch [start, end): visits that block time (start_at to busy_until, so buffers count), slot holds still
        live at ``now``, and time off. Every slug asked for is a key (an empty list when free)."""

    def booked_minutes(self, providers: Sequence[str], start: datetime, end: datetime) -> dict[str, int]:
        """Per provider slug, minutes of booked visits starting in [start, end) (first-available tie-break)."""


class BookingRepository(Protocol):
    """Slot holds, phone challenges, payment records, cards on file and routed forms."""

    def lock_provider(self, provider: str) -> None:
        """Serializes bookings of one provider until the transaction ends (row lock on PostgreSQL; SQLite's
        writer lock already does)."""

    def add_hold(self, hold: Hold, now: datetime) -> None: ...
    def hold(self, token: str) -> Hold | None: ...
    def drop_hold(self, token: str) -> None: ...
    def drop_expired_holds(self, now: datetime) -> int: ...
    def add_challenge(self, challenge: PhoneChallenge, now: datetime) -> None: ...
    def challenge(self, token: str) -> PhoneChallenge | None: ...
    def save_challenge(self, challenge: PhoneChallenge) -> None: ...
    def add_payment(self, payment: PaymentRecord, now: datetime) -> None: ...
    def payments(self, appointment_id: int) -> list[PaymentRecord]: ...
    def patient_payments(self, patient_id: int) -> list[PaymentRecord]: ...
    def add_card(self, card: CardOnFile, now: datetime) -> None: ...
    def cards(self, patient_id: int) -> list[CardOnFile]: ...
    def add_forms(self, patient_id: int, forms: Sequence[RoutedForm], now: datetime) -> None: ...
    def forms(self, patient_id: int) -> list[RoutedForm]: ...
    def move_forms(self, appointment_id: int, start_at: datetime) -> None:
        """A moved visit's post-treatment instructions appear at its new start."""


class OutboxRepository(Protocol):
    def add(self, message: OutgoingMessage, now: datetime) -> bool:
        """Queues a message; returns False (and queues nothing) when its idempotency key is already queued."""

    def lock_channel(self, channel: Channel) -> None:
        """Makes other workers wait to claim messages of ``channel`` until this transaction ends."""

    def started_since(self, channel: Channel, since: datetime) -> int:
        """Messages of ``channel`` being sent now or sent since ``since`` (what counts against a rate limit)."""

    def claim_due(self, now: datetime, limit: int, lease: timedelta, key: str | None = None,
                  channel: Channel | None = None) -> list[OutboxEntry]:
        """Marks up to ``limit`` due messages (only the one with idempotency ``key``, or of ``channel``, when
        given) as being sent until ``now + lease`` and returns them.

        Two dispatchers never claim the same message while its lease runs.
        """

    def mark_sent(self, entry_id: int, provider_id: str, now: datetime) -> None: ...
    def mark_failed(self, entry_id: int, error: str, status: MessageStatus, next_attempt_at: datetime) -> None: ...
    def entries(self, status: MessageStatus | None = None, limit: int = 100) -> list[OutboxEntry]: ...
    def counts(self) -> dict[MessageStatus, int]: ...


class TimedJobRepository(Protocol):
    """What is due later. Claims work like the outbox's: a lease, and two workers never hold one job."""

    def add(self, job: TimedJob, now: datetime) -> bool:
        """Schedules a job; False (nothing added) when a job with its key exists."""

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[TimedJob]: ...
    def still_running(self, job_id: int) -> bool:
        """Locks the job until the transaction ends; False when it was cancelled after being claimed."""

    def finish(self, job_id: int, now: datetime) -> None: ...
    def fail(self, job_id: int, error: str, state: JobState, retry_at: datetime) -> None: ...
    def cancel_for_visit(self, appointment_id: int, now: datetime) -> int:
        """Cancels the visit's jobs that have not run; returns how many."""

    def cancel_keyed(self, prefix: str, now: datetime) -> int:
        """Cancels the jobs not yet run whose key starts with ``prefix`` (a revoked grant's); returns how many."""

    def get(self, job_id: int) -> TimedJob | None: ...
    def entries(self, state: JobState | None = None, appointment_id: int | None = None,
                limit: int = 100) -> list[TimedJob]:
        """Jobs in that state and/or of that visit, the soonest due first."""

    def retry(self, job_id: int, now: datetime) -> bool:
        """Puts a dead job back to pending, due ``now``, with its tries counted afresh; False when not dead."""

    def for_visit(self, appointment_id: int) -> list[TimedJob]: ...
    def counts(self) -> dict[JobState, int]: ...


class WaitlistRepository(Protocol):
    def add_entry(self, entry: WaitlistEntry, now: datetime) -> WaitlistEntry: ...
    def entry(self, entry_id: int) -> WaitlistEntry | None: ...
    def entries_for_patient(self, patient_id: int) -> list[WaitlistEntry]: ...
    def waiting_on(self, day: date) -> list[WaitlistEntry]:
        """Entries still waiting whose range holds ``day``, in the order the patients joined."""

    def set_entry_state(self, entry_id: int, state: EntryState) -> None: ...
    def add_offer(self, offer: WaitlistOffer, now: datetime) -> WaitlistOffer: ...
    def offer_by_token(self, token_hash: str, *, for_update: bool = False) -> WaitlistOffer | None: ...
    def open_offers_at(self, provider: str, start_at: datetime) -> list[WaitlistOffer]: ...
    def set_offer_state(self, offer_id: int, state: OfferState) -> None: ...


class AccessRepository(Protocol):
    """Logins, one-time links, login challenges, sessions, throttles, recovery codes, proxy grants, audit log.

    Lookups by token take the keyed hash of the token, never the token itself."""

    def account(self, account_id: int, *, for_update: bool = False) -> Account | None: ...
    def account_by_email(self, email: str, *, for_update: bool = False) -> Account | None: ...
    def account_of_patient(self, patient_id: int) -> Account | None: ...
    def add_account(self, account: Account, now: datetime) -> Account:
        """Raises ``Conflict`` when the email or the patient already has an account."""

    def save_account(self, account: Account) -> None: ...
    def never_logged_in(self, limit: int | None = None) -> list[tuple[int, int | None]]: ...
    def add_link(self, link: AccessLink, now: datetime) -> None: ...
    def link(self, token_hash: str) -> AccessLink | None: ...
    def latest_link(self, purpose: LinkPurpose, *, patient_id: int) -> AccessLink | None: ...
    def use_link(self, token_hash: str, now: datetime) -> None: ...
    def revoke_links(self, purpose: LinkPurpose, now: datetime, *, patient_id: int | None = None,
                     account_id: int | None = None) -> int: ...
    def add_challenge(self, challenge: LoginChallenge, now: datetime) -> None: ...
    def challenge(self, token_hash: str) -> LoginChallenge | None: ...
    def save_challenge(self, challenge: LoginChallenge) -> None: ...
    def add_session(self, portal_session: PortalSession) -> None: ...
    def session_by_token(self, token_hash: str) -> PortalSession | None: ...
    def save_session(self, portal_session: PortalSession) -> None: ...
    def end_sessions(self, account_id: int, now: datetime, *, keep: str | None = None) -> int: ...
    def throttle(self, key: str, now: datetime, window_seconds: int) -> int: ...
    def count_failure(self, key: str, now: datetime, window_seconds: int) -> int: ...
    def blocked_until(self, key: str) -> datetime | None:
        """Until when tries under ``key`` must wait (None: no wait was set)."""

    def block(self, key: str, until: datetime | None) -> None:
        """Sets (or with None clears) the wait of an existing ``key``, counted with ``count_failure`` first."""

    def accounts_by_mobile(self, mobile: str) -> list[Account]:
        """The logins of the patients whose mobile number (E.164) is ``mobile``."""

    def replace_recovery_codes(self, account_id: int, code_hashes: Sequence[str], now: datetime) -> None: ...
    def use_recovery_code(self, account_id: int, code_hash: str, now: datetime) -> bool: ...
    def recovery_codes_left(self, account_id: int) -> int: ...
    def passkeys(self, account_id: int) -> list[Passkey]: ...
    def passkey_by_credential(self, credential_id: bytes) -> Passkey | None: ...
    def add_passkey(self, passkey: Passkey, now: datetime) -> Passkey:
        """Raises ``Conflict`` when the credential is already registered."""

    def save_passkey(self, passkey: Passkey) -> None:
        """Stores the new sign count and last use of a passkey."""

    def remove_passkey(self, account_id: int, passkey_id: int) -> Passkey | None:
        """Deletes one of the account's passkeys and returns it (None: the account has no such passkey)."""

    def add_grant(self, grant: ProxyGrant, now: datetime) -> ProxyGrant: ...
    def grant(self, grant_id: int) -> ProxyGrant | None: ...
    def grants_of_account(self, account_id: int) -> list[ProxyGrant]: ...
    def grants_for_patient(self, patient_id: int) -> list[ProxyGrant]: ...
    def save_grant(self, grant: ProxyGrant) -> None: ...
    def record(self, event: AuditEvent) -> None:
        """Appends to the audit log (the database refuses updates and deletes of it)."""

    def events(self, *, patient_id: int | None = None, account_id: int | None = None,
               actions_prefix: str = "", limit: int = 200) -> list[AuditEvent]: ...
    def patient_log(self, patient_id: int, *, offset: int = 0, limit: int = 50) -> list[AuditEvent]:
        """One page of the events about ``patient_id`` (whoever caused them), newest first."""


class UnitOfWork(Protocol):
    """One transaction. ``with uow:`` begins it; leaving without ``commit()`` rolls it back."""

    clinic: ClinicRepository
    catalog: CatalogRepository
    patients: PatientRepository
    appointments: AppointmentRepository
    availability: AvailabilityRepository
    bookings: BookingRepository
    outbox: OutboxRepository
    access: AccessRepository
    jobs: TimedJobRepository
    waitlist: WaitlistRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, readonly: bool = False) -> UnitOfWork:
        """A new unit of work; ``readonly`` ones never take the write lock (SQLite) and must not commit."""


class Mailer(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Hands an email to the mail system and returns its Message-ID; raises ``DeliveryError``."""


class SmsSender(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Sends a text message and returns the provider's message id; raises ``DeliveryError``."""


class MessageRenderer(Protocol):
    def render(self, template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        """Subject, plain text and HTML of a named message template in a language (falls back to English)."""


class PaymentGateway(Protocol):
    """Cards and money. Every call that changes something takes an idempotency key; declines raise ``PaymentDeclined``."""

    simulated: bool

    def create_customer(self, *, email: str, name: str, idempotency_key: str) -> Customer: ...
    def save_card(self, *, customer_id: str, payment_method: str, idempotency_key: str) -> SavedCard: ...
    def authorize(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        """Holds an amount on a card without taking it (manual capture)."""

    def capture(self, payment_id: str, *, idempotency_key: str) -> Payment: ...
    def cancel(self, payment_id: str, *, idempotency_key: str) -> Payment:
        """Releases a hold."""

    def charge(
        self, *, customer_id: str, payment_method_id: str, amount_cents: int, currency: str,
        idempotency_key: str, description: str = "",
    ) -> Payment:
        """Takes an amount from a saved card at once (deposits, cancellation fees)."""

    def refund(self, payment_id: str, *, amount_cents: int, idempotency_key: str) -> Refund: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashes (argon2id)."""

    def hash(self, password: str) -> str: ...
    def verify(self, stored_hash: str, password: str) -> bool:
        """True when ``password`` matches; False (never an exception) when it does not or the hash is unreadable."""

    def dummy_verify(self) -> None:
        """Spends as long as a real ``verify`` (answers about unknown emails take the same time)."""

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with weaker parameters than today's and should be replaced at login."""


class BreachedPasswords(Protocol):
    """Knows passwords that are common or appeared in breaches (checked after NFKC normalization)."""

    def is_breached(self, password: str) -> bool: ...


class Captcha(Protocol):
    """A human check on sign-up, login and reset forms; the null adapter accepts everyone (off by default)."""

    enabled: bool
    site_key: str
    provider: str  # "none", "recaptcha", "hcaptcha" or "turnstile": which widget the page must show

    def verify(self, response_token: str, remote_ip: str | None = None) -> bool:
        """True when the provider confirms the token; False when it refuses or cannot be reached."""


class PasskeyVerifier(Protocol):
    """WebAuthn for this site (the relying party is the host of ``base_url``): the options for the browser's
    ``navigator.credentials`` calls, as JSON, and the checks of what the authenticator answered."""

    def registration_options(self, *, challenge: bytes, user_id: bytes, user_name: str, display_name: str,
                             site_name: str, exclude: Sequence[Passkey]) -> str:
        """Options for ``navigator.credentials.create`` (the passkeys in ``exclude`` are not created twice);
        ``site_name`` is what the browser shows as the site (the clinic's name)."""

    def verify_registration(self, response: str, *, challenge: bytes) -> NewPasskey:
        """The credential the browser created; raises ``InvalidInput`` when the answer does not check out."""

    def authentication_options(self, *, challenge: bytes, passkeys: Sequence[Passkey]) -> str:
        """Options for ``navigator.credentials.get`` limited to these passkeys."""

    def credential_id(self, response: str) -> bytes:
        """Which credential an answer of ``navigator.credentials.get`` claims to come from; raises ``InvalidInput``
        when the answer cannot be read."""

    def verify_authentication(self, response: str, *, challenge: bytes, passkey: Passkey) -> int:
        """The authenticator's new signature count; raises ``InvalidInput`` for a wrong signature, challenge or
        origin, and for a count that did not go up (a sign of a cloned authenticator)."""


class OneTimePasswords(Protocol):
    """Authenticator-app codes (RFC 6238 TOTP, 6 digits, 30-second steps)."""

    def new_secret(self) -> str: ...
    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The ``otpauth://`` URI an authenticator app reads (usually from a QR code)."""

    def matching_step(self, secret: str, code: str, at: datetime, *, window: int = 1) -> int | None:
        """The time step (``at`` // 30 s, ± ``window``) whose code equals ``code``, or None."""
