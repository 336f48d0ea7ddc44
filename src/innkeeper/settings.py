"""One settings object, read from the environment once, at startup, and passed down.

Our own settings take the ``INNKEEPER_`` prefix; the standard names ``DATABASE_URL`` (and,
in later issues, ``STRIPE_*``) are read as they are. Nothing is read at import time.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INNKEEPER_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".innkeeper")
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "INNKEEPER_DATABASE_URL")
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True

    session_days: int = Field(default=14, ge=1, le=90)
    cookie_secure: bool | None = None  # None: secure unless public_url is plain http
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_email: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=30, ge=1)

    # how long each waiting booking state lasts (a listing sets its own host response time)
    booking_hold_minutes: int = Field(default=15, ge=1, le=24 * 60)
    booking_payment_hours: int = Field(default=24, ge=1, le=24 * 14)  # after an accept
    booking_offer_hours: int = Field(default=48, ge=1, le=24 * 14)  # default offer lifetime
    booking_payment_grace_hours: int = Field(default=24, ge=1, le=24 * 14)

    # notifications: SMTP when SMTP_URL is set, SMS when the Twilio account is set; otherwise
    # every message lands in the database mailbox (``/dev/mailbox`` outside production)
    smtp_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SMTP_URL", "INNKEEPER_SMTP_URL")
    )
    mail_from: str = "Innkeeper <notifications@innkeeper.localhost>"
    sms_api_url: str = "https://api.twilio.com"
    twilio_account_sid: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TWILIO_ACCOUNT_SID", "INNKEEPER_TWILIO_ACCOUNT_SID"),
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TWILIO_AUTH_TOKEN", "INNKEEPER_TWILIO_AUTH_TOKEN"),
    )
    twilio_from_number: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TWILIO_FROM_NUMBER", "INNKEEPER_TWILIO_FROM_NUMBER"),
    )
    notification_max_attempts: int = Field(default=8, ge=1, le=50)
    notification_retry_seconds: int = Field(default=30, ge=1)  # doubles per attempt
    notification_retry_cap_seconds: int = Field(default=3600, ge=1)
    notification_lease_seconds: int = Field(default=300, ge=1)  # a sender presumed dead after
    reminder_before_deadline_hours: int = Field(default=3, ge=1, le=72)
    check_in_reminder_hours: int = Field(default=24, ge=1, le=24 * 7)

    # Stripe: the official SDK talks to real Stripe when STRIPE_SECRET_KEY is set; otherwise
    # `innkeeper run` starts the bundled emulator (``stripe_emulator``) and points at it.
    stripe_secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("STRIPE_SECRET_KEY", "INNKEEPER_STRIPE_SECRET_KEY"),
    )
    stripe_emulator_host: str = "127.0.0.1"
    stripe_emulator_port: int = Field(default=12111, ge=0, le=65535)
    stripe_publishable_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STRIPE_PUBLISHABLE_KEY", "INNKEEPER_STRIPE_PUBLISHABLE_KEY"),
    )
    stripe_timeout_seconds: float = Field(default=30, gt=0, le=120)
    stripe_network_retries: int = Field(default=2, ge=0, le=5)

    # payments: hosts must have a connected account that can take charges before a guest
    # can book (off only for marketplaces that take manual payments alone)
    payments_connect_required: bool = True
    balance_reminder_days: int = Field(default=3, ge=0, le=30)  # before a balance is charged
    payment_failure_policy: str = Field(default="cancel", pattern="^(cancel|keep)$")
    security_hold_days_before: int = Field(default=1, ge=0, le=7)  # placed before arrival
    security_hold_release_days: int = Field(default=2, ge=0, le=30)  # after departure
    security_hold_window_days: int = Field(default=6, ge=1, le=7)  # re-authorized after

    # Stripe webhooks: signing secrets (comma-separated, so a rolled secret and its
    # predecessor, or the platform and the Connect endpoint, verify at once)
    stripe_webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("STRIPE_WEBHOOK_SECRET", "INNKEEPER_STRIPE_WEBHOOK_SECRET"),
    )
    webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)  # signature age
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)  # then dead-lettered
    webhook_retry_base_seconds: int = Field(default=30, ge=1, le=3600)  # doubles per attempt
    webhook_reconcile_hours: int = Field(default=72, ge=1, le=720)  # how far back to look
    fraud_auto_refund: bool = False  # refund a charge on an actionable early fraud warning

    # argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile.
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65536, ge=64)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is Environment.PRODUCTION:
            if self.database_url is None:
                raise ValueError("production needs DATABASE_URL; the embedded server is for dev")
            if not self.session_cookie_secure:
                raise ValueError("production needs secure cookies (an https public_url)")
            if self.smtp_url is None:
                raise ValueError("production needs SMTP_URL; the mailbox only keeps messages")
            if self.stripe_secret_key is None:
                raise ValueError("production needs STRIPE_SECRET_KEY; the emulator is for dev")
        return self

    @property
    def stripe_emulated(self) -> bool:
        """No Stripe key: payments go to the bundled emulator (development and tests)."""
        return self.stripe_secret_key is None

    @property
    def webhook_secrets(self) -> list[str]:
        """Every signing secret a delivery may be signed with, in the order given."""
        if self.stripe_webhook_secret is None:
            return []
        raw = self.stripe_webhook_secret.get_secret_value()
        return [part.strip() for part in raw.split(",") if part.strip()]

    @property
    def stripe_emulator_url(self) -> str:
        return f"http://{self.stripe_emulator_host}:{self.stripe_emulator_port}"

    @property
    def sms_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from_number)

    @property
    def mailbox_visible(self) -> bool:
        """The development mailbox page holds everyone's messages: never in production."""
        return self.environment is not Environment.PRODUCTION

    @property
    def session_cookie_secure(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return not self.public_url.startswith("http://")
