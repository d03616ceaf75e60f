"""Errors the domain and services raise. Each frontend turns them into its own output in one place."""

from __future__ import annotations


class PortalError(Exception):
    """Base of every error a user may see. ``str(error)`` is one readable sentence, in English.

    The sentence is written as a message id with ``%(name)s`` placeholders and its values as keywords, never
    as an f-string, so each frontend can show it in the reader's language from its message catalogue:
    ``InvalidInput("Please wait %(seconds)s seconds before asking for a new code.", seconds=30)``. A sentence
    that depends on a number names its plural and the number:
    ``InvalidInput("%(count)s try left.", plural="%(count)s tries left.", count=left)``.
    """

    code = "portal_error"

    def __init__(self, message: str = "", /, *, plural: str | None = None, count: int | None = None,
                 **params: object) -> None:
        self.message, self.plural, self.count = message, plural, count
        self.params: dict[str, object] = params if count is None else {**params, "count": count}
        super().__init__(self.fill(message if plural is None or count == 1 else plural))

    def fill(self, template: str) -> str:
        """``template`` (the message or its translation) with the error's values in its placeholders."""
        return template % self.params if self.params else template


class InvalidInput(PortalError):
    """The input broke a rule; nothing was written."""

    code = "invalid_input"


class NotFound(PortalError):
    """The thing asked for does not exist (or is not visible to the one asking)."""

    code = "not_found"


class Conflict(PortalError):
    """The change collides with the current state, e.g. a slot that was just taken."""

    code = "conflict"


class SlotTaken(Conflict):
    """Another appointment of the same provider already covers this time."""

    code = "slot_taken"


class NotAllowed(PortalError):
    """The one asking may not do this (another patient's record, a proxy outside its scope)."""

    code = "not_allowed"


class PaymentDeclined(PortalError):
    """The payment provider refused the card or the charge."""

    code = "payment_declined"


class PaymentUnavailable(PortalError):
    """The payment provider could not be reached or failed; the card was not charged, so trying again is safe."""

    code = "payment_unavailable"

    def __init__(
        self,
        message: str = "The payment service is not reachable right now; nothing was charged. Please try again.",
    ) -> None:
        super().__init__(message)


class ConfigurationError(PortalError):
    """The settings are unusable (bad database URL, unreachable mail server, missing key)."""

    code = "configuration_error"


class DeliveryError(Exception):
    """A message could not be handed to the mail/SMS provider. ``permanent`` means retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
