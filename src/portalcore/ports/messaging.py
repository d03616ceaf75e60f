"""Email and SMS: sending a message, and rendering one from a named template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from portalcore.domain.outbox import OutgoingMessage


class Mailer(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Hands an email to the mail system and returns its Message-ID; raises ``DeliveryError``."""


class SmsSender(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Sends a text message and returns the provider's message id; raises ``DeliveryError``."""


class MessageRenderer(Protocol):
    def render(self, template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        """Subject, plain text and HTML of a named message template in a language (falls back to English)."""
