"""Settings come from the environment and an optional TOML file; bad ones give one readable error."""

from __future__ import annotations

from pathlib import Path

import pytest

from portalcore.domain.errors import ConfigurationError
from portalcore.settings import load_settings


def test_defaults_run_offline_on_sqlite(tmp_path: Path) -> None:
    settings = load_settings({}, config_file=None, data_dir=str(tmp_path))
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'portal.db'}"
    assert (settings.mail_backend, settings.sms_backend, settings.payment_backend) == ("file", "console", "simulated")


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "portal.toml"
    config.write_text('smtp_port = 2525\nmail_backend = "smtp"\n')
    settings = load_settings({"PORTAL_SMTP_PORT": "1025"}, config_file=config)
    assert settings.smtp_port == 1025
    assert settings.mail_backend == "smtp"


def test_unknown_database_scheme_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown scheme 'mysql'"):
        load_settings({"PORTAL_DATABASE_URL": "mysql://root@localhost/portal"})


def test_a_number_that_is_not_a_number_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="PORTAL_SMTP_PORT"):
        load_settings({"PORTAL_SMTP_PORT": "twenty-five"})


def test_a_misspelt_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "portal.toml"
    config.write_text('smtp_prot = 25\n')
    with pytest.raises(ConfigurationError, match="smtp_prot"):
        load_settings({}, config_file=config)


def test_twilio_without_credentials_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="TWILIO"):
        load_settings({"PORTAL_SMS_BACKEND": "twilio"})


def test_secrets_are_masked_when_shown() -> None:
    settings = load_settings({"PORTAL_STRIPE_SECRET_KEY": "sk_test_abcdefghijklmnop1234",
                              "PORTAL_PAYMENT_BACKEND": "stripe",
                              "PORTAL_DATABASE_URL": "postgresql+psycopg://clinic:hunter2@db/portal"})
    shown = settings.public_view()
    assert "abcdefghijklmnop" not in str(shown)
    assert shown["stripe_secret_key"].endswith("1234")
    assert "hunter2" not in shown["database_url"]
