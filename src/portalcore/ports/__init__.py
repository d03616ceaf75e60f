"""The interfaces services depend on, by family. Adapters implement them; every port has a real and an offline
version. Import them from here: ``from portalcore.ports import UnitOfWork, Mailer``."""

from portalcore.ports.clock import Clock
from portalcore.ports.store import (
    ClinicRepository, CatalogRepository, PatientRepository, AppointmentRepository, AvailabilityRepository,
    BookingRepository, OutboxRepository, TimedJobRepository, WaitlistRepository, AccessRepository, UnitOfWork,
    UnitOfWorkFactory,
)
from portalcore.ports.messaging import Mailer, SmsSender, MessageRenderer
from portalcore.ports.payments import PaymentGateway
from portalcore.ports.security import PasswordHasher, BreachedPasswords, Captcha, PasskeyVerifier, OneTimePasswords

__all__ = [
    "AccessRepository", "AppointmentRepository", "AvailabilityRepository", "BookingRepository", "BreachedPasswords",
    "Captcha", "CatalogRepository", "ClinicRepository", "Clock", "Mailer", "MessageRenderer", "OneTimePasswords",
    "OutboxRepository", "PasskeyVerifier", "PasswordHasher", "PatientRepository", "PaymentGateway", "SmsSender",
    "TimedJobRepository", "UnitOfWork", "UnitOfWorkFactory", "WaitlistRepository",
]
