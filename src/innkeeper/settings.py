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
        return self

    @property
    def session_cookie_secure(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return not self.public_url.startswith("http://")
