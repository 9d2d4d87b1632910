"""Multi-workspace install (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET): Slack's OAuth v2 flow with
slack_sdk's SQLAlchemy installation and state stores on mentorbot's own database.

The stores define their own tables (`slack_installations`, `slack_bots`,
`slack_oauth_states`); they are created here at start-up when missing, on the same database
as everything else (`DATABASE_URL`), so one backup covers the tokens too. slack-sdk's stores
need an SQLAlchemy engine of their own: the one place under `adapters/` that touches the
database (tests/test_adapters_translate.py allows it here only). The install page is served at
/slack/install and Slack returns to /slack/oauth_redirect, by the same HTTP app as
/slack/events."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import select

from bot.infra.db import make_engine
from bot.infra.settings import Settings

# Keep in step with manifest.yml's oauth_config.scopes.bot.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
    "channels:read",
    "groups:read",
    "files:write",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRATION_SECONDS = 600
OAUTH_POOL_SIZE = 2
"""Connections of the installation store's own engine: a token lookup per workspace (cached
by the sweep's clients) and an install now and then need no more."""


@dataclass
class OAuthSetup:
    installation_store: SQLAlchemyInstallationStore
    state_store: SQLAlchemyOAuthStateStore
    oauth_settings: OAuthSettings

    @classmethod
    def create(cls, settings: Settings) -> OAuthSetup:
        if not (settings.slack_client_id and settings.slack_client_secret):
            raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are both needed")
        engine = make_engine(settings.database_url, pool_size=OAUTH_POOL_SIZE)
        installations = SQLAlchemyInstallationStore(client_id=settings.slack_client_id,
                                                    engine=engine)
        states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS,
                                           engine=engine)
        # create_all checks first, so this is a no-op once the tables exist.
        installations.create_tables()
        states.create_tables()
        oauth_settings = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=installations,
            state_store=states,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
        )
        return cls(installations, states, oauth_settings)

    def bot_token(self, team_id: str) -> str | None:
        """The bot token of the workspace, for messages sent outside any request. An account
        whose workspace is not known yet ('' : imported from the roster, never used the
        bot) can only be reached when the app is installed in one workspace."""
        if team_id:
            bot = self.installation_store.find_bot(enterprise_id=None, team_id=team_id)
            return bot.bot_token if bot is not None else None
        bots = self.installation_store.bots
        with self.installation_store.engine.connect() as conn:
            rows = conn.execute(select(bots.c.team_id, bots.c.bot_token)
                                .where(bots.c.client_id == self.installation_store.client_id)
                                .order_by(bots.c.installed_at.desc())).all()
        teams = {row.team_id for row in rows}
        return rows[0].bot_token if len(teams) == 1 else None
