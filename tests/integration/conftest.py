"""A portal whose payments go through the Stripe SDK to a loopback fake of Stripe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portalcore.adapters.clock import FixedClock
from portalcore.adapters.payments.stripe import StripePaymentGateway
from portalcore.bootstrap import Portal, build_portal, read_clinic_file
from portalcore.settings import Settings
from tests.fakes.memory import RecordingSender
from tests.fakes.stripe_fake import FakeStripe


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def stripe_portal(settings: Settings, clock: FixedClock, mailer: RecordingSender, sms: RecordingSender,
                  stripe_fake: FakeStripe) -> Iterator[Portal]:
    """The demo clinic, paid through ``StripePaymentGateway`` against ``stripe_fake`` (no SDK retries, so an
    injected failure reaches the service)."""
    gateway = StripePaymentGateway(stripe_fake.api_key, api_base=stripe_fake.url, max_network_retries=0)
    built = build_portal(settings, clock=clock, mailer=mailer, sms=sms, payments=gateway)
    try:
        built.setup.import_clinic(read_clinic_file())
        yield built
    finally:
        built.close()
