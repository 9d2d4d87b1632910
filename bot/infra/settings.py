"""Process configuration, read once from the environment (and a `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.infra.zones import validate_zone

DEFAULT_DATABASE_FILE = "mentorbot.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = ""
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    discord_token: str | None = None
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    # Retention (jobs/retention.py): finished nudges, and processed-event records.
    retention_nudge_days: int = Field(default=365, ge=1)
    retention_event_days: int = Field(default=30, ge=1)
    # How long a delivery worker's claim on a nudge holds before another may take it over
    # (a worker that died); unset: the nudge policy's lease (bot.nudges.policy.LEASE).
    nudge_lease_seconds: int | None = Field(default=None, ge=1)

    @field_validator("database_url")
    @classmethod
    def _default_sqlite(cls, value: str) -> str:
        # An empty value means "the embedded default", so a fresh checkout just works.
        return value or _default_database_url()

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return validate_zone(value)

    @property
    def uses_embedded_database(self) -> bool:
        """DATABASE_URL left unset: the SQLite file in the working directory."""
        return self.database_url == _default_database_url()

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret))

    @property
    def discord_configured(self) -> bool:
        return bool(self.discord_token)


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
