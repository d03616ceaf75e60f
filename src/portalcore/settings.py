"""Typed settings, read once from environment variables and an optional TOML file, then passed in.

Every setting has an environment variable ``PORTAL_<NAME>`` (upper case). A TOML file named by
``PORTAL_CONFIG`` (or ``portal.toml`` in the working directory) may set the same names in lower case;
the environment wins over the file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from portalcore.domain.errors import ConfigurationError

SECRET_FIELDS = frozenset({"secret_key", "smtp_password", "twilio_auth_token", "stripe_secret_key", "captcha_secret"})
MAIL_BACKENDS = ("file", "smtp")
SMS_BACKENDS = ("console", "twilio")
PAYMENT_BACKENDS = ("simulated", "stripe")
BREACHED_PASSWORD_CHECKS = ("bundled", "pwnedpasswords")
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


@attrs.frozen
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite file in data_dir
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = "dev-only-not-secret"
    # email
    mail_backend: str = "file"
    mail_from: str = "Portal <no-reply@portal.localhost>"
    mailbox_dir: Path | None = None  # default: data_dir / "mailbox"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 10.0
    # sms
    sms_backend: str = "console"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_api_base: str = ""  # tests point the SDK at a local fake
    # payments
    payment_backend: str = "simulated"
    stripe_secret_key: str = ""
    stripe_api_base: str = ""  # tests point the SDK at a local fake
    # outbox
    outbox_max_attempts: int = 8
    outbox_retry_base_seconds: float = 30.0
    outbox_batch_size: int = 50
    outbox_email_per_minute: int = 0  # 0: no limit; otherwise the most emails started in any minute, all workers
    outbox_sms_per_minute: int = 0
    worker_interval_seconds: float = 5.0
    # portal access
    password_min_length: int = 12
    password_hash_time_cost: int = 3  # argon2id, RFC 9106 low-memory profile
    password_hash_memory_kib: int = 65536
    # "bundled": the lists shipped with portal; "pwnedpasswords": Have I Been Pwned's range API (only 5 hex digits
    # of the password's SHA-1 leave the machine), falling back to the bundled lists when it cannot be reached
    breached_passwords: str = "bundled"
    pwned_passwords_url: str = "https://api.pwnedpasswords.com"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    invite_link_days: int = 7
    verify_link_hours: int = 24
    reset_link_minutes: int = 60
    captcha_provider: str = "none"  # none, recaptcha, hcaptcha, turnstile
    captcha_site_key: str = ""
    captcha_secret: str = ""

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'portal.db'}"

    @property
    def effective_mailbox_dir(self) -> Path:
        return self.mailbox_dir or self.data_dir / "mailbox"

    def validate(self) -> Settings:
        """Raises ``ConfigurationError`` naming the first unusable setting."""
        scheme = self.effective_database_url.split(":", 1)[0]
        if scheme not in DATABASE_SCHEMES:
            raise ConfigurationError(
                f"PORTAL_DATABASE_URL has unknown scheme {scheme!r}; use sqlite:///path or postgresql+psycopg://…"
            )
        for name, allowed in (("mail_backend", MAIL_BACKENDS), ("sms_backend", SMS_BACKENDS),
                              ("payment_backend", PAYMENT_BACKENDS),
                              ("breached_passwords", BREACHED_PASSWORD_CHECKS)):
            if getattr(self, name) not in allowed:
                raise ConfigurationError(f"PORTAL_{name.upper()} must be one of {', '.join(allowed)}")
        if self.sms_backend == "twilio" and not (self.twilio_account_sid and self.twilio_auth_token and self.twilio_from):
            raise ConfigurationError("Twilio SMS needs PORTAL_TWILIO_ACCOUNT_SID, PORTAL_TWILIO_AUTH_TOKEN and PORTAL_TWILIO_FROM")
        if not 8 <= self.password_min_length <= 64:
            raise ConfigurationError("PORTAL_PASSWORD_MIN_LENGTH must be between 8 and 64")
        if self.breached_passwords == "pwnedpasswords" and not self.pwned_passwords_url.startswith(
                ("https://", "http://")):
            raise ConfigurationError("PORTAL_PWNED_PASSWORDS_URL must be an http(s) URL")
        if self.payment_backend == "stripe" and not self.stripe_secret_key:
            raise ConfigurationError("Stripe payments need PORTAL_STRIPE_SECRET_KEY")
        return self

    def public_view(self) -> dict[str, Any]:
        """Every setting with its effective value, secrets masked, for ``portal config show``."""
        shown: dict[str, Any] = {}
        for field in attrs.fields(Settings):
            value = getattr(self, field.name)
            if field.name in SECRET_FIELDS and value:
                value = "****" + (value[-4:] if len(value) > 12 else "")
            elif isinstance(value, Path):
                value = str(value)
            shown[field.name] = value
        shown["database_url"] = _mask_url(self.effective_database_url)
        shown["mailbox_dir"] = str(self.effective_mailbox_dir)
        return shown


def _mask_url(url: str) -> str:
    head, sep, tail = url.partition("://")
    if sep and "@" in tail:
        credentials, _, host = tail.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{head}://{user}:****@{host}" if ":" in credentials else url
    return url


def _convert(field: attrs.Attribute, raw: Any) -> Any:
    kind = field.type
    try:
        if isinstance(field.default, bool):
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if isinstance(field.default, int):
            return int(raw)
        if isinstance(field.default, float):
            return float(raw)
        if "Path" in str(kind):
            return Path(raw) if str(raw) else None
        return str(raw)
    except ValueError:
        raise ConfigurationError(f"PORTAL_{field.name.upper()} has an unusable value {raw!r}") from None


SERVED_AT = "served-at.toml"  # in the data folder: where `portal serve` listens when no base_url is configured


def remember_base_url(settings: Settings) -> None:
    """Writes ``settings.base_url`` to the data folder, so every process on that folder (the CLI, the TUI, a
    worker) links to where `portal serve` listens when no base URL is configured. Raises ``ConfigurationError``
    when the folder cannot be written."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        (settings.data_dir / SERVED_AT).write_text(
            "# written by `portal serve`: the address links point at while no base_url is configured\n"
            f"base_url = {_toml_string(settings.base_url)}\n", encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"cannot write {settings.data_dir / SERVED_AT}: {error.strerror}") from None


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _served_at(data_dir: Path) -> str | None:
    path = data_dir / SERVED_AT
    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8"))["base_url"]) if path.is_file() else None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, OSError):
        return None  # a damaged note falls back to the default rather than stopping every command


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None, *,
                  served: bool = True, **overrides: Any) -> Settings:
    """Settings from a TOML file, then ``PORTAL_*`` variables, then ``overrides``; validated. Without a
    configured ``base_url``, the address `portal serve` last listened on (``remember_base_url``) is used unless
    ``served`` is False."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or (Path(environ["PORTAL_CONFIG"]) if environ.get("PORTAL_CONFIG") else Path("portal.toml"))
    if path.is_file():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"{path} is not valid TOML: {error}") from None
    elif config_file is not None or environ.get("PORTAL_CONFIG"):
        raise ConfigurationError(f"configuration file {path} does not exist")
    fields = {f.name: f for f in attrs.fields(Settings)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigurationError(f"{path} has unknown setting {unknown[0]!r}")
    for name in fields:
        key = f"PORTAL_{name.upper()}"
        if key in environ:
            values[name] = environ[key]
    values.update(overrides)
    converted = {name: _convert(fields[name], raw) for name, raw in values.items() if raw is not None}
    if served and "base_url" not in converted:
        remembered = _served_at(converted.get("data_dir") or fields["data_dir"].default)
        if remembered:
            converted["base_url"] = remembered
    return Settings(**converted).validate()
