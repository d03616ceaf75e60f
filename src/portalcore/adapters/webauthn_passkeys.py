"""Passkeys (WebAuthn) with py_webauthn: the options the browser needs and the checks of its answers.

The relying party is this site: its id is the host name of ``base_url`` and the only accepted origin is the
scheme, host and port of ``base_url``, so an answer made for another site (a phishing copy) never verifies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json, parse_registration_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portalcore.domain.errors import ConfigurationError, InvalidInput
from portalcore.domain.passkeys import NewPasskey, Passkey

NOT_CHECKED = "Your passkey could not be checked. Please try again."
TIMEOUT_MS = 5 * 60 * 1000  # the options stay valid as long as the login attempt's other steps would
KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}


class WebauthnPasskeyVerifier:
    """PasskeyVerifier for the site at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if not parts.hostname:
            raise ConfigurationError(f"PORTAL_BASE_URL {base_url!r} has no host name for passkeys")
        self.rp_id = parts.hostname
        self.origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"

    def registration_options(self, *, challenge: bytes, user_id: bytes, user_name: str, display_name: str,
                             site_name: str, exclude: Sequence[Passkey]) -> str:
        """Asks for a discoverable credential when the device can keep one, and for user verification
        (fingerprint, face, PIN) when it can do it; neither is required, as the password was checked first."""
        options = generate_registration_options(
            rp_id=self.rp_id, rp_name=site_name, user_id=user_id, user_name=user_name,
            user_display_name=display_name, challenge=challenge, timeout=TIMEOUT_MS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED),
            exclude_credentials=[_descriptor(p) for p in exclude])
        return options_to_json(options)

    def verify_registration(self, response: str, *, challenge: bytes) -> NewPasskey:
        try:
            credential = parse_registration_credential_json(response)
            verified = verify_registration_response(credential=credential, expected_challenge=challenge,
                                                    expected_rp_id=self.rp_id, expected_origin=self.origin)
        except (WebAuthnException, ValueError, TypeError, KeyError):
            raise InvalidInput(NOT_CHECKED) from None
        transports = [t.value for t in credential.response.transports or [] if t.value in KNOWN_TRANSPORTS]
        return NewPasskey(credential_id=verified.credential_id, public_key=verified.credential_public_key,
                          sign_count=verified.sign_count, transports=transports)

    def authentication_options(self, *, challenge: bytes, passkeys: Sequence[Passkey]) -> str:
        options = generate_authentication_options(
            rp_id=self.rp_id, challenge=challenge, timeout=TIMEOUT_MS,
            allow_credentials=[_descriptor(p) for p in passkeys],
            user_verification=UserVerificationRequirement.PREFERRED)
        return options_to_json(options)

    def credential_id(self, response: str) -> bytes:
        try:
            return parse_authentication_credential_json(response).raw_id
        except (WebAuthnException, ValueError, TypeError, KeyError, json.JSONDecodeError):
            raise InvalidInput(NOT_CHECKED) from None

    def verify_authentication(self, response: str, *, challenge: bytes, passkey: Passkey) -> int:
        """The library refuses a signature count that did not go up (unless the authenticator keeps none: 0)."""
        try:
            verified = verify_authentication_response(
                credential=response, expected_challenge=challenge, expected_rp_id=self.rp_id,
                expected_origin=self.origin, credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count)
        except (WebAuthnException, ValueError, TypeError, KeyError):
            raise InvalidInput(NOT_CHECKED) from None
        if verified.credential_id != passkey.credential_id:
            raise InvalidInput(NOT_CHECKED)
        return verified.new_sign_count


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in passkey.transports if t in KNOWN_TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=passkey.credential_id, transports=transports or None)
