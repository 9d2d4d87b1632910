"""Process configuration, read once from the environment (and a `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.infra.zones import validate_zone

DEFAULT_DATABASE_FILE = "mentorbot.sqlite3"
MIN_WEB_SECRET = 32
"""Characters at least in WEB_SECRET: the key every web link and session is signed with."""
DEFAULT_SLACK_SEND_RATE = 5.0
"""Direct messages a second to one Slack workspace, by default: chat.postMessage's "special"
tier allows about one message a second per channel "while also maintaining a workspace-wide
limit" whose number Slack does not publish; five a second (300 a minute, to 300 different
DMs) is a conservative pace for it (README, Configuration)."""
DEFAULT_DISCORD_SEND_RATE = 25.0
"""REST calls a second the Discord bot spends on direct messages, by default: half of
Discord's global limit of 50 requests a second per bot, leaving the rest for everything
else the bot does (command answers, group posts)."""
DEFAULT_DB_POOL_SIZE = 10
"""Database connections a process keeps: its sending threads (8), the scheduler's job and
the Slack and web request workers share them, each for one short unit of work at a time."""


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
    # Web pages (bot/web, adapters/web): the address links start with (unset: no pages, no
    # links), the port they are served on when no Slack HTTP server serves them (unset:
    # PORT), and the key links and sessions are signed with (unset: one generated once and
    # kept in the database, so every worker shares it).
    public_url: str | None = None
    web_port: int | None = Field(default=None, ge=0, le=65535)
    web_secret: str | None = None
    # The send budgets every worker shares through the database (jobs/budget.py): direct
    # messages a second to one Slack workspace, and REST calls a second of the Discord bot
    # for its direct messages. 0 turns a budget off. The defaults and the published limits
    # they come from are in the README (Configuration).
    slack_send_rate: float = Field(default=DEFAULT_SLACK_SEND_RATE, ge=0)
    discord_send_rate: float = Field(default=DEFAULT_DISCORD_SEND_RATE, ge=0)
    # Database connections this process keeps open at most (plus `bot.infra.db.POOL_OVERFLOW`
    # more while busy); the README's "Running several workers" counts them.
    db_pool_size: int = Field(default=DEFAULT_DB_POOL_SIZE, ge=1, le=1000)
    # The HTTP server's limits on its connections (adapters/http_limits.py, where the
    # defaults are): open at once, per client address (0: none), and the seconds a request
    # has for its headers and then its body. Unset: the defaults.
    http_connections: int | None = Field(default=None, ge=1)
    http_connections_per_address: int | None = Field(default=None, ge=0)
    http_header_seconds: float | None = Field(default=None, gt=0)
    http_body_seconds: float | None = Field(default=None, gt=0)

    @field_validator("database_url")
    @classmethod
    def _default_sqlite(cls, value: str) -> str:
        # An empty value means "the embedded default", so a fresh checkout just works.
        return value or _default_database_url()

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return validate_zone(value)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return check_public_url(value) if value and value.strip() else None

    @field_validator("web_secret")
    @classmethod
    def _web_secret(cls, value: str | None) -> str | None:
        if not value:
            return None
        if len(value) < MIN_WEB_SECRET:
            raise ValueError(f"WEB_SECRET must be at least {MIN_WEB_SECRET} characters long "
                             "(a random string: python3 -c 'import secrets; "
                             "print(secrets.token_urlsafe(32))')")
        return value

    @property
    def web_enabled(self) -> bool:
        """PUBLIC_URL is set: the pages are served and links can be made."""
        return self.public_url is not None

    @property
    def web_listen_port(self) -> int:
        """Where the pages listen when they have a server of their own (Socket Mode,
        Discord-only, the console): WEB_PORT, else PORT."""
        return self.port if self.web_port is None else self.web_port

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


def check_public_url(value: str) -> str:
    """PUBLIC_URL as links use it: http(s), a host, an optional path prefix, no query or
    fragment, no trailing slash ("https://mentor.example.edu/bot")."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"PUBLIC_URL must start with https:// (or http://) and name a host, "
                         f"not {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"PUBLIC_URL takes no query, fragment or password: {value!r}")
    if any(ch.isspace() or ch in '<>"' for ch in url):
        raise ValueError(f"PUBLIC_URL holds a space or a quote: {value!r}")
    return url


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def describe_invalid(error: ValidationError) -> str:
    """One line naming each setting that was refused, as it is spelled in the environment,
    what it was given and what it should be (pydantic's own words for the rule)."""
    problems = []
    for item in error.errors():
        name = ".".join(str(part) for part in item.get("loc", ())).upper() or "a setting"
        given = item.get("input")
        shown = f" is {given!r}" if isinstance(given, str | int | float) else ""
        problems.append(f"{name}{shown}: {item.get('msg', 'not valid')}")
    return "; ".join(problems)
