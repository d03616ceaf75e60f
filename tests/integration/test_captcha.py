"""Captcha adapters against a loopback siteverify server: a refused or failed check is False, never an exception."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from portalcore.adapters.captcha import (
    HcaptchaCaptcha,
    NullCaptcha,
    RecaptchaCaptcha,
    TurnstileCaptcha,
    make_captcha,
)
from portalcore.domain.errors import ConfigurationError
from tests.fakes.captcha_fake import FakeSiteverify

ADAPTERS = [RecaptchaCaptcha, HcaptchaCaptcha, TurnstileCaptcha]
SiteverifyAdapter = RecaptchaCaptcha | HcaptchaCaptcha | TurnstileCaptcha


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSiteverify]:
    # A proxy from the environment would take the loopback request elsewhere.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with FakeSiteverify(secret="s3cret", good_token="tok-good") as server:
        yield server


@pytest.fixture(params=ADAPTERS, ids=lambda adapter: adapter.provider)
def captcha(request: pytest.FixtureRequest, fake: FakeSiteverify) -> SiteverifyAdapter:
    adapter: type[SiteverifyAdapter] = request.param
    return adapter("site-key-1", "s3cret", verify_url=fake.url, timeout=2.0)


def test_good_token_is_accepted_and_the_form_carries_secret_response_and_ip(captcha, fake) -> None:
    assert captcha.verify("tok-good", remote_ip="203.0.113.7") is True
    assert fake.forms == [{"secret": "s3cret", "response": "tok-good", "remoteip": "203.0.113.7"}]


def test_remote_ip_is_left_out_when_unknown(captcha, fake) -> None:
    assert captcha.verify("tok-good") is True
    assert fake.forms == [{"secret": "s3cret", "response": "tok-good"}]


def test_bad_token_is_refused(captcha, fake) -> None:
    assert captcha.verify("tok-forged", remote_ip="203.0.113.7") is False


def test_empty_token_is_refused_without_asking_the_provider(captcha, fake) -> None:
    assert captcha.verify("") is False
    assert fake.forms == []


def test_wrong_secret_is_refused(fake) -> None:
    captcha = TurnstileCaptcha("site-key-1", "not-the-secret", verify_url=fake.url)
    assert captcha.verify("tok-good") is False


def test_server_error_is_a_refusal(captcha, fake) -> None:
    fake.answer_with(500, b'{"success": true}')
    assert captcha.verify("tok-good") is False


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b"", b"[true]", b'{"success": "true"}', b"\xff\xfe"])
def test_garbage_answer_is_a_refusal(captcha, fake, body: bytes) -> None:
    fake.answer_with(200, body)
    assert captcha.verify("tok-good") is False


def test_provider_down_is_a_refusal(captcha, fake) -> None:
    fake.stop()  # nothing listens on that port any more
    assert captcha.verify("tok-good") is False


def test_provider_that_never_answers_times_out_as_a_refusal() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never replies
        port = silent.getsockname()[1]
        captcha = HcaptchaCaptcha("k", "s", verify_url=f"http://127.0.0.1:{port}/siteverify", timeout=0.3)
        assert captcha.verify("tok-good") is False


@pytest.mark.parametrize(("adapter", "url"), [
    (RecaptchaCaptcha, "https://www.google.com/recaptcha/api/siteverify"),
    (HcaptchaCaptcha, "https://api.hcaptcha.com/siteverify"),
    (TurnstileCaptcha, "https://challenges.cloudflare.com/turnstile/v0/siteverify"),
])
def test_adapters_default_to_the_official_siteverify_url(adapter: type[SiteverifyAdapter], url: str) -> None:
    captcha = adapter("site-key-1", "s3cret")
    assert (captcha.verify_url, captcha.enabled, captcha.site_key) == (url, True, "site-key-1")
    assert "s3cret" not in repr(captcha)


def test_null_captcha_accepts_everyone() -> None:
    captcha = NullCaptcha()
    assert (captcha.enabled, captcha.provider, captcha.site_key) == (False, "none", "")
    assert captcha.verify("") is True
    assert captcha.verify("anything", remote_ip="203.0.113.7") is True


@pytest.mark.parametrize("provider", ["recaptcha", "hcaptcha", "turnstile"])
def test_make_captcha_picks_the_named_provider(provider: str, fake) -> None:
    captcha = make_captcha(provider, "site-key-1", "s3cret", verify_url=fake.url)
    assert (captcha.provider, captcha.enabled, captcha.site_key) == (provider, True, "site-key-1")
    assert captcha.verify("tok-good") is True


def test_make_captcha_none_is_the_null_adapter() -> None:
    assert isinstance(make_captcha("none", "", ""), NullCaptcha)


def test_make_captcha_rejects_an_unknown_provider() -> None:
    with pytest.raises(ConfigurationError, match="PORTAL_CAPTCHA_PROVIDER") as caught:
        make_captcha("friendlycaptcha", "k", "s")
    assert "friendlycaptcha" in str(caught.value)


def test_make_captcha_refuses_a_real_provider_without_keys() -> None:
    with pytest.raises(ConfigurationError, match="PORTAL_CAPTCHA_PROVIDER=turnstile"):
        make_captcha("turnstile", "site-key-1", "")


def test_a_verify_url_that_is_not_http_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        RecaptchaCaptcha("k", "s", verify_url="file:///etc/passwd")
