""""Forgot password" must not tell by its timing whether an address has an account: the request does exactly
the same calls for a known and an unknown address (timing itself is too noisy to test)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from portalcore.adapters.clock import FixedClock
from portalcore.domain.access import Account
from portalcore.services.access.credentials import CredentialService
from portalcore.services.access.kit import AccessKit

KNOWN = "olivia.martinez@example.com"


class Spy:
    """Stands in for the unit of work and every part of the kit: records each call by its dotted path and
    answers from ``answers`` (None otherwise)."""

    def __init__(self, calls: list[str], answers: dict[str, Callable[..., Any]], path: str) -> None:
        self._calls, self._answers, self._path = calls, answers, path

    def __getattr__(self, name: str) -> Spy:
        return Spy(self._calls, self._answers, f"{self._path}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._calls.append(self._path)
        answer = self._answers.get(self._path)
        return answer(*args, **kwargs) if answer else None

    def __enter__(self) -> Spy:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def calls_of_forgot_password(email: str) -> list[str]:
    calls: list[str] = []
    answers: dict[str, Callable[..., Any]] = {
        "uow.access.account_by_email": lambda address, **_: Account(email=KNOWN, first_name="Olivia", id=7,
                                                                    password_hash="x") if address == KNOWN else None,
        "uow.access.count_failure": lambda *_: 1,
        "uow.jobs.add": lambda *_: True,
        "uow.patients.by_email": lambda *_: None,
    }
    unit_of_work = Spy(calls, answers, "uow")
    kit = AccessKit(uow=lambda **_: unit_of_work, clock=FixedClock(datetime(2026, 3, 2, 15, tzinfo=UTC)),
                    composer=Spy(calls, answers, "composer"), dispatcher=Spy(calls, answers, "dispatcher"),
                    hasher=Spy(calls, answers, "hasher"), breached=Spy(calls, answers, "breached"),
                    secret=b"s" * 32, base_url="https://portal.test")
    CredentialService(kit).forgot_password(email, ip="203.0.113.9")
    return calls


def test_forgot_password_does_the_same_calls_for_a_known_and_an_unknown_email() -> None:
    known, unknown = calls_of_forgot_password(KNOWN), calls_of_forgot_password("nobody@example.com")

    assert known == unknown
    assert "uow.jobs.add" in known and "uow.commit" in known  # the worker sends the link, if any
    assert not [call for call in known if call.startswith(("composer", "dispatcher", "uow.outbox"))]

